"""Helpers for the plans admin tests: the form a page rendered, as a browser would send it."""

from __future__ import annotations

import datetime as dt

from django import forms


def as_sent(value) -> str:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return "" if value is None else str(value)


def form_fields(form) -> dict:
    """Every field of ``form`` with the value the page shows, named as the browser sends it."""
    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, list) else widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{bound.html_name}_{index}"] = as_sent(part)
        elif isinstance(widget, forms.SelectMultiple | forms.CheckboxSelectMultiple):
            if value:  # a browser sends nothing for no box ticked
                data[bound.html_name] = [as_sent(v) for v in value]
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [as_sent(v) for v in value]
        else:
            data[bound.html_name] = as_sent(bound.field.prepare_value(value))
    return data


def change_page_data(response) -> dict:
    """The whole change form (the object and its inlines) as rendered, ready to post back."""
    data = form_fields(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(form_fields(formset.management_form))
        for form in formset.forms:
            data.update(form_fields(form))
    data["_save"] = "Save"
    return data
