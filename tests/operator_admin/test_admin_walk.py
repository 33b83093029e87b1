"""Every admin page and action, as each kind of user who must not get further than allowed.

The pages come from ``admin.site`` itself (its own views and every registered
ModelAdmin's ``get_urls()``), from the operator pages in the root URLconf under
``admin/`` and from the connect pages, so a new admin, page or action is walked
without being named here. The permission each needs is the README's
"Permissions" paragraph (under "Operating from the admin").

- An anonymous visitor and a logged-in user without staff status are sent to
  the admin login from every page.
- A staff member without permissions opens the index and their own password
  page; everything else answers 403 or 404.
- A view-only staff member (every ``view_*`` permission) reads every list,
  object and history page, the dashboard, the calendar and the switches panel, and may not
  add, change, delete, settle, flip, connect, move a post or run any action: those answer
  403 or 404, or do nothing, and no row changes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
import responses
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from api.models import APIToken
from content.choices import Status
from content.models import Content
from entitlements.models import Plan
from flags.models import SwitchFlip
from integrations.models import Integration
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory, UserFactory
from tests.operators import make_in_doubt

pytestmark = pytest.mark.django_db

# What a page needs beyond staff status: nothing, a view permission, or a permission to act.
STAFF, VIEW, ACT = "staff", "view", "act"
KINDS = ("anonymous", "non_staff", "bare_staff", "view_only")

# The admin site's own pages. login and logout are where everyone may go.
SITE_PAGES = {
    "index": STAFF,
    "password_change": STAFF,
    "password_change_done": STAFF,
    "jsi18n": STAFF,
    "app_list": VIEW,
    "autocomplete": VIEW,
    "view_on_site": STAFF,
}
ENTRY_POINTS = {"login", "logout"}

# Operator pages outside admin.site: (method, what it needs, the form it is sent).
OPERATOR_PAGES = {
    "herald-dashboard": [("get", VIEW, None)],
    "herald-analytics": [("get", VIEW, None)],
    "herald-switches": [
        ("get", VIEW, None),
        ("post", ACT, {"name": "automation_enabled", "active": "off", "note": "walk"}),
    ],
    "herald-compose": [("get", ACT, None), ("post", ACT, {"body": "walk", "action": "draft"})],
    "herald-compose-check": [("post", ACT, {"body": "walk", "media": "[]"})],
    "herald-compose-media": [("get", ACT, None)],
    "herald-compose-edit": [
        ("get", ACT, None),
        ("post", ACT, {"body": "walk", "action": "draft"}),
    ],
    "herald-calendar": [("get", VIEW, None)],
    "herald-calendar-events": [("get", VIEW, {"start": "2031-01-01", "end": "2031-01-08"})],
    "herald-calendar-detail": [("get", VIEW, None)],
    "herald-calendar-move": [("post", ACT, {"scheduled_for": "2031-01-15T12:00"})],
    "integrations:connect": [("get", ACT, None)],
    "integrations:connect-start": [("post", ACT, {})],
    "integrations:discord-bot": [
        ("get", ACT, None),
        ("post", ACT, {"bot_token": "bot-token-0123456789", "channel_id": "345"}),
    ],
    "integrations:connect-by-hand": [
        ("get", ACT, None),
        ("post", ACT, {"bot_token": "bot-token-0123456789", "channel_id": "345"}),
    ],
}
# Public by design: the browser that opens an API client's start URL, and the platform
# sending it back; the state names the user and the cookie the browser.
PUBLIC_PAGES = {"integrations:oauth-start", "integrations:oauth-callback"}

# Sent with every action, so an action that should have been refused would run to the end:
# the confirmation, the reason, the time, the post's id.
ACTION_FORM = {
    "post": "yes",
    "apply": "Apply",
    "reason": "checked on the platform",
    "external_id": "42",
    "permalink": "https://x.com/herald/status/42",
    "scheduled_for_0": "2031-01-15",
    "scheduled_for_1": "12:00:00",
    "note": "walk",
}
# Rows that change on every request, whoever makes it.
UNTRACKED = {"sessions.Session"}


@dataclass(frozen=True)
class Page:
    label: str
    url: str
    needs: str
    method: str = "get"
    data: dict | None = None
    statuses_when_allowed: tuple[int, ...] = (200,)


@dataclass
class Objects:
    """One row of every registered model, each in a state its actions would change."""

    by_model: dict[type[models.Model], models.Model] = field(default_factory=dict)

    def of(self, model) -> models.Model:
        return self.by_model[model]


# --- one row per model ----------------------------------------------------------------------


def minimal_value(model_field: models.Field, objects: Objects):
    """A valid value for a required column, by its type."""
    if model_field.choices:
        return model_field.choices[0][0]
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model
        return objects.by_model.get(related) or related._default_manager.first()
    if isinstance(model_field, models.DateTimeField):
        return timezone.now()
    if isinstance(model_field, models.DateField):
        return timezone.now().date()
    if isinstance(model_field, models.BooleanField):
        return False
    if isinstance(model_field, models.IntegerField | models.FloatField | models.DecimalField):
        return 0
    if isinstance(model_field, models.JSONField):
        return {}
    if isinstance(model_field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(model_field, models.URLField):
        return "https://example.com/walk"
    if isinstance(model_field, models.EmailField):
        return "walk@example.com"
    text = f"walk-{model_field.name}-{uuid.uuid4().hex}"
    return text[: model_field.max_length] if model_field.max_length else text


# Columns a minimal row must have for its admin to list it.
ROW_OVERRIDES = {"django_q.Failure": {"success": False}}


def minimal_row(model, objects: Objects) -> models.Model:
    """A row with every required column filled; for admins nothing here builds on purpose."""
    values = dict(ROW_OVERRIDES.get(model._meta.label, {}))
    for model_field in model._meta.concrete_fields:
        if model_field.name in values or isinstance(model_field, models.AutoField):
            continue
        if model_field.has_default():
            continue
        if model_field.null or getattr(model_field, "auto_now", False):
            continue
        if getattr(model_field, "auto_now_add", False):
            continue
        values[model_field.name] = minimal_value(model_field, objects)
    return model._default_manager.create(**values)


@pytest.fixture
def objects(db) -> Objects:
    built = Objects()
    owner = UserFactory(username="owner", instagram_access_token="Legacy-token-0123456789")
    account = IntegrationFactory(user=owner, display_name="Owner's X")
    draft = schedule_content(
        owner=owner,
        body="A draft: cancel, reschedule, publish now or delete would change it",
        targets=[Target("twitter", account)],
        scheduled_for=timezone.now() + dt.timedelta(hours=2),
    )
    in_doubt = schedule_content(
        owner=owner,
        body="Sent, outcome unknown: settling would change it",
        targets=[Target("twitter", account)],
        scheduled_for=timezone.now() - dt.timedelta(minutes=10),
    )
    publication = make_in_doubt(in_doubt.publications.get())
    built.by_model.update(
        {
            apps.get_model("accounts", "User"): owner,
            Integration: account,
            Content: draft,
            Publication: publication,
            PublicationEvent: publication.events.last(),
            Group: Group.objects.create(name="operators"),
            SwitchFlip: SwitchFlip.objects.create(
                name="automation_enabled", active=True, username="op", note="walk"
            ),
            # Its manager makes the secret itself and answers (row, token).
            APIToken: APIToken.objects.create(user=owner)[0],
        }
    )
    for model in admin.site._registry:
        if model not in built.by_model:
            built.by_model[model] = minimal_row(model, built)
    return built


# --- the pages ------------------------------------------------------------------------------


def model_pages(model, model_admin, objects: Objects) -> list[Page]:
    """Every named URL of a ModelAdmin, with the object filled in, and its POSTs."""
    obj = objects.of(model)
    pages = []
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        kwargs = dict.fromkeys(pattern.pattern.converters, str(obj.pk))
        url = reverse(f"admin:{pattern.name}", kwargs=kwargs)
        kind = pattern.name.rsplit("_", 1)[-1]
        if kind in ("changelist", "history"):
            pages.append(Page(pattern.name, url, VIEW))
        elif kind == "change" and pattern.name.endswith(f"{model._meta.model_name}_change"):
            pages.append(Page(pattern.name, url, VIEW))
            pages.append(Page(f"{pattern.name} (save)", url, ACT, "post", {"_save": "Save"}))
        elif kind == "delete":
            pages.append(Page(pattern.name, url, ACT))
            pages.append(Page(f"{pattern.name} (confirm)", url, ACT, "post", {"post": "yes"}))
        elif kind == "add":
            pages.append(Page(pattern.name, url, ACT))
            pages.append(Page(f"{pattern.name} (save)", url, ACT, "post", {"_save": "Save"}))
        else:
            # A page of the admin's own (a user's password): it acts, view is not enough.
            pages.append(Page(pattern.name, url, ACT))
            pages.append(Page(f"{pattern.name} (post)", url, ACT, "post", {}))
    return pages


def site_pages(objects: Objects) -> list[Page]:
    pages = []
    registry = admin.site._registry
    for pattern in admin.site.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        name = pattern.name
        if name in ENTRY_POINTS:
            continue
        assert name in SITE_PAGES, f"Say in SITE_PAGES what the admin page {name!r} needs."
        if name == "app_list":
            for app_label in sorted({model._meta.app_label for model in registry}):
                url = reverse("admin:app_list", kwargs={"app_label": app_label})
                pages.append(Page(f"app_list {app_label}", url, VIEW))
        elif name == "view_on_site":
            for model in registry:
                obj = objects.of(model)
                ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
                url = reverse("admin:view_on_site", args=[ct.pk, obj.pk])
                # Django's shortcut checks staff status only and answers with the object's own
                # page, which Herald's models do not have (404), or a redirect to it.
                pages.append(
                    Page(
                        f"view_on_site {model._meta.label}",
                        url,
                        STAFF,
                        statuses_when_allowed=(302, 404),
                    )
                )
        elif name == "autocomplete":
            for model, model_admin in registry.items():
                for field_name in model_admin.autocomplete_fields:
                    query = (
                        f"?app_label={model._meta.app_label}&model_name={model._meta.model_name}"
                        f"&field_name={field_name}&term=o"
                    )
                    pages.append(
                        Page(
                            f"autocomplete {model._meta.label}.{field_name}",
                            reverse("admin:autocomplete") + query,
                            VIEW,
                        )
                    )
        else:
            pages.append(Page(name, reverse(f"admin:{name}"), SITE_PAGES[name]))
    for model, model_admin in registry.items():
        pages += model_pages(model, model_admin, objects)
    return pages


def operator_pages(objects: Objects) -> list[Page]:
    """The root URLconf's pages under admin/ (outside admin.site) and the connect pages.

    A number in a path is the walk's Content (the calendar's posts); a word, a provider.
    """
    named = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLPattern) and str(entry.pattern).startswith("admin/"):
            named.append((entry.name, entry))
        if isinstance(entry, URLResolver) and entry.namespace == "integrations":
            named += [(f"integrations:{p.name}", p) for p in entry.url_patterns]
    pages = []
    for name, pattern in named:
        if name in PUBLIC_PAGES:
            continue
        assert name in OPERATOR_PAGES, f"Say in OPERATOR_PAGES what {name!r} needs."
        kwargs = {
            key: str(objects.of(Content).pk) if isinstance(converter, IntConverter) else "discord"
            for key, converter in pattern.pattern.converters.items()
        }
        for method, needs, data in OPERATOR_PAGES[name]:
            pages.append(
                Page(f"{name} ({method})", reverse(name, kwargs=kwargs), needs, method, data)
            )
    return pages


def all_pages(objects: Objects) -> list[Page]:
    return site_pages(objects) + operator_pages(objects)


# --- the users ------------------------------------------------------------------------------


def log_in_as(client, kind: str):
    if kind == "anonymous":
        return None
    user = UserFactory(username=f"walker-{kind}", is_staff=kind != "non_staff")
    if kind == "non_staff":
        user.user_permissions.add(*Permission.objects.all())  # permissions without staff status
    if kind == "view_only":
        user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    return user


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to tell that nothing was done."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.label not in UNTRACKED and not model._meta.proxy
    }


def changed_tables(before, after) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def refused(response) -> bool:
    return response.status_code in (403, 404)


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/admin/login/")


def request(client, page: Page):
    if page.method == "get":
        return client.get(page.url, page.data or {})
    return client.post(page.url, page.data or {})


def allowed(kind: str, needs: str) -> bool:
    return (kind == "bare_staff" and needs == STAFF) or (kind == "view_only" and needs != ACT)


@pytest.fixture
def no_platform_calls():
    """Nothing is registered: any call to a platform fails the walk."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def queued_tasks_show(tasks_queued_in_the_database):
    """A task an action queues is a row the snapshot sees, whatever the broker."""


