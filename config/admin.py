"""What every app's admin shares."""

from django.utils.translation import gettext


class ShownOnly:
    """For records that change only through the services (orders, payments, their history): the admin
    shows them and never adds, edits or deletes one. Mix in before the ModelAdmin or inline class."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def won(amount: int, tax_free: int) -> str:
    """An amount and its tax-free part as the admin shows them, in the request's language."""
    return gettext("%(amount)s₩ (tax-free %(tax_free)s₩)") % {
        "amount": f"{amount:,}",
        "tax_free": f"{tax_free:,}",
    }
