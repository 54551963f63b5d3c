"""What every app's admin shares."""


class ShownOnly:
    """For records that change only through the services (orders, payments, their history): the admin
    shows them and never adds, edits or deletes one. Mix in before the ModelAdmin or inline class."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
