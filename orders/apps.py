from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = _("Catalogue and orders")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from orders.models import Seller
        from orders.selectors import forget_user_is_seller, remember_user_is_seller

        # `user_is_seller` remembers its answer on the user object; a profile created or deleted with that
        # object (no query to find it) updates the answer.
        def created(sender, instance: Seller, **kwargs) -> None:
            if (user := instance._state.fields_cache.get("user")) is not None:
                remember_user_is_seller(user)

        def deleted(sender, instance: Seller, **kwargs) -> None:
            if (user := instance._state.fields_cache.get("user")) is not None:
                forget_user_is_seller(user)

        post_save.connect(created, sender=Seller, weak=False, dispatch_uid="orders.seller_created")
        post_delete.connect(deleted, sender=Seller, weak=False, dispatch_uid="orders.seller_deleted")
