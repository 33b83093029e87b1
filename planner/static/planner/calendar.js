/* The operator's calendar: FullCalendar over /admin/calendar/events/, a detail panel, moves.
 *
 * FullCalendar runs in UTC and is given wall-clock times of the operator's zone without an
 * offset (planner/views.py says why), so toISOString() of any date it hands back is that
 * wall-clock time followed by "Z": the "Z" is dropped before it goes back to the server.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("herald-calendar-config").textContent);
  const csrfToken = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const statusBox = document.getElementById("herald-calendar-status");
  const panel = document.getElementById("herald-calendar-detail");
  const filterForm = document.getElementById("herald-calendar-filters");
  const loadedAt = Date.now();
  const serverNow = Date.parse(config.now + "Z");
  let returnFocusTo = null;

  function wallClock(date) {
    return date.toISOString().slice(0, 19);
  }

  function day(date) {
    return date.toISOString().slice(0, 10);
  }

  function nextDay(isoDay) {
    const date = new Date(isoDay + "T00:00:00Z");
    date.setUTCDate(date.getUTCDate() + 1);
    return day(date);
  }

  function say(message, isError) {
    statusBox.setAttribute("aria-live", isError ? "assertive" : "polite");
    statusBox.className = isError ? "herald-calendar-error" : "herald-calendar-ok";
    statusBox.textContent = message;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function idUrl(template, id) {
    return template.replace("{id}", encodeURIComponent(id));
  }

  function readJson(response) {
    return response
      .json()
      .catch(function () {
        return { error: "The server answered " + response.status + "." };
      })
      .then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
  }

  /* --- the events --------------------------------------------------------------------- */

  function loadEvents(info, success, failure) {
    const params = new URLSearchParams(config.filters);
    params.set("start", wallClock(info.start));
    params.set("end", wallClock(info.end));
    fetch(config.eventsUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(readJson)
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error(answer.body.error || "The posts could not be loaded.");
        }
        if (answer.body.truncated) {
          say("Only the first " + answer.body.events.length + " posts are shown: narrow the view with the filters.", false);
        }
        success(answer.body.events);
      })
      .catch(function (error) {
        say(error.message, true);
        failure(error);
      });
  }

  function renderEvent(arg) {
    const props = arg.event.extendedProps;
    const body = element("div", "herald-event-body");
    const line = element("div", "herald-event-line");
    line.appendChild(element("span", "herald-event-time", props.time));
    if (props.draft) line.appendChild(element("span", "herald-event-draft", "Draft"));
    line.appendChild(element("span", "herald-event-text", arg.event.title));
    body.appendChild(line);
    const meta = element("div", "herald-event-meta");
    const marks = element("span", "herald-event-marks");
    props.marks.forEach(function (mark) {
      const description = mark.label + (mark.account ? " (" + mark.account + ")" : "") + ": " + mark.stateLabel;
      const pill = element("span", "herald-mark herald-mark-" + mark.state.toLowerCase());
      pill.title = description;
      const letters = element("span", "", mark.short);
      letters.setAttribute("aria-hidden", "true");
      pill.appendChild(letters);
      pill.appendChild(element("span", "herald-sr", description + "."));
      marks.appendChild(pill);
    });
    meta.appendChild(marks);
    meta.appendChild(element("span", "herald-event-owner", props.owner));
    body.appendChild(meta);
    return { domNodes: [body] };
  }

  function describeEvent(arg) {
    const props = arg.event.extendedProps;
    const marks = props.marks.map(function (mark) {
      return mark.label + " " + mark.stateLabel;
    });
    const locked = config.canMove && arg.event.startEditable === false;
    arg.el.setAttribute("data-content-id", arg.event.id);
    arg.el.title = arg.event.title + (locked ? " (cannot move: a target has started or ended)" : "");
    arg.el.setAttribute(
      "aria-label",
      [
        props.time,
        props.draft ? "draft" : props.statusLabel,
        arg.event.title,
        marks.join(", "),
        "by " + props.owner,
        locked ? "cannot move" : "",
      ]
        .filter(Boolean)
        .join(", ")
    );
  }

  /* --- moving a post ------------------------------------------------------------------ */

  function sendMove(contentId, wallClockTime) {
    const form = new FormData();
    form.set("scheduled_for", wallClockTime);
    return fetch(idUrl(config.moveUrl, contentId), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
      body: form,
    }).then(readJson);
  }

  function onDrop(info) {
    const title = info.event.title;
    sendMove(info.event.id, wallClock(info.event.start))
      .then(function (answer) {
        if (!answer.ok) {
          info.revert();
          say("Not moved: " + (answer.body.error || "refused") + " (“" + title + "”)", true);
          return;
        }
        say("“" + title + "”: " + answer.body.message, false);
        calendar.refetchEvents();
        if (!panel.hidden && panel.dataset.contentId === info.event.id) openDetail(info.event.id);
      })
      .catch(function () {
        info.revert();
        say("Not moved: the server could not be reached.", true);
      });
  }

  /* --- the detail panel --------------------------------------------------------------- */

  function closeDetail() {
    panel.hidden = true;
    panel.innerHTML = "";
    delete panel.dataset.contentId;
    calendar.updateSize();
    if (returnFocusTo && document.body.contains(returnFocusTo)) returnFocusTo.focus();
  }

  function openDetail(contentId) {
    fetch(idUrl(config.detailUrl, contentId), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("This post could not be opened (" + response.status + ").");
        return response.text();
      })
      .then(function (html) {
        panel.innerHTML = html;
        panel.dataset.contentId = contentId;
        panel.hidden = false;
        // The panel takes width from the calendar beside it.
        calendar.updateSize();
        const heading = panel.querySelector("#herald-detail-title");
        (heading || panel).focus();
      })
      .catch(function (error) {
        say(error.message, true);
      });
  }

  panel.addEventListener("click", function (event) {
    if (event.target.closest(".herald-detail-close")) closeDetail();
  });

  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeDetail();
  });

  panel.addEventListener("submit", function (event) {
    const form = event.target.closest("form.herald-move");
    if (!form) return;
    event.preventDefault();
    const result = form.querySelector(".herald-move-result");
    const value = form.elements.scheduled_for.value;
    const contentId = panel.dataset.contentId;
    result.textContent = "Moving…";
    sendMove(contentId, value.length === 16 ? value + ":00" : value)
      .then(function (answer) {
        if (!answer.ok) {
          result.textContent = "Not moved: " + (answer.body.error || "refused");
          result.className = "herald-move-result herald-calendar-error";
          return;
        }
        say(answer.body.message, false);
        calendar.refetchEvents();
        openDetail(contentId);
      })
      .catch(function () {
        result.textContent = "Not moved: the server could not be reached.";
      });
  });

  /* --- the address keeps the view, the date and the filters ----------------------------- */

  function keepInAddress(view) {
    const params = new URLSearchParams(config.filters);
    if (view.type === "listRange") {
      params.set("view", "list");
      params.set("start", config.listStart);
      params.set("end", config.listEnd);
    } else {
      params.set("view", view.type);
      params.set("date", day(calendar.getDate()));
      config.listStart = config.listEnd = null;
      filterForm.elements.start.value = "";
      filterForm.elements.end.value = "";
    }
    filterForm.elements.view.value = params.get("view");
    filterForm.elements.date.value = params.get("date") || "";
    history.replaceState(null, "", "?" + params.toString());
  }

  /* --- the calendar ------------------------------------------------------------------- */

  const listRange = config.listStart && config.listEnd;
  const views = {
    // A month of thousands of posts: four a day, then "+N more" (a popover lists them all).
    dayGridMonth: { dayMaxEvents: 4 },
    timeGridWeek: { dayHeaderFormat: { weekday: "short", day: "numeric", month: "numeric" } },
  };
  if (listRange) {
    views.listRange = {
      type: "list",
      visibleRange: { start: config.listStart, end: nextDay(config.listEnd) },
      buttonText: "dates",
    };
  }

  const calendar = new FullCalendar.Calendar(document.getElementById("herald-calendar"), {
    timeZone: "UTC",
    now: function () {
      return new Date(serverNow + (Date.now() - loadedAt));
    },
    initialView: listRange ? "listRange" : config.view === "list" ? "listWeek" : config.view,
    initialDate: listRange ? config.listStart : config.date || undefined,
    validRange: { start: config.firstDay, end: config.lastDay },
    firstDay: 1,
    height: "auto",
    headerToolbar: {
      left: "prev,next today",
      center: "title",
      right: "dayGridMonth,timeGridWeek,timeGridDay,listWeek",
    },
    buttonText: { today: "today", month: "month", week: "week", day: "day", list: "list" },
    views: views,
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    defaultTimedEventDuration: "00:30",
    displayEventEnd: false,
    eventDisplay: "block",
    eventMinHeight: 34,
    slotEventOverlap: false,
    nowIndicator: true,
    navLinks: true,
    editable: config.canMove,
    eventDurationEditable: false,
    eventInteractive: true,
    events: loadEvents,
    eventContent: renderEvent,
    eventDidMount: describeEvent,
    eventDrop: onDrop,
    eventClick: function (info) {
      info.jsEvent.preventDefault();
      returnFocusTo = info.el;
      openDetail(info.event.id);
    },
    dateClick: function (info) {
      const at = info.allDay ? day(info.date) + "T09:00" : wallClock(info.date).slice(0, 16);
      window.location.href = config.composeUrl + "?at=" + encodeURIComponent(at);
    },
    datesSet: function (info) {
      keepInAddress(info.view);
    },
    loading: function (busy) {
      document.getElementById("herald-calendar").setAttribute("aria-busy", busy ? "true" : "false");
    },
  });
  calendar.render();
  window.heraldCalendar = calendar;
})();
