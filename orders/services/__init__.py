"""Writes for the catalogue and orders. Every amount comes from our own prices, never from the caller.

Dependency direction: orders knows nothing of payments (which builds on orders). Where closing an
unpaid order concerns its payment, orders sends `unpaid_order_closing` under the order's lock and
payments answers it (`payments.services.payment_release_for_closing_order`, connected in
`PaymentsConfig.ready`): it may refuse the close (a `DomainError`, e.g. a virtual account awaiting
its deposit) or return what to do once the close is committed (tell Bootpay to void an approval).
"""

from orders.services.orders import (
    OrderLine,
    order_cancel_unpaid,
    order_close_unpaid,
    order_create,
    order_create_for_subscription,
    order_created,
    order_creating,
    order_expire_unpaid,
    order_items_release_stock,
    order_lines_create,
    order_lock,
    unpaid_order_closing,
)
from orders.services.products import (
    PRODUCT_EDITABLE_FIELDS,
    PRODUCT_MAX_PRICE,
    PRODUCT_MAX_STOCK,
    product_create,
    product_lock_managed,
    product_update,
)
from orders.services.shipping import (
    SHIPPING_FIELD_MAX,
    order_item_mark_shipped,
    order_item_shipping,
    shipping_values,
)

__all__ = [
    "product_lock_managed",
    "PRODUCT_EDITABLE_FIELDS",
    "PRODUCT_MAX_PRICE",
    "PRODUCT_MAX_STOCK",
    "SHIPPING_FIELD_MAX",
    "OrderLine",
    "order_cancel_unpaid",
    "order_close_unpaid",
    "order_create",
    "order_create_for_subscription",
    "order_created",
    "order_creating",
    "order_expire_unpaid",
    "order_item_mark_shipped",
    "order_item_shipping",
    "order_items_release_stock",
    "order_lines_create",
    "order_lock",
    "product_create",
    "product_update",
    "shipping_values",
    "unpaid_order_closing",
]
