"""One way for an admin action to run a service over a selection and say what it did."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from publishing.services import SchedulingError


@dataclass
class ActionResults:
    """What an admin action did: how many it changed, and why it skipped the others."""

    done: int = 0
    skipped: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def skip(self, reason: str, label: str) -> None:
        self.skipped[reason].append(label)

    def summary(self, verb: str) -> str:
        """``3 canceled, 1 skipped: already published (#12).``"""
        parts = []
        if self.done or not self.skipped:
            parts.append(f"{self.done} {verb}")
        if self.skipped:
            total = sum(len(labels) for labels in self.skipped.values())
            reasons = "; ".join(
                f"{reason} ({', '.join(labels)})" for reason, labels in self.skipped.items()
            )
            parts.append(f"{total} skipped: {reasons}")
        return ", ".join(parts) + "."


def run_on_each(
    modeladmin: admin.ModelAdmin,
    request,
    objects: Iterable,
    verb: str,
    operation: Callable,
    why_skipped: Callable[[object], str],
) -> ActionResults:
    """Call ``operation(obj)`` (a service) on each object and tell the operator the outcome.

    The object is skipped when the service refuses (``SchedulingError``, its
    message is the reason) or changes nothing (returns an empty collection or
    None; ``why_skipped(obj)`` says why).
    """
    results = ActionResults()
    for obj in objects:
        label = f"#{obj.pk}"
        try:
            outcome = operation(obj)
        except SchedulingError as error:
            results.skip(str(error).rstrip("."), label)
            continue
        if outcome is None or (isinstance(outcome, Sized) and not len(outcome)):
            results.skip(why_skipped(obj), label)
        else:
            results.done += 1
    if results.skipped:
        level = messages.WARNING
    else:
        level = messages.SUCCESS if results.done else messages.INFO
    modeladmin.message_user(request, results.summary(verb), level)
    return results


def intermediate_form(modeladmin, request, queryset, *, form, action, title, intro, submit):
    """The page an action shows to ask for more (a time, a reason) before it runs."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit": submit,
        "form": form,
        "objects": list(queryset),
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/herald/action_form.html", context)
