from django.contrib import admin

from api.models import APIToken

# Columns an admin URL may never filter or search on: a lookup such as
# ``?digest__startswith=ab`` would let a staff user read a secret one character at a time.
SECRET_COLUMNS = {"digest", "token_key"}


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    """Who holds API tokens and until when; never a token or its digest.

    Read-only: tokens are issued only through the API, which shows a token once.
    Deleting one (with the delete permission) revokes it.
    """

    list_display = ("prefix", "user", "created", "expiry")
    list_select_related = ("user",)
    fields = ("prefix", "user", "created", "expiry")
    readonly_fields = fields
    search_fields = ("user__username",)
    list_filter = ("created", "expiry")
    ordering = ("-created", "-pk")

    @admin.display(description="Token starts with", ordering="token_key")
    def prefix(self, obj: APIToken) -> str:
        return f"{obj.token_key}…"

    def lookup_allowed(self, lookup, value, request=None):
        if SECRET_COLUMNS & set(lookup.split("__")):
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
