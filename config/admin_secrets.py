"""Admin forms that never render a secret.

A secret column is left out of the form. In its place the page shows a mask
(``••••3f9a`` or ``not set``) and a write-only input: typing a value replaces
the secret, ticking "clear" removes it, leaving both empty keeps it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from integrations.models import mask_secret


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


class SecretFieldsAdminMixin:
    """Masks ``secret_fields`` in lists and pages and makes them write-only."""

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
