"""Reads for the catalogue and orders."""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects

from config.errors import DomainError, ErrorCode
from config.keyset import keyed_by
from orders.models import Order, OrderItem, Product, Seller


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    BUYER = "buyer"
    SELLER = "seller"
    STAFF = "staff"


# Whether a user has a Seller profile, kept on the user object: a request (whose user object is its own)
# asks at most once, however many selectors and services ask. Creating or deleting a profile updates it on
# the user object the profile holds (`orders.apps`).
_IS_SELLER = "_orders_is_seller"


def user_is_seller(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Has a Seller profile (staff included: a staff member may also run a shop)."""
    if not user.is_authenticated:
        return False
    cached = user.__dict__.get(_IS_SELLER)
    if cached is None:
        cached = user.__dict__[_IS_SELLER] = Seller.objects.filter(user=user).exists()
    return cached


def remember_user_is_seller(user: AbstractBaseUser) -> None:
    user.__dict__[_IS_SELLER] = True


def forget_user_is_seller(user: AbstractBaseUser) -> None:
    user.__dict__.pop(_IS_SELLER, None)


def user_role(user: AbstractBaseUser | AnonymousUser) -> Role:
    """Staff = `is_staff`; seller = has a Seller profile; any other signed-in user is a buyer."""
    if not user.is_authenticated:
        return Role.ANONYMOUS
    if user.is_staff:
        return Role.STAFF
    if user_is_seller(user):
        return Role.SELLER
    return Role.BUYER


# --- REST/GraphQL visibility -----------------------------------------------------------------------
# What a caller may not see does not exist for them: selectors raise `*_not_found`, never
# `permission_denied`.


def product_list_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Product]:
    """Active products for everyone; a seller also sees its own inactive ones; staff see all."""
    products = Product.objects.select_related("seller")
    if not user.is_authenticated:
        return products.filter(is_active=True)
    if user.is_staff:
        return products
    return products.filter(Q(is_active=True) | Q(seller__user=user))


def product_get_visible(*, product_id: int, user: AbstractBaseUser | AnonymousUser) -> Product:
    """One product the caller may see. Raises product_not_found."""
    product = product_list_visible(user=user).filter(pk=product_id).first()
    if product is None:
        raise DomainError(ErrorCode.PRODUCT_NOT_FOUND, details={"product_ids": [product_id]})
    return product


def order_filter_visible(
    queryset: QuerySet[Order], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[Order]:
    """`queryset` narrowed to the orders `user` may see: a buyer its own, a seller also those holding at
    least one of its lines, staff all (REST's lists and GraphQL's `get_queryset` alike)."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_staff:
        return queryset
    # A semi-join rather than a join on items, which would repeat the order once per line.
    own_lines = OrderItem.objects.filter(order=OuterRef("pk"), seller__user=user)
    return queryset.filter(Q(buyer=user) | Exists(own_lines))


def order_item_filter_visible(
    queryset: QuerySet[OrderItem], *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[OrderItem]:
    """The lines `user` may see: of its own orders all, of other orders only its own lines; staff all."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_staff:
        return queryset
    return queryset.filter(Q(order__buyer=user) | Q(seller__user=user))


def order_list_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Order]:
    """Orders the caller may see, newest first, each with `visible_items` prefetched.

    Buyer: own orders, all lines. Seller: additionally the orders holding at least one of its lines, and of
    those only its own lines (another seller's lines never leave the database for it). Staff: everything.
    Three queries whatever the page size (orders, count, items with their seller).
    """
    items = order_item_filter_visible(OrderItem.objects.select_related("seller").order_by("pk"), user=user)
    return (
        order_filter_visible(Order.objects.all(), user=user)
        .select_related(CASH_RECEIPT_RELATION)
        .prefetch_related(
            Prefetch("items", queryset=items, to_attr="visible_items"), escrow_payments_prefetch()
        )
    )


def order_list_roles(*, user: AbstractBaseUser) -> tuple[Role, int | None]:
    """The caller's default list role (staff, else seller with a shop, else buyer) and its shop's id."""
    if user.is_staff:
        return Role.STAFF, None
    seller_pk = Seller.objects.filter(user=user).values_list("pk", flat=True).first()
    return (Role.BUYER, None) if seller_pk is None else (Role.SELLER, seller_pk)


def order_list_for_role(
    *, user: AbstractBaseUser, role: Role, seller_pk: int | None = None
) -> QuerySet[Order]:
    """One list shape per role, each served by its own index (the caller checked that `user` holds `role`).

    Buyer: `buyer_id = X` (orders' (buyer_id, created_at, id) index). Seller: `order_list_of_seller`, never
    the buyer-or-seller OR that made every page scan the whole table. Staff: all ((created_at, id) index).
    Lines as `order_list_visible` shows them: a seller only its own lines of another buyer's order.
    """
    if role == Role.STAFF:
        orders = Order.objects.all()
    elif role == Role.SELLER:
        orders = order_list_of_seller(seller=seller_pk)
    else:
        orders = Order.objects.filter(buyer=user)
    items = order_item_filter_visible(OrderItem.objects.select_related("seller").order_by("pk"), user=user)
    return orders.select_related(CASH_RECEIPT_RELATION).prefetch_related(
        Prefetch("items", queryset=items, to_attr="visible_items"), escrow_payments_prefetch()
    )


def order_list_of_seller(*, seller: int | Subquery) -> QuerySet[Order]:
    """The orders holding lines of `seller` (a pk, or a subquery giving one), as a keyset list
    (config.keyset) paged on the seller's `SellerOrder` rows: a page is one range of
    `seller_order_recent_idx` with a LIMIT, each row's order then read by its pk, however long the shop's
    history. The join gives one row per order (a seller appears once per order)."""
    return keyed_by(
        Order.objects.filter(seller_links__seller_id=seller),
        created_at=F("seller_links__created_at"),
        pk=F("seller_links__order_id"),
    )


def seller_pk_of(user: AbstractBaseUser) -> Subquery:
    """The pk of `user`'s shop as a subquery (NULL without one, matching nothing): filters by it stay
    one statement, and PostgreSQL reads it first, as a constant an index range can start from."""
    return Subquery(Seller.objects.filter(user=user).values("pk")[:1])


# The alphabet of public order ids (`orders.models.new_public_order_id`), within the column's length. Anything
# else cannot exist: answered without a query (and a NUL byte never reaches PostgreSQL).
_PUBLIC_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def order_get_visible(*, order_id: str, user: AbstractBaseUser | AnonymousUser) -> Order:
    """One order by its public `order_id`, as `order_list_visible` shows it. Raises order_not_found.

    One query: the caller's visible lines of that order, each with the order and its seller joined. The
    rules agree: an order is visible exactly when at least one of its lines is (its buyer sees them all, a
    seller its own), and every order has lines. A line-less order (none is ever created) costs a second
    query, and so does an order the caller may not see.
    """
    if not _PUBLIC_ORDER_ID.fullmatch(order_id) or not user.is_authenticated:
        raise DomainError(ErrorCode.ORDER_NOT_FOUND)
    lines = (
        OrderItem.objects.select_related("order", f"order__{CASH_RECEIPT_RELATION}", "seller")
        .filter(order__order_id=order_id)
        .annotate(order_paid_by_escrow=_escrow_payment_exists("order_id"))
    )
    items = list(order_item_filter_visible(lines.order_by("pk"), user=user))
    if items:
        order = items[0].order
        order.paid_by_escrow = items[0].order_paid_by_escrow
        for item in items:
            item.order = order  # one Order object, not one per joined row
    else:
        order = (
            order_filter_visible(Order.objects.filter(order_id=order_id), user=user)
            .select_related(CASH_RECEIPT_RELATION)
            .annotate(paid_by_escrow=_escrow_payment_exists("pk"))
            .first()
        )
        if order is None:
            raise DomainError(ErrorCode.ORDER_NOT_FOUND)
    order.visible_items = items
    if not order.paid_by_escrow:
        order.escrow_payments = []  # what `order_escrow` would read: no query for the usual order
    return order  # an escrow payment is read when shown (`order_escrow`)


# --- Escrow (에스크로): what an order shows of its payment's shipment registration -----------------------
# Orders never import payments: the payment rows are reached through the reverse relation the payments
# app declares (`Payment.order`, related_name "payments"; `EscrowRegistration.payment`, related_name
# "escrow_registration"), by name only.

ESCROW_STATUS_BY_STATE = {"requested": "pending", "succeeded": "registered", "failed": "failed"}
# The payment statuses that hold the order's money (payments.models.LIVE_PAYMENT_STATUSES).
_LIVE_PAYMENT_STATUSES = ("awaiting_confirm", "awaiting_deposit", "paid", "partially_cancelled", "cancelled")


@dataclass(frozen=True)
class EscrowShipping:
    """The escrow registration of an order's payment as the API shows it.

    status: `pending` (not registered yet: no line shipped, or Bootpay not reached yet), `registered`
    (Bootpay has the shipment) or `failed` (Bootpay refused it; `error_code` says why).
    """

    status: str
    courier: str | None
    tracking_number: str | None
    registered_at: datetime | None
    error_code: str | None


def _escrow_payment_exists(order_ref: str) -> Exists:
    """Whether the order (`order_ref` of the outer query) has a live escrow payment: the rows
    `escrow_payments_prefetch` would read, as an EXISTS inside the order's own query."""
    payment_model = Order._meta.get_field("payments").related_model
    return Exists(
        payment_model.objects.filter(
            order=OuterRef(order_ref), escrow=True, status__in=_LIVE_PAYMENT_STATUSES
        )
    )


def escrow_payments_prefetch(to_attr: str = "escrow_payments") -> Prefetch:
    """The order's live escrow payment (at most one) with its registration, in one query for any
    number of orders; read by `order_escrow`."""
    payment_model = Order._meta.get_field("payments").related_model
    payments = payment_model.objects.filter(escrow=True, status__in=_LIVE_PAYMENT_STATUSES).select_related(
        "escrow_registration__item__seller"
    )
    return Prefetch("payments", queryset=payments, to_attr=to_attr)


def order_escrow_sees_parcel(
    *, order: Order, registration: object, user: AbstractBaseUser | AnonymousUser
) -> bool:
    """Whether `user` sees the registered courier and tracking number: the order's buyer, staff, or the
    seller of the registered line. Another seller of the order (whose lines the order shows it) sees
    the registration's status only: the parcel is another shop's."""
    if not user.is_authenticated:
        return False
    if order.buyer_id == user.pk or user.is_staff:
        return True
    return registration.item.seller.user_id == user.pk


def order_escrow(order: Order, *, user: AbstractBaseUser | AnonymousUser) -> EscrowShipping | None:
    """None unless the order was paid by escrow; else its registration's state (pending before any), as
    `user` may see it (`order_escrow_sees_parcel`). The one rule for REST and GraphQL."""
    payments = getattr(order, "escrow_payments", None)
    if payments is None:
        prefetch_related_objects([order], escrow_payments_prefetch())
        payments = order.escrow_payments
    if not payments:
        return None
    registration = getattr(payments[0], "escrow_registration", None)
    if registration is None:
        return EscrowShipping("pending", None, None, None, None)
    parcel = order_escrow_sees_parcel(order=order, registration=registration, user=user)
    return EscrowShipping(
        status=ESCROW_STATUS_BY_STATE[registration.state],
        courier=(registration.courier or None) if parcel else None,
        tracking_number=(registration.tracking_number or None) if parcel else None,
        registered_at=registration.completed_at if registration.state == "succeeded" else None,
        error_code=registration.error_code or None,
    )


# --- Cash receipts (현금영수증): what an order shows of its receipt ---------------------------------
# Orders never import payments: the summary row the cash receipts capability keeps per order
# (`CashReceiptRequest.order`, related_name "cash_receipt_request") is reached by name only.

CASH_RECEIPT_RELATION = "cash_receipt_request"
CASH_RECEIPT_STATUSES = ("pending", "issued", "failed", "cancelled", "not_applicable")


@dataclass(frozen=True)
class CashReceiptShown:
    """An order's cash receipt as the API shows it (DESIGN.md): never the identifier, only its mask."""

    type: str
    identifier_masked: str | None
    approval_no: str | None
    amount: int | None
    status: str
    issued_at: datetime | None


def order_cash_receipt_shown(order: Order) -> CashReceiptShown | None:
    """The order's cash receipt, or None when nobody asked for one and none was issued (the buyer chose
    `none`, or made no choice, and nothing stands at Bootpay)."""
    try:
        row = getattr(order, CASH_RECEIPT_RELATION)
    except ObjectDoesNotExist:
        return None
    if row.type == "none" and row.status not in ("issued", "cancelled", "failed"):
        return None
    return CashReceiptShown(
        type=row.type,
        identifier_masked=row.identifier_masked or None,
        approval_no=row.approval_no or None,
        amount=row.amount,
        status=row.status,
        issued_at=row.issued_at,
    )


def order_cash_receipt(order: Order, *, user: AbstractBaseUser | AnonymousUser) -> CashReceiptShown | None:
    """`order_cash_receipt_shown` for its buyer and staff; None for a seller of some of its lines (the
    receipt is the buyer's tax record for the whole order). The one rule for REST and GraphQL."""
    if not user.is_authenticated or (order.buyer_id != user.pk and not user.is_staff):
        return None
    return order_cash_receipt_shown(order)


def order_viewer_role(*, order: Order, user: AbstractBaseUser) -> Role:
    """How `user` sees a visible order: its buyer, staff, or a seller of some of its lines.

    Only the buyer and staff see the order's totals; a seller sees its own lines and their sum. The buyer
    wins over staff and seller, so a seller buying from another shop sees its purchase as a buyer.
    """
    if order.buyer_id == user.pk:
        return Role.BUYER
    if user.is_staff:
        return Role.STAFF
    return Role.SELLER


def order_viewer_sees_totals(*, order: Order, user: AbstractBaseUser) -> bool:
    """Whether `user` sees the order's own totals (`total_amount`, `tax_free_amount`): buyer and staff."""
    return order_viewer_role(order=order, user=user) != Role.SELLER
