"""Admin pages for rows that change only elsewhere (a service, the state machine, a form)."""


class ReadOnlyAdminMixin:
    """Look, never add, change or delete here: the rows have a way in of their own."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