@pytest.mark.parametrize("kind", KINDS)
def test_every_admin_page_answers_each_kind_of_user_as_its_permission_says(
    client, objects, kind, no_platform_calls
):
    log_in_as(client, kind)
    wrong = []
    for page in all_pages(objects):
        before = snapshot() if page.method == "post" else None
        response = request(client, page)
        if kind in ("anonymous", "non_staff"):
            ok = sent_to_login(response)
        elif allowed(kind, page.needs):
            ok = response.status_code in page.statuses_when_allowed
        else:
            ok = refused(response)
        if not ok:
            wrong.append(f"{page.method.upper()} {page.url} ({page.label}): {response.status_code}")
        if before is not None and (changed := changed_tables(before, snapshot())):
            wrong.append(f"{page.method.upper()} {page.url} ({page.label}) changed {changed}")
    assert wrong == []


def every_action() -> list[tuple[type[models.Model], str]]:
    return [
        (model, name)
        for model, model_admin in admin.site._registry.items()
        for _function, name, _description in model_admin._get_base_actions()
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_no_admin_action_runs_without_its_permission(client, objects, kind, no_platform_calls):
    """Each action, sent complete (confirmed, with a reason and a time), on one selected row."""
    log_in_as(client, kind)
    wrong = []
    for model, name in every_action():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        before = snapshot()
        response = client.post(
            url,
            {
                **ACTION_FORM,
                "action": name,
                "_selected_action": [objects.of(model).pk],
                "plan": objects.of(Plan).pk,  # the plan a move to another plan asks for
            },
        )
        if kind in ("anonymous", "non_staff"):
            ok = sent_to_login(response)
        elif kind == "bare_staff":
            ok = refused(response)
        else:  # the list again, or "No action selected.": the action is not offered
            ok = response.status_code in (200, 302, 403)
        if not ok:
            wrong.append(f"{model._meta.label}.{name}: {response.status_code}")
        if changed := changed_tables(before, snapshot()):
            wrong.append(f"{model._meta.label}.{name} changed {changed}")
    assert wrong == []


def test_the_walk_sends_actions_that_work_for_someone_allowed(admin_client, objects):
    """The control: the same forms do act for a superuser, so the refusals above are real."""

    def act(model, name):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        payload = {
            **ACTION_FORM,
            "action": name,
            "_selected_action": [objects.of(model).pk],
            "plan": objects.of(Plan).pk,
        }
        return admin_client.post(url, payload)

    User = apps.get_model("accounts", "User")
    act(User, "move_to_plan")
    assert User.objects.get(pk=objects.of(User).pk).entitlement.plan == objects.of(Plan)

    act(Publication, "mark_failed")
    assert Publication.objects.get(pk=objects.of(Publication).pk).last_error_code == "not_published"
    act(Content, "cancel_selected")
    assert Content.objects.get(pk=objects.of(Content).pk).status == Status.CANCELED
    act(Content, "delete_selected")
    assert not Content.objects.filter(pk=objects.of(Content).pk).exists()
    response = admin_client.post(
        "/admin/switches/", OPERATOR_PAGES["herald-switches"][1][2], follow=True
    )
    assert (
        response.status_code == 200
        and SwitchFlip.objects.filter(note="walk", active=False).exists()
    )


def test_the_walk_covers_every_registered_admin_and_operator_page(objects):
    pages = all_pages(objects)
    for model in admin.site._registry:
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert any(page.url == changelist for page in pages), model._meta.label
    assert {page.url for page in pages} >= {
        "/admin/",
        "/admin/dashboard/",
        "/admin/analytics/",
        "/admin/switches/",
        "/admin/compose/",
        "/admin/compose/check/",
        "/admin/calendar/",
        "/admin/calendar/events/",
        f"/admin/calendar/{objects.of(Content).pk}/",
        f"/admin/calendar/{objects.of(Content).pk}/move/",
        "/integrations/connect/",
        "/integrations/connect/discord-bot/",
        "/integrations/connect/discord/by-hand/",
        "/integrations/connect/discord/",
        f"/admin/accounts/user/{objects.of(apps.get_model('accounts', 'User')).pk}/password/",
        "/admin/entitlements/plan/",
        "/admin/entitlements/plan/add/",
        f"/admin/entitlements/plan/{objects.of(Plan).pk}/delete/",
    }
    assert (apps.get_model("accounts", "User"), "move_to_plan") in every_action()
    assert len(every_action()) >= 10
