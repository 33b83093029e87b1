"""The composer's form: one body, the accounts, the time, media and every platform's options.

The form only reads and shapes input; every rule of a post (each platform's ``validate()``,
the time, the plan, the media quota) is the scheduling services', which the view calls.
The content the composer writes is owned by the signed-in operator, and the accounts it
offers are theirs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import forms
from django.conf import settings

from composer import options as option_forms
from content.models import Content, ContentMedia
from integrations.models import Integration
from platforms import registry
from publishing.media import MEDIA_TYPES, UploadRefused, media_draft
from publishing.services import SchedulingError, Target, check_schedule_time

# As the API takes them (api/serializers/content.py).
MAX_BODY = 20_000
MAX_TITLE = 200
MAX_MEDIA = 10
DATETIME_INPUT = "%Y-%m-%dT%H:%M"

SAVE_DRAFT, SCHEDULE, PUBLISH_NOW = "draft", "schedule", "now"
ACTIONS = ((SAVE_DRAFT, "Save as draft"), (SCHEDULE, "Schedule"), (PUBLISH_NOW, "Publish now"))


@dataclass(frozen=True)
class AccountChoice:
    """One checkbox: a connected account, or the owner's legacy tokens on a platform."""

    value: str  # "i<integration id>" or "legacy:<platform>"
    platform: str
    label: str
    integration: Integration | None = None

    @property
    def target(self) -> Target:
        return Target(self.platform, self.integration)


def account_choices(user) -> list[AccountChoice]:
    """The user's active accounts, by platform in the registry's order, then their legacy
    tokens on a platform where no account is connected (``resolve_target``'s fallback)."""
    accounts = Integration.objects.filter(user=user, status=Integration.Status.ACTIVE).order_by(
        "provider", "display_name", "pk"
    )
    by_platform: dict[str, list[Integration]] = {}
    for account in accounts:
        by_platform.setdefault(account.provider, []).append(account)
    connected = set(
        Integration.objects.filter(user=user)
        .exclude(status=Integration.Status.REVOKED)
        .values_list("provider", flat=True)
    )
    choices = []
    for platform in registry.all_platforms():
        for account in by_platform.get(platform.value, []):
            name = account.display_name or account.external_account_id or f"account {account.pk}"
            choices.append(AccountChoice(f"i{account.pk}", platform.value, name, account))
        columns = [c for c in platform.legacy_columns if c]
        if platform.value not in connected and any(getattr(user, c, "") for c in columns):
            choices.append(
                AccountChoice(f"legacy:{platform.value}", platform.value, "Legacy tokens")
            )
    return choices


