"""Admin pages that never render, filter or search a secret.

A secret column is left out of the form. In its place the page shows a mask
(``••••3f9a`` or ``not set``) and a write-only input: typing a value replaces
the secret, ticking "clear" removes it, leaving both empty keeps it.

No admin lookup may reach a secret column either: a changelist filter such as
``?instagram_access_token__startswith=L`` answers "1 user" or "0 users", and
one character at a time gives the whole token away. ``SecretLookupsRefusedMixin``
refuses any lookup whose path names a secret column, on the admin's own model
or through a relation; Django answers a refused lookup with 400.
"""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model
from django.db.models.constants import LOOKUP_SEP
from fernet_fields import EncryptedField


def mask_secret(value: str | None) -> str:
    """``••••3f9a`` for a set secret, ``not set`` otherwise; never the secret itself."""
    if not value:
        return "not set"
    # Short secrets show nothing of themselves: four characters of an
    # eight-character token would be half of it.
    tail = value[-4:] if len(value) >= 16 else ""
    return f"••••{tail}"


def is_secret_column(field) -> bool:
    """True for a column holding a secret: a token, a password hash, a PKCE verifier.

    Every encrypted column is one, whatever its model.
    """
    if isinstance(field, EncryptedField):
        return True
    if not isinstance(field, Field) or field.model is None:
        return False
    # A model names its other secret columns in SECRET_FIELDS (a password hash, a state).
    return field.name in getattr(field.model, "SECRET_FIELDS", ())


def secret_columns() -> list[Field]:
    """Every secret column of every installed model."""
    return [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if is_secret_column(field)
    ]


def reaches_secret(model: type[Model], path: str) -> bool:
    """True when the lookup or search ``path`` (e.g. ``user__twitter_access_token__startswith``)
    ends in, or passes through, a secret column of ``model`` or of a model it relates to.

    Parts after the last field are transforms and lookups (``startswith``,
    ``regex``, ``isnull``); a part that is not a field ends the walk, as it
    does for Django's own lookups.
    """
    for part in path.lstrip("^=@").split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if is_secret_column(field):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


class SecretLookupsRefusedMixin:
    """Refuses every changelist lookup that reaches a secret column (Django answers 400)."""

    def lookup_allowed(self, lookup, value, request=None):
        if reaches_secret(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


def secret_form(model, secret_fields: tuple[str, ...]) -> type[forms.ModelForm]:
    """A ModelForm for ``model`` whose ``secret_fields`` are write-only."""
    extra_fields = {}
    for name in secret_fields:
        label = model._meta.get_field(name).verbose_name
        extra_fields[f"new_{name}"] = forms.CharField(
            label=f"Replace {label}",
            required=False,
            strip=True,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            help_text="Write-only: the current value is never shown. Leave empty to keep it.",
        )
        extra_fields[f"clear_{name}"] = forms.BooleanField(label=f"Clear {label}", required=False)

    def save(self, commit=True):
        instance = super(form_class, self).save(commit=False)
        for name in secret_fields:
            if self.cleaned_data.get(f"clear_{name}"):
                setattr(instance, name, None if model._meta.get_field(name).null else "")
            elif self.cleaned_data.get(f"new_{name}"):
                setattr(instance, name, self.cleaned_data[f"new_{name}"])
        if commit:
            instance.save()
            self.save_m2m()
        return instance

    meta = type("Meta", (), {"model": model, "exclude": secret_fields})
    form_class = type(
        f"{model.__name__}SecretForm",
        (forms.ModelForm,),
        {"Meta": meta, "save": save, **extra_fields},
    )
    return form_class


class SecretFieldsAdminMixin(SecretLookupsRefusedMixin):
    """Masks ``secret_fields`` in lists and pages, makes them write-only, refuses lookups on them."""

    secret_fields: tuple[str, ...] = ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = secret_form(self.model, self.secret_fields)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "stored_secrets")

    @admin.display(description="Stored secrets")
    def stored_secrets(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        return ", ".join(
            f"{self.model._meta.get_field(name).verbose_name}: {mask_secret(getattr(obj, name))}"
            for name in self.secret_fields
        )
