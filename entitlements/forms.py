"""The admin's forms for plans and entitlements: every limit as a field a person fills in.

No limit is typed as JSON. Platforms are checkboxes from the registry, with "every
platform" (``null``) apart from "none ticked" (``[]``, no platform at all); sizes read
and show as ``10 MB``; an entitlement's overrides are, for each limit, "the plan's
value", "unlimited" or a value of its own.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from entitlements.limits import DESCRIPTIONS, LimitName, validate_api_rate, validate_overrides
from entitlements.models import Entitlement, Plan
from platforms import registry

# --- sizes ----------------------------------------------------------------------------------

# Binary units, as the error messages (Django's filesizeformat) count them.
SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
SIZE_PATTERN = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?b)?\s*$", re.IGNORECASE)
# The largest count a limit holds (the JSON overrides keep integers exact up to here).
LARGEST = 2**53


def parse_size(text: str) -> int:
    """``"10 MB"`` -> 10485760; a bare number is bytes. Raises ValidationError."""
    match = SIZE_PATTERN.match(text)
    if not match:
        raise ValidationError(
            f"{text!r} is not a size; write e.g. 10 MB, 512 KB, 1.5 GB or a number of bytes."
        )
    size = int(Decimal(match.group(1)) * SIZE_UNITS[(match.group(2) or "b").lower()])
    if size > LARGEST:
        raise ValidationError("That size is larger than any file; leave it empty for unlimited.")
    return size


def format_size(size: int) -> str:
    """The exact size in the largest unit that divides it: ``10 MB``, ``1536 KB``, ``7 B``."""
    for unit, factor in reversed(SIZE_UNITS.items()):
        if size and size % factor == 0:
            return f"{size // factor} {unit.upper() if unit != 'b' else 'B'}"
    return f"{size} B"


class SizeField(forms.Field):
    """A size in bytes, read and shown as ``10 MB``; empty is None (unlimited)."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        # A model's integer column offers bounds; the size is checked by parse_size.
        for bound in ("max_value", "min_value", "step_size"):
            kwargs.pop(bound, None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return format_size(value) if isinstance(value, int) else value

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        return parse_size(str(value))


# --- platforms ------------------------------------------------------------------------------

EVERY_PLATFORM, LISTED_PLATFORMS = "every", "listed"


def platform_scope_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        widget=forms.RadioSelect,
        choices=[
            (EVERY_PLATFORM, "every platform, present and future"),
            (LISTED_PLATFORMS, "only the platforms ticked below (none ticked: no platform)"),
        ],
        **kwargs,
    )


def platform_list_field(**kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        choices=registry.choices,  # read at each render: follows the registry
        required=False,
        **kwargs,
    )


def platforms_value(scope: str, ticked: list[str]):
    """``None`` (every platform) or the ticked list, ``[]`` being no platform."""
    return None if scope == EVERY_PLATFORM else sorted(ticked)


def platforms_contradiction(scope: str, ticked: list[str]) -> str:
    if scope == EVERY_PLATFORM and ticked:
        return (
            "You chose every platform and also ticked some: choose “only the platforms "
            "ticked” to limit the plan to them, or untick them."
        )
    return ""


# --- plans ----------------------------------------------------------------------------------


class PlanForm(forms.ModelForm):
    """A plan, its platforms as checkboxes; the default plan keeps its name."""

    platform_scope = platform_scope_field(label="Platforms allowed", initial=EVERY_PLATFORM)
    platform_list = platform_list_field(label="Platforms")

    class Meta:
        model = Plan
        fields = [
            "name",
            "accounts_per_platform",
            "posts_per_month",
            "automation",
            "max_media_bytes",
            "api_rate",
        ]
        field_classes = {"max_media_bytes": SizeField}
        help_texts = {
            "max_media_bytes": "Largest media file, e.g. 10 MB or 1.5 GB (1 MB = 1024 KB); "
            "empty for unlimited.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        platforms = self.instance.platforms if self.instance.pk else None
        if not self.is_bound:
            self.initial["platform_scope"] = (
                EVERY_PLATFORM if platforms is None else LISTED_PLATFORMS
            )
            self.initial["platform_list"] = platforms or []

    def clean_name(self):
        name = self.cleaned_data["name"]
        original = Plan.objects.filter(pk=self.instance.pk).values_list("name", flat=True).first()
        if original == settings.DEFAULT_PLAN and name != original:
            raise ValidationError(
                f"{original} is the default plan (the DEFAULT_PLAN setting names it), the plan "
                "of every user without an entitlement in force: it keeps its name. To make "
                "another plan the default, set DEFAULT_PLAN to that plan's name."
            )
        return name

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("platform_scope")
        ticked = cleaned.get("platform_list") or []
        if scope:
            if problem := platforms_contradiction(scope, ticked):
                self.add_error("platform_list", problem)
            else:
                # Set before the model's own validation, which runs after clean().
                self.instance.platforms = platforms_value(scope, ticked)
        return cleaned


# --- entitlements ---------------------------------------------------------------------------

PLAN_VALUE, UNLIMITED, OWN_VALUE = "plan", "unlimited", "value"

# The limits' names on the admin's pages, where a size reads "10 MB", not a number of bytes.
LIMIT_LABELS = {**DESCRIPTIONS, LimitName.MAX_MEDIA_BYTES: "largest media file"}

# How each limit's three choices read; automation has no value to type ("value" is "off").
MODE_LABELS = {
    LimitName.PLATFORMS: (
        "the plan's value",
        "every platform",
        "only those ticked (none: no platform)",
    ),
    LimitName.AUTOMATION: ("the plan's value", "allowed", "not allowed (publish now only)"),
}
DEFAULT_MODE_LABELS = ("the plan's value", "unlimited", "this value:")


def mode_field_name(name: LimitName) -> str:
    return f"override_{name.value}"


def value_field_name(name: LimitName) -> str:
    return f"override_{name.value}_value"


def value_field(name: LimitName) -> forms.Field | None:
    """The input for a limit's own value; None for automation (its choice is the value)."""
    label = "value"
    if name == LimitName.PLATFORMS:
        return platform_list_field(label=label)
    if name == LimitName.AUTOMATION:
        return None
    if name == LimitName.MAX_MEDIA_BYTES:
        return SizeField(label=label, required=False, help_text="e.g. 10 MB")
    if name == LimitName.API_RATE:
        return forms.CharField(
            label=label,
            required=False,
            max_length=24,
            validators=[validate_api_rate],
            help_text="e.g. 1000/hour",
        )
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=LARGEST)