def draft_target_values(content: Content | None) -> list[str]:
    """The checkbox values of a content's chosen accounts (a draft's, or its publications')."""
    if content is None or content.pk is None:
        return []
    chosen = getattr(content, "draft_targets", None) or [
        {"platform": p.platform, "integration": p.integration_id}
        for p in content.publications.all()
    ]
    return [
        f"i{t['integration']}" if t.get("integration") else f"legacy:{t['platform']}"
        for t in chosen
    ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MediaFilesField(forms.FileField):
    """Several files from one input, cleaned one by one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MediaFilesField, self).clean(item, initial) for item in files if item]


@dataclass(frozen=True)
class MediaMeta:
    """What the live check knows of a file: no bytes, only its kind, type and size."""

    kind: str
    mime_type: str
    size_bytes: int


ACCEPTED_MIME_TYPES = {t.mime_type: t.kind for t in MEDIA_TYPES} | {
    declared: t.kind for t in MEDIA_TYPES for declared in t.declared_as
}


def media_metadata(raw: str) -> list[MediaMeta]:
    """The live check's ``media`` field: a JSON list of ``{kind, mime_type, size}``.

    Raises ``forms.ValidationError`` for anything else, so a hostile list is a 400.
    """
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        raise forms.ValidationError("media: not JSON.") from None
    if not isinstance(items, list) or len(items) > MAX_MEDIA:
        raise forms.ValidationError(f"media: a list of at most {MAX_MEDIA} files.")
    found = []
    for item in items:
        if not isinstance(item, dict):
            raise forms.ValidationError("media: each file is an object.")
        mime_type = str(item.get("mime_type", ""))[:100].lower()
        size = item.get("size", 0)
        if mime_type not in ACCEPTED_MIME_TYPES:
            raise forms.ValidationError(f"media: {mime_type or 'a file of no type'} is not taken.")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= 2**53:
            raise forms.ValidationError("media: size is a number of bytes.")
        found.append(MediaMeta(ACCEPTED_MIME_TYPES[mime_type], mime_type, size))
    return found


class ComposerForm(forms.Form):
    """The composer's fields; ``option_fields`` are generated from the platforms' serializers.

    ``content`` is the draft or scheduled content being edited (None: a new post).
    ``checking`` is the live check: media come as metadata, and no time is required.
    """

    title = forms.CharField(
        max_length=MAX_TITLE,
        required=False,
        help_text="Optional. YouTube uses it as the video's title unless you set one below.",
    )
    body = forms.CharField(
        max_length=MAX_BODY,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Written once for every platform; each can have its own text below.",
    )
    accounts = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Publish to"
    )
    scheduled_for = forms.DateTimeField(
        required=False,
        label="Time",
        input_formats=[DATETIME_INPUT, "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    media_files = MediaFilesField(required=False, label="Add media")
    media_order = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)
    media = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20_000)
    action = forms.ChoiceField(choices=ACTIONS, required=False)

    def __init__(self, *args, user, content: Content | None = None, checking=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.content = content
        self.checking = checking
        # A post being edited keeps its owner's accounts; a new one gets the operator's.
        self.choices = account_choices(content.owner if content is not None else user)
        self.fields["accounts"].choices = [(c.value, c.label) for c in self.choices]
        self.option_fields = {
            p.value: option_forms.option_fields(p.value) for p in registry.all_platforms()
        }
        for platform_fields in self.option_fields.values():
            for option in platform_fields:
                self.fields[option.name] = option_forms.form_field(option.option, option.drf_field)
        self.options: dict = {}
        self.targets: list[Target] = []
        self.media_rows: list[ContentMedia] = []
        self.saved_media = list(content.media.all()) if content is not None and content.pk else []
        self.add_placeholders()

    def add_placeholders(self) -> None:
        """An option an account already sets (Discord's channel) shows that value as a hint."""
        for choice in self.choices:
            known = (choice.integration.account_options or {}) if choice.integration else {}
            for option in self.option_fields.get(choice.platform, []):
                value = known.get(option.option)
                widget = self.fields[option.name].widget
                if isinstance(value, str | int) and not widget.attrs.get("placeholder"):
                    widget.attrs["placeholder"] = f"{value} (the account's own)"

    # --- grouping, for the template -------------------------------------------------------

    def account_groups(self) -> list[dict]:
        chosen = set(self["accounts"].value() or [])
        groups = []
        for platform in registry.all_platforms():
            choices = [c for c in self.choices if c.platform == platform.value]
            groups.append(
                {
                    "platform": platform,
                    "accounts": [
                        {
                            "choice": c,
                            "id": f"id_accounts_{c.value.replace(':', '_')}",
                            "checked": c.value in chosen,
                        }
                        for c in choices
                    ],
                }
            )
        return groups

    def option_groups(self) -> list[dict]:
        return [
            {
                "platform": registry.get(platform),
                "fields": [self[o.name] for o in fields],
            }
            for platform, fields in self.option_fields.items()
        ]

    # --- cleaning -------------------------------------------------------------------------

    def clean_scheduled_for(self):
        when = self.cleaned_data.get("scheduled_for")
        if when is not None:
            try:
                check_schedule_time(when)
            except SchedulingError as error:
                raise forms.ValidationError(str(error)) from None
        return when

    def clean_media(self):
        if not self.checking:
            return []
        return media_metadata(self.cleaned_data.get("media", ""))

    def clean(self):
        cleaned = super().clean()
        by_value = {c.value: c for c in self.choices}
        self.targets = [by_value[v].target for v in cleaned.get("accounts") or [] if v in by_value]
        self.clean_options(cleaned)
        if not self.checking:
            self.clean_media_rows(cleaned)
        return cleaned

    def clean_options(self, cleaned: dict) -> None:
        self.options = {}
        for platform in self.option_fields:
            raw = option_forms.raw_options(platform, cleaned)
            if not raw:
                continue
            found, errors = option_forms.validated_options(platform, raw)
            for name, messages in errors.items():
                self.add_error(name if name in self.fields else None, messages)
            if found:
                self.options[platform] = found

    def clean_media_rows(self, cleaned: dict) -> None:
        """The post's media in the page's order: saved rows kept, and new uploads, checked.

        ``media_order`` lists ``s<id>`` (a saved file of this content) and ``n<index>``
        (the index-th new upload); without it, the saved files then the uploads in order.
        """
        uploads = cleaned.get("media_files") or []
        saved = {f"s{m.pk}": m for m in self.saved_media}
        order = [t for t in (cleaned.get("media_order") or "").split(",") if t]
        if not order:
            order = [*saved, *(f"n{i}" for i in range(len(uploads)))]
        if len(order) > MAX_MEDIA or len(uploads) > MAX_MEDIA:
            self.add_error("media_files", f"At most {MAX_MEDIA} files per post.")
            return
        rows, refusals = [], []
        for position, token in enumerate(order):
            if token in saved:
                row = saved.pop(token)
                row.position = position
                rows.append(row)
            elif token.startswith("n") and token[1:].isdigit() and int(token[1:]) < len(uploads):
                try:
                    rows.append(media_draft(uploads[int(token[1:])], position=position))
                except UploadRefused as error:
                    refusals.append(str(error))
            else:
                refusals.append("The media list was not understood; add the files again.")
                break
        if refusals:
            self.add_error("media_files", refusals)
            return
        self.media_rows = rows

    # --- what the services take -----------------------------------------------------------

    def platforms(self) -> list[str]:
        return sorted({t.platform for t in self.targets})

    def draft_content(self) -> Content:
        """An unsaved Content holding the form's text and options (for the checks)."""
        data = self.cleaned_data
        return Content(
            pk=self.content.pk if self.content is not None else None,
            owner=self.content.owner if self.content is not None else self.user,
            title=data.get("title", ""),
            body=data.get("body", ""),
            options=self.options,
            scheduled_for=data.get("scheduled_for"),
        )

    def check_media(self) -> list[ContentMedia]:
        """Unsaved media rows for the live check, built from metadata: no file is written."""
        return [
            ContentMedia(
                # No file: the check counts kinds, types and sizes, and writes nothing.
                kind=meta.kind,
                mime_type=meta.mime_type,
                size_bytes=meta.size_bytes,
                position=index,
            )
            for index, meta in enumerate(self.cleaned_data.get("media") or [])
        ]


def media_limit_bytes() -> int:
    return settings.MAX_UPLOAD_BYTES
