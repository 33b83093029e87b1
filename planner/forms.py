"""The calendar's filter form: what the page shows; ``planner.queries`` checks what it sends."""

from __future__ import annotations

from django import forms

from planner.queries import state_choices
from planner.selectors import account_choices, owner_choices
from platforms import registry

VIEWS = {
    "dayGridMonth": "Month",
    "timeGridWeek": "Week",
    "timeGridDay": "Day",
    "listWeek": "List (week)",
    "list": "List (dates)",
}


class CalendarFilterForm(forms.Form):
    """Owner, platform, state and account, with the view and its date kept alongside.

    A GET form: its query string is the calendar's URL, so a filtered view can be shared.
    """

    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    platform = forms.ChoiceField(required=False)
    state = forms.ChoiceField(required=False)
    account = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    view = forms.ChoiceField(choices=list(VIEWS.items()), required=False, widget=forms.HiddenInput)
    date = forms.DateField(required=False, widget=forms.HiddenInput)
    start = forms.DateField(
        required=False,
        label="List from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="With the list view: the first day.",
    )
    end = forms.DateField(
        required=False,
        label="to",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day (at most six weeks after the first).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Everyone"), *owner_choices()]
        self.fields["platform"].choices = [("", "Every platform"), *registry.choices()]
        self.fields["state"].choices = [("", "Every state"), *state_choices()]
        self.fields["account"].choices = [("", "Every account"), *account_choices()]