def override_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for name in LimitName:
        labels = MODE_LABELS.get(name, DEFAULT_MODE_LABELS)
        fields[mode_field_name(name)] = forms.ChoiceField(
            label=LIMIT_LABELS[name].capitalize(),
            widget=forms.RadioSelect,
            choices=list(zip((PLAN_VALUE, UNLIMITED, OWN_VALUE), labels, strict=True)),
            initial=PLAN_VALUE,
        )
        if (field := value_field(name)) is not None:
            fields[value_field_name(name)] = field
    return fields


# Declared on a base class, so that the admin may name them in its fieldsets.
OverrideFields = type("OverrideFields", (forms.Form,), override_fields())


class EntitlementForm(OverrideFields, forms.ModelForm):
    """One user's plan, validity and note, and each limit's override as a field of its own."""

    class Meta:
        model = Entitlement
        fields = ["plan", "valid_from", "valid_until", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            return
        overrides = self.instance.overrides if self.instance.pk else {}
        for name in LimitName:
            if name.value not in overrides:
                continue
            value = overrides[name.value]
            if name == LimitName.AUTOMATION:
                mode = OWN_VALUE if value is False else UNLIMITED
            else:
                mode = UNLIMITED if value is None else OWN_VALUE
            self.initial[mode_field_name(name)] = mode
            if mode == OWN_VALUE and name != LimitName.AUTOMATION:
                self.initial[value_field_name(name)] = value

    def overrides(self) -> dict:
        """The overrides the fields say; errors are added to the fields that caused them."""
        overrides = {}
        for name in LimitName:
            mode = self.cleaned_data.get(mode_field_name(name))
            value_name = value_field_name(name)
            value = self.cleaned_data.get(value_name)
            typed = value not in (None, "", [])
            if mode is None:  # the choice itself was refused; its error says why
                continue
            if name == LimitName.AUTOMATION:
                if mode != PLAN_VALUE:
                    overrides[name.value] = False if mode == OWN_VALUE else None
                continue
            if mode == PLAN_VALUE:
                if typed:
                    self.add_error(
                        value_name,
                        "You gave a value but chose the plan's: choose “this value” to use it, "
                        "or clear it.",
                    )
            elif mode == UNLIMITED:
                if typed:
                    self.add_error(value_name, "You chose unlimited: clear the value.")
                else:
                    overrides[name.value] = None
            elif name == LimitName.PLATFORMS:
                overrides[name.value] = sorted(value or [])
            elif not typed:
                if value_name not in self.errors:
                    self.add_error(
                        value_name,
                        "Give the value, or choose the plan's value or unlimited.",
                    )
            else:
                overrides[name.value] = value
        return overrides

    def clean(self):
        cleaned = super().clean()
        overrides = self.overrides()
        try:
            validate_overrides(overrides)
        except ValidationError as error:
            self.add_error(None, error)
        else:
            self.instance.overrides = overrides
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until <= valid_from:
            self.add_error("valid_until", "Valid until must come after valid from.")
        return cleaned


class MovePlanForm(forms.Form):
    """The admin action's question: to which plan?"""

    plan = forms.ModelChoiceField(
        queryset=Plan.objects.order_by("name"),
        empty_label=None,
        help_text="Each user keeps their own overrides; validity dates are cleared.",
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        help_text="Kept on each entitlement, e.g. why they moved (empty: the note stays).",
    )
