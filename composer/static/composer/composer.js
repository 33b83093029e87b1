/* The composer: media list, repeatable option lists, live checks and previews.
 *
 * Plain JavaScript, no library. The server is the judge: the live check posts the form
 * (media as metadata only) to the check endpoint, which answers with each platform's
 * counters and problems from the same validate() the engine uses; saving asks again.
 */
(function () {
  "use strict";

  var ACCEPTED = {
    "image/jpeg": "image", "image/jpg": "image", "image/pjpeg": "image", "image/png": "image",
    "image/gif": "image", "image/webp": "image", "video/mp4": "video", "video/x-m4v": "video",
    "video/quicktime": "video", "video/webm": "video"
  };
  var CHECK_DELAY_MS = 350;

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  ready(function () {
    var root = document.getElementById("composer");
    if (!root) { return; }
    var form = document.getElementById("composer-form");
    var fileInput = form.querySelector("input[name=media_files]");
    var orderInput = form.querySelector("input[name=media_order]");
    var mediaList = document.getElementById("composer-media");
    var mediaStatus = document.getElementById("composer-media-status");
    var checkStatus = document.getElementById("composer-check-status");
    var maxMedia = parseInt(root.dataset.maxMedia, 10) || 10;
    var maxUpload = parseInt(root.dataset.maxUpload, 10) || Infinity;

    /* ---- media: one ordered list of saved files and new files ---- */
    var media = [];
    var newCount = 0;
    Array.prototype.forEach.call(mediaList.querySelectorAll("li[data-token]"), function (li) {
      media.push({
        token: li.dataset.token, name: li.dataset.name.split("/").pop(), kind: li.dataset.kind,
        mime: li.dataset.mime, size: parseInt(li.dataset.size, 10) || 0, url: li.dataset.url, file: null
      });
    });

    function addFiles(files) {
      Array.prototype.forEach.call(files, function (file) {
        if (media.length >= maxMedia) {
          mediaStatus.textContent = "At most " + maxMedia + " files per post.";
          return;
        }
        var mime = (file.type || "").toLowerCase();
        media.push({
          token: "n" + (newCount++), name: file.name,
          kind: file.size <= maxUpload ? (ACCEPTED[mime] || "") : "",
          refusal: file.size > maxUpload ? "too large to upload" : "not a type Herald takes",
          mime: mime, size: file.size, url: URL.createObjectURL(file), file: file
        });
      });
      var notKept = document.getElementById("composer-files-not-kept");
      if (notKept && media.some(function (m) { return m.file; })) { notKept.remove(); }
      renderMedia();
      changed();
    }

    function move(index, by) {
      var to = index + by;
      if (to < 0 || to >= media.length) { return; }
      var item = media.splice(index, 1)[0];
      media.splice(to, 0, item);
      renderMedia();
      mediaStatus.textContent = item.name + " is now file " + (to + 1) + " of " + media.length + ".";
      var button = mediaList.children[to].querySelector(by < 0 ? ".composer-move-up" : ".composer-move-down");
      (button && !button.disabled ? button : mediaList.children[to].querySelector("button")).focus();
      changed();
    }

    function removeAt(index) {
      var item = media.splice(index, 1)[0];
      if (item.file) { URL.revokeObjectURL(item.url); }
      renderMedia();
      mediaStatus.textContent = item.name + " removed.";
      var next = mediaList.children[Math.min(index, media.length - 1)];
      (next ? next.querySelector("button") : fileInput).focus();
      changed();
    }

    function thumbnail(item) {
      if (item.kind === "image" && item.url) {
        return el("img", { src: item.url, alt: "", className: "composer-thumb" });
      }
      if (item.kind === "video" && item.url) {
        var video = el("video", { src: item.url, className: "composer-thumb", preload: "metadata", muted: "" });
        video.setAttribute("aria-hidden", "true");
        return video;
      }
      return el("span", { className: "composer-thumb composer-thumb-none", text: "?" });
    }

    var dragged = null;
    function renderMedia() {
      mediaList.textContent = "";
      media.forEach(function (item, index) {
        var label = (index + 1) + ". " + item.name + " (" + (item.kind || item.refusal) + ")";
        var up = el("button", { type: "button", className: "button composer-move-up", text: "Move up" });
        var down = el("button", { type: "button", className: "button composer-move-down", text: "Move down" });
        var remove = el("button", { type: "button", className: "button composer-remove", text: "Remove" });
        [up, down, remove].forEach(function (b) { b.setAttribute("aria-label", b.textContent + ": " + item.name); });
        up.disabled = index === 0;
        down.disabled = index === media.length - 1;
        up.addEventListener("click", function () { move(index, -1); });
        down.addEventListener("click", function () { move(index, 1); });
        remove.addEventListener("click", function () { removeAt(index); });
        var li = el("li", { className: "composer-media-item", draggable: "true", "data-token": item.token }, [
          thumbnail(item), el("span", { className: "composer-media-name", text: label }),
          el("span", { className: "composer-media-buttons" }, [up, down, remove])
        ]);
        if (!item.kind) { li.classList.add("composer-media-refused"); }
        li.addEventListener("dragstart", function (event) {
          dragged = index;
          event.dataTransfer.effectAllowed = "move";
          event.dataTransfer.setData("text/plain", item.token);
        });
        li.addEventListener("dragover", function (event) {
          if (dragged !== null) { event.preventDefault(); }
        });
        li.addEventListener("drop", function (event) {
          if (dragged === null) { return; }
          event.preventDefault();
          event.stopPropagation();
          var from = dragged;
          dragged = null;
          if (from !== index) { move(from, index - from); }
        });
        li.addEventListener("dragend", function () { dragged = null; });
        mediaList.appendChild(li);
      });
    }

    var dropzone = document.getElementById("composer-dropzone");
    ["dragenter", "dragover"].forEach(function (name) {
      dropzone.addEventListener(name, function (event) {
        if (dragged !== null) { return; }
        event.preventDefault();
        dropzone.classList.add("composer-dropzone-active");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      dropzone.addEventListener(name, function () { dropzone.classList.remove("composer-dropzone-active"); });
    });
    dropzone.addEventListener("drop", function (event) {
      if (dragged !== null || !event.dataTransfer || !event.dataTransfer.files.length) { return; }
      event.preventDefault();
      addFiles(event.dataTransfer.files);
    });
    if (fileInput && !fileInput.disabled) {
      fileInput.addEventListener("change", function () {
        var chosen = Array.prototype.slice.call(fileInput.files);
        fileInput.value = "";
        addFiles(chosen);
      });
    }

    /* On submit the new files go in the file input, in the list's order. */
    form.addEventListener("submit", function () {
      if (!fileInput || fileInput.disabled) { return; }
      var transfer = new DataTransfer();
      var tokens = [];
      media.forEach(function (item) {
        if (item.file) {
          tokens.push("n" + transfer.items.length);
          transfer.items.add(item.file);
        } else {
          tokens.push(item.token);
        }
      });
      fileInput.files = transfer.files;
      orderInput.value = tokens.join(",");
    });

    /* ---- repeatable lists (X thread parts, YouTube tags, ...) ---- */
    function renumber(list) {
      var label = list.dataset.itemLabel;
      Array.prototype.forEach.call(list.querySelectorAll(".composer-list-item"), function (li, i) {
        var id = list.dataset.baseId + "_" + i;
        li.querySelector("label").textContent = label + " " + (i + 1);
        li.querySelector("label").setAttribute("for", id);
        li.querySelector("input, textarea").id = id;
        li.querySelector(".composer-list-remove .composer-sr").textContent = label + " " + (i + 1);
      });
    }
    Array.prototype.forEach.call(form.querySelectorAll(".composer-list"), function (list) {
      var items = list.querySelector(".composer-list-items");
      list.addEventListener("click", function (event) {
        var target = event.target.closest("button");
        if (!target) { return; }
        if (target.classList.contains("composer-list-remove")) {
          var li = target.closest(".composer-list-item");
          var all = items.querySelectorAll(".composer-list-item");
          if (all.length === 1) {
            li.querySelector("input, textarea").value = "";
          } else {
            li.remove();
          }
          renumber(list);
          (items.querySelector("input, textarea") || list.querySelector(".composer-list-add")).focus();
          changed();
        } else if (target.classList.contains("composer-list-add")) {
          var template = items.querySelector(".composer-list-item");
          var copy = template.cloneNode(true);
          copy.querySelector("input, textarea").value = "";
          items.appendChild(copy);
          renumber(list);
          copy.querySelector("input, textarea").focus();
          changed();
        }
      });
    });

    /* ---- the form's state ---- */
    function value(name) {
      var field = form.elements.namedItem(name);
      if (!field) { return ""; }
      if (field instanceof RadioNodeList) { return field[0] ? field[0].value : ""; }
      if (field.type === "checkbox") { return field.checked; }
      return field.value;
    }
    function values(name) {
      return Array.prototype.map.call(form.querySelectorAll("[name='" + name + "']"), function (f) { return f.value; })
        .filter(function (v) { return v.trim() !== ""; });
    }
    function chosenAccounts() {
      var byPlatform = {};
      Array.prototype.forEach.call(form.querySelectorAll("input[name=accounts]:checked"), function (box) {
        (byPlatform[box.dataset.platform] = byPlatform[box.dataset.platform] || []).push(box.dataset.accountName);
      });
      return byPlatform;
    }
    function platformText(platform) {
      var override = value("o__" + platform + "__text");
      return override && override.trim() ? override : value("body");
    }

    /* ---- previews: plain HTML built from the form's state ---- */
    function mediaNode(item, className) {
      var box = el("div", { className: className + " composer-pv-media-" + (item.kind || "file") });
      if (item.kind === "image" && item.url) {
        box.appendChild(el("img", { src: item.url, alt: item.name }));
      } else {
        box.appendChild(el("span", { className: "composer-pv-file", text: (item.kind === "video" ? "▶ " : "") + item.name }));
      }
      return box;
    }
    function textNode(text, className) {
      return el("div", { className: className || "composer-pv-text", text: text });
    }
    function header(name, handle) {
      return el("div", { className: "composer-pv-header" }, [
        el("span", { className: "composer-pv-avatar", text: (name || "?").replace(/^[@#]/, "").charAt(0).toUpperCase(), "aria-hidden": "true" }),
        el("span", { className: "composer-pv-name", text: name }),
        handle ? el("span", { className: "composer-pv-handle", text: handle }) : null
      ]);
    }

    var previews = {
      twitter: function (accounts) {
        var name = accounts[0] || "Your account";
        var parts = [platformText("twitter")].concat(values("o__twitter__thread"));
        var box = el("div", { className: "composer-pv-x" });
        parts.forEach(function (text, index) {
          var post = el("div", { className: "composer-pv-x-post" }, [header(name, index ? "reply " + index : ""), textNode(text)]);
          if (index === 0 && media.length) {
            var shown = media.slice(0, 4);
            var grid = el("div", { className: "composer-pv-grid composer-pv-grid-" + shown.length });
            shown.forEach(function (item) { grid.appendChild(mediaNode(item, "composer-pv-cell")); });
            post.appendChild(grid);
          }
          box.appendChild(post);
        });
        return box;
      },
      discord: function (accounts) {
        var channel = value("o__discord__channel_id").trim();
        var where = channel ? "in channel " + channel : (accounts[0] ? "in " + accounts[0] : "");
        var box = el("div", { className: "composer-pv-discord" }, [
          header("Herald", where), textNode(platformText("discord"))
        ]);
        if (media.length) {
          var files = el("div", { className: "composer-pv-attachments" });
          media.forEach(function (item) { files.appendChild(mediaNode(item, "composer-pv-attachment")); });
          box.appendChild(files);
        }
        return box;
      },
      instagram: function (accounts) {
        var name = accounts[0] || "your.account";
        var caption = platformText("instagram");
        var box = el("div", { className: "composer-pv-instagram" }, [header(name, "")]);
        var square = el("div", { className: "composer-pv-square" });
        if (media.length) { square.appendChild(mediaNode(media[0], "composer-pv-square-media")); }
        else { square.appendChild(el("span", { className: "composer-pv-file", text: "No image or video" })); }
        box.appendChild(square);
        if (media.length > 1) {
          box.appendChild(el("div", { className: "composer-pv-dots", text: "1 of " + media.length + " (carousel)" }));
        }
        var short = caption.length > 125 ? caption.slice(0, 125).replace(/\s+\S*$/, "") : caption;
        var p = el("p", { className: "composer-pv-caption" }, [el("strong", { text: name + " " }), document.createTextNode(short)]);
        if (short.length < caption.length) { p.appendChild(el("span", { className: "composer-pv-more", text: "… more" })); }
        box.appendChild(p);
        return box;
      },
      youtube: function (accounts) {
        var video = media.filter(function (m) { return m.kind === "video"; })[0];
        var title = value("o__youtube__title").trim() || value("title").trim() || "(no title)";
        var description = value("o__youtube__description") || platformText("youtube");
        var frame = el("div", { className: "composer-pv-video" }, [
          el("span", { className: "composer-pv-play", "aria-hidden": "true", text: "▶" }),
          el("span", { className: "composer-pv-file", text: video ? video.name : "No video" })
        ]);
        var privacy = value("o__youtube__privacy");
        return el("div", { className: "composer-pv-youtube" }, [
          frame,
          el("div", { className: "composer-pv-title", text: title }),
          el("div", { className: "composer-pv-channel", text: (accounts[0] || "Your channel") + (privacy ? " · " + privacy : "") }),
          textNode(description.length > 300 ? description.slice(0, 300) + "…" : description, "composer-pv-description")
        ]);
      }
    };
    function genericPreview(platform, accounts) {
      var box = el("div", { className: "composer-pv-generic" }, [header(accounts[0] || "Your account", ""), textNode(platformText(platform))]);
      media.forEach(function (item) { box.appendChild(mediaNode(item, "composer-pv-attachment")); });
      return box;
    }

    function renderPreviews() {
      var chosen = chosenAccounts();
      var any = false;
      Array.prototype.forEach.call(document.querySelectorAll(".composer-preview"), function (article) {
        var platform = article.dataset.platform;
        var on = Boolean(chosen[platform]);
        any = any || on;
        article.hidden = !on;
        var options = document.getElementById("composer-options-" + platform);
        if (options) { options.hidden = !on && !options.querySelector(".errorlist li"); }
        if (!on) { return; }
        var body = article.querySelector("[data-preview-for]");
        body.textContent = "";
        body.appendChild((previews[platform] || function (a) { return genericPreview(platform, a); })(chosen[platform]));
      });
      document.getElementById("composer-previews-empty").hidden = any;
    }

    /* ---- live checks ---- */
    var timer = null;
    var sequence = 0;
    function showErrors(errors) {
      Array.prototype.forEach.call(form.querySelectorAll("[data-errors-for].composer-live"), function (box) {
        box.textContent = "";
        box.classList.remove("composer-live");
      });
      Object.keys(errors || {}).forEach(function (name) {
        var box = form.querySelector("[data-errors-for='" + name + "']");
        if (!box) { return; }
        box.textContent = "";
        box.classList.add("composer-live");
        var list = el("ul", { className: "errorlist" });
        errors[name].forEach(function (m) { list.appendChild(el("li", { text: m })); });
        box.appendChild(list);
      });
    }
    function showChecks(answer) {
      var seen = {};
      (answer.platforms || []).forEach(function (result) {
        seen[result.platform] = true;
        var counters = document.querySelector("[data-counters-for='" + result.platform + "']");
        var problems = document.querySelector("[data-problems-for='" + result.platform + "']");
        if (!counters) { return; }
        counters.textContent = "";
        result.measures.forEach(function (m) {
          var text = m.label + ": " + m.used + " / " + m.limit + " " + m.unit;
          var li = el("li", { className: "composer-counter" + (m.over ? " composer-over" : "") }, [
            el("span", { text: text }),
            m.over ? el("strong", { className: "composer-over-note", text: " — over the limit by " + (m.used - m.limit) }) : null
          ]);
          counters.appendChild(li);
        });
        problems.textContent = "";
        result.problems.forEach(function (p) { problems.appendChild(el("li", { text: p })); });
      });
      Array.prototype.forEach.call(document.querySelectorAll("[data-counters-for]"), function (counters) {
        if (!seen[counters.dataset.countersFor]) {
          counters.textContent = "";
          document.querySelector("[data-problems-for='" + counters.dataset.countersFor + "']").textContent = "";
        }
      });
      showErrors(answer.errors);
      pruneRefusals(answer);
      var count = (answer.platforms || []).reduce(function (n, r) { return n + r.problems.length; }, 0);
      checkStatus.textContent = count ? count + " problem" + (count > 1 ? "s" : "") + " found." : "No problems found.";
      root.dataset.checked = String(sequence);
    }
    /* The server's refusals stay listed until the live check no longer reports them. */
    function pruneRefusals(answer) {
      var list = document.getElementById("composer-refusals");
      if (!list) { return; }
      var current = {};
      (answer.platforms || []).forEach(function (r) { r.problems.forEach(function (p) { current[p] = true; }); });
      Array.prototype.forEach.call(list.querySelectorAll("li"), function (li) {
        if (!current[li.textContent]) { li.remove(); }
      });
      if (!list.children.length) {
        list.remove();
        if (!document.querySelector("#composer-errors .nonfield li")) {
          document.getElementById("composer-errors-lead").textContent =
            "Nothing was saved yet. The checks pass now: save again.";
        }
      }
    }
    function runCheck() {
      var data = new FormData(form);
      data.delete("media_files");
      data.delete("action");
      if (root.dataset.contentId) { data.set("content", root.dataset.contentId); }
      /* A scheduled post's accounts are fixed (disabled), but still what is checked. */
      Array.prototype.forEach.call(form.querySelectorAll("input[name=accounts]:checked:disabled"), function (box) {
        data.append("accounts", box.value);
      });
      data.set("media", JSON.stringify(media.filter(function (m) { return m.kind; }).map(function (m) {
        return { kind: m.kind, mime_type: m.mime, size: m.size };
      })));
      var mine = ++sequence;
      fetch(root.dataset.checkUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
      }).then(function (result) {
        if (mine !== sequence) { return; }
        if (!result.ok) { showErrors(result.answer.errors || {}); checkStatus.textContent = "The check was refused."; return; }
        showChecks(result.answer);
      }).catch(function () {
        if (mine === sequence) { checkStatus.textContent = "The live check is not reachable; saving still checks."; }
      });
    }
    function changed() {
      renderPreviews();
      clearTimeout(timer);
      timer = setTimeout(runCheck, CHECK_DELAY_MS);
    }

    form.addEventListener("input", function (event) {
      if (event.target !== fileInput) { changed(); }
    });
    form.addEventListener("change", function (event) {
      if (event.target !== fileInput) { changed(); }
    });
    renderMedia();
    renderPreviews();
    runCheck();
  });
})();
