"""Each platform's options as Django form fields, generated from its options serializer.

A platform declares its options once, as a DRF serializer (``Platform.options``); the API
validates ``Content.options`` with it. The composer reads the same serializer's fields and
builds a form field for each, by the field's type, never by the platform's name:

- ``CharField`` -> a text input (a textarea for prose: kept as typed, or long);
- ``ChoiceField`` -> a select with a "platform default" blank choice;
- ``BooleanField`` -> a checkbox;
- ``IntegerField`` -> a number input;
- ``ListField`` -> a repeatable list of inputs (add and remove in the page);
- anything else -> a text input whose text is handed to the serializer as it is.

So a platform added to the registry gets its fields in the composer for free. What the
fields give back is turned into the platform's options dict and validated by the same
serializer (``validated_options``); its errors are put back on the fields they name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import forms
from rest_framework import serializers

from platforms import registry

# A text option that may be longer than this is prose, shown as a textarea.
SHORT_TEXT = 1000
# A list option whose serializer sets no maximum still takes no more items than this.
MAX_LIST_ITEMS = 100


def field_name(platform: str, option: str) -> str:
    """The form field of one option: ``o__twitter__thread``."""
    return f"o__{platform}__{option}"


class ItemListWidget(forms.Widget):
    """One input per item, all under the field's name; the page adds and removes items."""

    template_name = "composer/widgets/item_list.html"

    def __init__(self, *, item_label: str, multiline: bool, attrs=None):
        super().__init__(attrs)
        self.item_label = item_label
        self.multiline = multiline

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return value if isinstance(value, list) else ([] if value is None else [value])

    def value_omitted_from_data(self, data, files, name):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        items = [str(item) for item in (value or [])] or [""]
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"] |= {
            "items": [
                {"id": f"{base_id}_{index}", "value": item, "number": index + 1}
                for index, item in enumerate(items)
            ],
            "base_id": base_id,
            "item_label": self.item_label,
            "multiline": self.multiline,
        }
        return context


class ItemListField(forms.Field):
    """A list of texts from repeated inputs; blank items are left out."""

    def __init__(self, *, max_items: int, item_label: str, multiline: bool, **kwargs):
        kwargs.setdefault("widget", ItemListWidget(item_label=item_label, multiline=multiline))
        super().__init__(**kwargs)
        self.max_items = max_items

    def to_python(self, value):
        items = value if isinstance(value, list | tuple) else [value]
        items = [str(item) for item in items if item is not None and str(item).strip()]
        if len(items) > self.max_items:
            raise forms.ValidationError(f"At most {self.max_items} items ({len(items)} given).")
        return items


def is_prose(drf_field) -> bool:
    """A text whose spaces and line breaks count (kept as typed), or a long one: a textarea."""
    if not isinstance(drf_field, serializers.CharField):
        return False
    max_length = getattr(drf_field, "max_length", None)
    return not drf_field.trim_whitespace or (max_length or 0) > SHORT_TEXT


def label_of(name: str, drf_field) -> str:
    return str(drf_field.label or name.replace("_", " ").capitalize())


def form_field(name: str, drf_field) -> forms.Field:
    """The Django form field for one serializer field (see the module docstring)."""
    label = label_of(name, drf_field)
    common = {"required": False, "label": label, "help_text": str(drf_field.help_text or "")}
    if isinstance(drf_field, serializers.ListField):
        return ItemListField(
            max_items=drf_field.max_length or MAX_LIST_ITEMS,
            item_label=label,
            multiline=is_prose(drf_field.child),
            **common,
        )
    if isinstance(drf_field, serializers.BooleanField):
        return forms.BooleanField(**common)
    if isinstance(drf_field, serializers.MultipleChoiceField):
        return forms.MultipleChoiceField(
            choices=list(drf_field.choices.items()),
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if isinstance(drf_field, serializers.ChoiceField):
        choices = [("", "Platform default"), *drf_field.choices.items()]
        return forms.ChoiceField(choices=choices, **common)
    if isinstance(drf_field, serializers.IntegerField):
        return forms.IntegerField(
            min_value=drf_field.min_value, max_value=drf_field.max_value, **common
        )
    widget = forms.Textarea(attrs={"rows": 3}) if is_prose(drf_field) else forms.TextInput()
    return forms.CharField(
        max_length=getattr(drf_field, "max_length", None),
        strip=getattr(drf_field, "trim_whitespace", True),
        widget=widget,
        **common,
    )


@dataclass(frozen=True)
class OptionField:
    platform: str
    option: str  # the key in the platform's options
    name: str  # the form field's name
    drf_field: object


def option_fields(platform: str) -> list[OptionField]:
    """The options of ``platform``, in the serializer's order."""
    serializer = registry.get(platform).options_serializer()()
    return [
        OptionField(platform, option, field_name(platform, option), drf_field)
        for option, drf_field in serializer.fields.items()
        if not drf_field.read_only
    ]


def raw_options(platform: str, cleaned: dict) -> dict:
    """The options a person set for ``platform``, from a form's cleaned data.

    Left-out values (a blank text, an empty list, "platform default", an unticked box whose
    default is not "on") are not set: the platform's own default applies.
    """
    options = {}
    for field in option_fields(platform):
        value = cleaned.get(field.name)
        if value in (None, "", [], ()):
            continue
        if value is False and getattr(field.drf_field, "default", None) is not True:
            continue
        options[field.option] = value
    return options


def validated_options(platform: str, raw: dict) -> tuple[dict, dict[str, list[str]]]:
    """``raw`` through the platform's serializer: (its options, errors by form field name)."""
    serializer = registry.get(platform).options_serializer()(data=raw)
    if serializer.is_valid():
        # Plain JSON, as the API stores it.
        return json.loads(json.dumps(serializer.validated_data)), {}
    errors: dict[str, list[str]] = {}
    for option, found in serializer.errors.items():
        errors.setdefault(field_name(platform, option), []).extend(flat_messages(found))
    return {}, errors


def flat_messages(found, where: str = "") -> list[str]:
    """DRF's nested errors (a list's ``{index: [...]}``) as sentences naming the item."""
    if isinstance(found, dict):
        messages = []
        for key, nested in found.items():
            item = f"item {int(key) + 1}" if str(key).isdigit() else str(key)
            messages += flat_messages(nested, f"{where}{item}: ")
        return messages
    if isinstance(found, list | tuple):
        return [m for item in found for m in flat_messages(item, where)]
    return [f"{where}{found}"]
