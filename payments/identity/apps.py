from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    """Identity verification (본인인증) and adult-only products (docs/identity.md).

    It hooks into orders through `order_creating`, connected here; orders imports nothing of it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments.identity"
    label = "identity"
    verbose_name = _("Identity verification")

    def ready(self) -> None:
        from orders.services import order_creating
        from payments.identity.receivers import refuse_adult_only_without_verification

        order_creating.connect(
            refuse_adult_only_without_verification, dispatch_uid="identity.refuse_adult_only"
        )
