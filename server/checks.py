"""System checks for the production variables that have no safe default."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


def missing_production_variable_errors() -> list[Error]:
    return [
        Error(
            f"{variable} is not set; it is required when DJANGO_DEBUG is off.",
            hint="Set it in the environment (see the README's table of variables).",
            id="herald.E001",
        )
        for variable in getattr(settings, "MISSING_PRODUCTION_VARIABLES", [])
    ]


@register(deploy=False)
def check_production_variables(app_configs, **kwargs) -> list[Error]:
    return missing_production_variable_errors()


def refuse_to_serve_without_production_variables() -> None:
    """Called by wsgi/asgi: a server that skips system checks must not start either."""
    errors = missing_production_variable_errors()
    if errors:
        raise ImproperlyConfigured(" ".join(error.msg for error in errors))
