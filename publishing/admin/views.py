"""The operator's pages in the admin: the dashboard and the switches panel.

Thin views: the reads are in ``publishing.dashboard``, the flip in
``flags.services``. Both pages are wrapped by ``admin.site.admin_view`` in
``config/urls.py`` (staff only, CSRF, no caching); each also asks for its own
permission, as the README's "Permissions" paragraph names it: staff status
alone opens neither.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from content.choices import Status
from flags.models import SwitchFlip
from flags.services import UnknownSwitch, can_flip_switches, set_switch
from flags.switches import ALL_SWITCH_NAMES, switch_states
from operator_admin.timezone import operator_timezone
from publishing import dashboard as reads

# The dashboard shows every user's publications, post titles, owners and failure reasons.
DASHBOARD_PERMISSIONS = ("publishing.view_publication", "content.view_content")
# The panel shows the switches, what they hold and who flipped them (flipping: flags.flip_switch).
SWITCHES_VIEW_PERMISSION = "flags.view_switchflip"


def can_see_switches(user) -> bool:
    """Users who may look at the switches panel: those who may read the flips, or make them."""
    return user.is_active and (user.has_perm(SWITCHES_VIEW_PERMISSION) or can_flip_switches(user))


@permission_required(DASHBOARD_PERMISSIONS, raise_exception=True)
def dashboard(request):
    """Counts per state, the next 24 hours, the last day's failures, rate limits, the engine."""
    now = timezone.now()
    counts = reads.publication_state_counts()
    switches = switch_states()
    with operator_timezone(request) as zone:
        context = {
            **admin.site.each_context(request),
            "title": "Publishing dashboard",
            "now": now,
            "zone": zone,
            "state_counts": [(Status(s), n) for s, n in counts.items()],
            "total": sum(counts.values()),
            "upcoming": reads.upcoming_content(now),
            "failures": reads.recent_failures(now),
            "rate_limits": reads.rate_limit_use(now),
            "health": reads.scheduler_health(now, switches),
        }
        panel = reads.holds_panel(now, switches)
        context |= {"switches": panel.switches, "plan_holds": panel.plan}
        response = TemplateResponse(request, "admin/herald/dashboard.html", context)
        # Render inside the override, so every time shows in the operator's zone.
        return response.render()


class FlipForm(forms.Form):
    name = forms.ChoiceField(choices=[(n, n) for n in ALL_SWITCH_NAMES])
    active = forms.TypedChoiceField(
        choices=[("on", "on"), ("off", "off")], coerce=lambda v: v == "on"
    )
    note = forms.CharField(max_length=500, required=False)


@require_http_methods(["GET", "POST"])
def switches_panel(request):
    """Every publishing switch, the posts each holds, and (for those allowed) a flip button."""
    if not can_see_switches(request.user):
        raise PermissionDenied("You may not see the publishing switches.")
    allowed = can_flip_switches(request.user)
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied("You may not flip the publishing switches.")
        form = FlipForm(request.POST)
        if not form.is_valid():
            messages.error(request, "That flip was not understood; nothing changed.")
            return redirect("herald-switches")
        name, active = form.cleaned_data["name"], form.cleaned_data["active"]
        try:
            flip = set_switch(name, active, user=request.user, note=form.cleaned_data["note"])
        except UnknownSwitch as error:
            messages.error(request, str(error))
            return redirect("herald-switches")
        state = "on" if active else "off"
        if flip is None:
            messages.info(request, f"{reads.switch_label(name)} was already {state}.")
        elif active:
            messages.success(
                request,
                f"{reads.switch_label(name)} is on: posts it held go out on the next tick.",
            )
        else:
            messages.warning(
                request,
                f"{reads.switch_label(name)} is off: due posts wait in QUEUED until it is on.",
            )
        return redirect("herald-switches")
    panel = reads.holds_panel(timezone.now())
    with operator_timezone(request):
        context = {
            **admin.site.each_context(request),
            "title": "Publishing switches",
            "switches": panel.switches,
            "plan_holds": panel.plan,
            "can_flip": allowed,
            "recent_flips": list(SwitchFlip.objects.order_by("-at", "-id")[:10]),
        }
        return TemplateResponse(request, "admin/herald/switches.html", context).render()
