"""REST adapters for automatic payments (docs/billing.md): parse, call a service, serialize.

The rules (who may register, remove, subscribe, cancel; what Bootpay is asked) are
`payments.billing.services`'; visibility is `payments.billing.selectors`'. No response carries a billing key.
Errors are never caught here: `DomainError` and DRF's exceptions become the envelope in `config/`.
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ErrorCode
from config.ids import PK_MAX
from config.openapi import ALWAYS_ERRORS, BODY_ERRORS, error_responses
from config.pagination import KeysetPagination, list_response
from payments.billing.api.filters import SubscriptionFilter
from payments.billing.api.serializers import (
    BillingKeyOutputSerializer,
    BillingKeyRequestOutputSerializer,
    SubscriptionOutputSerializer,
    SubscriptionPriceChangeOutputSerializer,
)
from payments.billing.models import BillingKey, Subscription, SubscriptionPriceChange
from payments.billing.selectors import (
    billing_key_list_visible,
    subscription_get_visible,
    subscription_list_visible,
)
from payments.billing.services import (
    billing_key_register,
    billing_key_remove,
    billing_key_request_start,
    subscription_cancel,
    subscription_create,
    subscription_price_change_consent,
    subscription_price_change_create,
)

_GATEWAY = (ErrorCode.GATEWAY_ERROR, ErrorCode.GATEWAY_UNAVAILABLE)
_PUBLIC_ID_MAX = 40  # as the models' public id columns


def _subscription_response(request: Request, subscription_id: str, status_code: int = 200) -> Response:
    """The subscription as the caller may see it, read fresh with its charges."""
    subscription = subscription_get_visible(subscription_id=subscription_id, user=request.user)
    return Response(SubscriptionOutputSerializer(subscription).data, status=status_code)


# --- Billing keys ---------------------------------------------------------------------------------


class BillingKeyRequestApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_keys_requests_create",
        summary="Start registering a card: the subscription_id for Bootpay's requestSubscription",
        description=(
            "Pass `subscription_id` and `order_name` to the widget's `requestSubscription`; Bootpay answers "
            "the browser with a `receipt_id` (never the key), which `POST /api/v1/billing-keys/` registers. "
            "The server remembers that this `subscription_id` was issued to the caller."
        ),
        request=None,
        responses={201: BillingKeyRequestOutputSerializer} | error_responses(*ALWAYS_ERRORS),
    )
    def post(self, request: Request) -> Response:
        key_request = billing_key_request_start(buyer=request.user)
        return Response(BillingKeyRequestOutputSerializer(key_request).data, status=status.HTTP_201_CREATED)


class BillingKeyListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    queryset = BillingKey.objects.none()  # model hint for the schema; rows come from the selector

    @extend_schema(
        operation_id="billing_keys_list",
        summary="The caller's registered cards (removed ones are left out)",
        description="A card is its owner's only: staff see theirs too, and other buyers' in the admin.",
        responses={200: BillingKeyOutputSerializer(many=True)}
        | error_responses(ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND, *ALWAYS_ERRORS),
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request=request,
            view=self,
            queryset=billing_key_list_visible(user=request.user),
            serializer_class=BillingKeyOutputSerializer,
        )


class BillingKeyRegisterApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        # Its format (Bootpay's alphabet) is checked by the service, for every adapter alike.
        receipt_id = serializers.CharField(
            max_length=64, help_text="The receipt id requestSubscription answered (a billing-key issuance)."
        )

        class Meta:
            ref_name = "BillingKeyRegister"

    @extend_schema(
        operation_id="billing_keys_register",
        summary="Register the card a billing-key issuance produced",
        description=(
            "Fetches the billing key from Bootpay by the issuance receipt and stores it encrypted. Refused "
            "with `billing_key_invalid` and `details.reason`: `not_billing_receipt` (a payment receipt), "
            "`not_issued_to_you` (its subscription_id was not issued to the caller), `already_registered` "
            "(this receipt, or this card, is registered already). The key itself is never answered."
        ),
        request=InputSerializer,
        responses={201: BillingKeyOutputSerializer}
        | error_responses(*BODY_ERRORS, ErrorCode.BILLING_KEY_INVALID, *_GATEWAY, *ALWAYS_ERRORS),
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        key = billing_key_register(buyer=request.user, receipt_id=payload.validated_data["receipt_id"])
        return Response(BillingKeyOutputSerializer(key).data, status=status.HTTP_201_CREATED)


class BillingKeyCollectionApi(BillingKeyListApi, BillingKeyRegisterApi):
    """`billing-keys/`: GET list, POST register."""


class BillingKeyRemoveApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="billing_keys_remove",
        summary="Remove a card: destroyed at Bootpay, kept here as `removed`",
        description=(
            "Its owner only (anyone else: `billing_key_not_found`). 409 `billing_key_in_use` while an active "
            "or past-due subscription uses it (`details.subscription_ids`): cancel those first. Bootpay not "
            "answering (503) leaves the card as it was. Idempotent."
        ),
        request=None,
        responses={200: BillingKeyOutputSerializer}
        | error_responses(
            ErrorCode.BILLING_KEY_NOT_FOUND, ErrorCode.BILLING_KEY_IN_USE, *_GATEWAY, *ALWAYS_ERRORS
        ),
    )
    def delete(self, request: Request, billing_key_id: str) -> Response:
        key = billing_key_remove(buyer=request.user, billing_key_id=billing_key_id)
        return Response(BillingKeyOutputSerializer(key).data)


# --- Subscriptions --------------------------------------------------------------------------------


class SubscriptionListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = SubscriptionFilter
    queryset = Subscription.objects.none()  # model hint for the schema; rows come from the selector

    @extend_schema(
        operation_id="subscriptions_list",
        summary="List subscriptions (own; staff: all), newest first, with their charges",
        responses={200: SubscriptionOutputSerializer(many=True)}
        | error_responses(ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND, *ALWAYS_ERRORS),
    )
    def get(self, request: Request) -> Response:
        return list_response(
            request=request,
            view=self,
            queryset=subscription_list_visible(user=request.user),
            serializer_class=SubscriptionOutputSerializer,
        )


class SubscriptionCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        product_id = serializers.IntegerField(
            min_value=1, max_value=PK_MAX, help_text="A product sold by subscription."
        )
        billing_key_id = serializers.CharField(
            max_length=_PUBLIC_ID_MAX, help_text="One of the caller's active cards (bk_…)."
        )

        class Meta:
            ref_name = "SubscriptionCreate"

    @extend_schema(
        operation_id="subscriptions_create",
        summary="Subscribe to a product with a registered card; period 1 is charged now (or after a trial)",
        description=(
            "A product with `trial_days` (a buyer's first subscription to it) charges nothing now: "
            "`trial_ends_at` says when the first paid period is due, announced at least 7 days ahead "
            "(docs/billing.md, Notices the law requires). "
            "Price, tax-free part and interval are fixed now. Each period is an ordinary order paid by an "
            "ordinary payment (see `charges`). The first charge declined: 409 `payment_failed` with "
            "`details.pg_code` and `details.subscription_id` (that subscription is cancelled; the card is "
            "kept). Bootpay not answering: 503 `gateway_unavailable` with `details.subscription_id`; the "
            "subscription stays active and the charge is settled by Bootpay's notice. A second live "
            "subscription to the product: 409 `subscription_exists` (`details.subscription_id`), no charge."
        ),
        request=InputSerializer,
        responses={201: SubscriptionOutputSerializer}
        | error_responses(
            *BODY_ERRORS,
            ErrorCode.PRODUCT_NOT_FOUND,
            ErrorCode.PRODUCT_NOT_SUBSCRIBABLE,
            ErrorCode.PRODUCT_UNAVAILABLE,
            ErrorCode.INSUFFICIENT_STOCK,
            ErrorCode.BILLING_KEY_NOT_FOUND,
            ErrorCode.SUBSCRIPTION_EXISTS,
            ErrorCode.PAYMENT_FAILED,
            *_GATEWAY,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        subscription = subscription_create(buyer=request.user, **payload.validated_data)
        return _subscription_response(request, subscription.subscription_id, status.HTTP_201_CREATED)


class SubscriptionCollectionApi(SubscriptionListApi, SubscriptionCreateApi):
    """`subscriptions/`: GET list, POST subscribe."""


class SubscriptionDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="subscriptions_retrieve",
        summary="One subscription with its charges (its buyer, or staff)",
        description="A subscription the caller may not see is `subscription_not_found`.",
        responses={200: SubscriptionOutputSerializer}
        | error_responses(ErrorCode.SUBSCRIPTION_NOT_FOUND, *ALWAYS_ERRORS),
    )
    def get(self, request: Request, subscription_id: str) -> Response:
        return _subscription_response(request, subscription_id)


class SubscriptionCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="subscriptions_cancel",
        summary="Stop a subscription's future charges (its buyer, or staff)",
        description=(
            "Its pending reservation at Bootpay is cancelled first, then the subscription and its unpaid "
            "periods' orders, then its card is destroyed at Bootpay when nothing else uses it. Paid periods "
            "stay paid (refund them with `POST /api/v1/payments/{payment_id}/cancel/`). Idempotent; 503 "
            "when Bootpay could not cancel the reservation (nothing changed: retry)."
        ),
        request=None,
        responses={200: SubscriptionOutputSerializer}
        | error_responses(ErrorCode.SUBSCRIPTION_NOT_FOUND, *_GATEWAY, *ALWAYS_ERRORS),
    )
    def post(self, request: Request, subscription_id: str) -> Response:
        subscription_cancel(subscription_id=subscription_id, actor=request.user)
        return _subscription_response(request, subscription_id)


class SubscriptionConsentApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="subscriptions_consent",
        summary="Consent to the subscription's pending price increase (its buyer only)",
        description=(
            "Periods beginning at or after the change's `effective_at` are then charged its new price "
            "(전자상거래법 §13⑥: an increase needs the buyer's consent within the 30 days before it). "
            "Idempotent. Nothing pending: 409 `no_pending_price_change`; before the consent window opens "
            "or after its deadline: 409 `price_change_consent_closed` (`details.consent_opens_at`, "
            "`details.consent_deadline`). Someone else's subscription (staff included): 404."
        ),
        request=None,
        responses={200: SubscriptionOutputSerializer}
        | error_responses(
            ErrorCode.SUBSCRIPTION_NOT_FOUND,
            ErrorCode.NO_PENDING_PRICE_CHANGE,
            ErrorCode.PRICE_CHANGE_CONSENT_CLOSED,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request, subscription_id: str) -> Response:
        subscription_price_change_consent(subscription_id=subscription_id, actor=request.user)
        return _subscription_response(request, subscription_id)


class ProductPriceChangeCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        new_price = serializers.IntegerField(
            min_value=1, max_value=PK_MAX, help_text="Won per period for those who consent."
        )
        effective_at = serializers.DateTimeField(
            help_text="Periods beginning at or after this cost new_price; at least 30 days ahead."
        )
        consent_deadline = serializers.DateTimeField(
            required=False, help_text="The last moment to consent; default effective_at."
        )
        on_no_consent = serializers.ChoiceField(
            choices=SubscriptionPriceChange.OnNoConsent.choices,
            help_text="keep_price: the old price stays; cancel_at_period_end: nothing charged after the "
            "paid period.",
        )

        class Meta:
            ref_name = "SubscriptionPriceChangeCreate"

    @extend_schema(
        operation_id="products_price_changes_create",
        summary="Raise the price for a product's existing subscribers, with their consent (seller, staff)",
        description=(
            "Every live subscription of the product paying less than `new_price` is asked to consent "
            "(event `subscription.price_change_pending`). Only those who consent in time move to the new "
            "price, for periods beginning at or after `effective_at`; the others keep their price or are "
            "cancelled with their paid period, as `on_no_consent` says. A decrease needs no consent: "
            "change the product's price instead. 409 `price_change_exists` while an earlier change of the "
            "product has not applied."
        ),
        request=InputSerializer,
        responses={201: SubscriptionPriceChangeOutputSerializer}
        | error_responses(
            *BODY_ERRORS,
            ErrorCode.PERMISSION_DENIED,
            ErrorCode.PRODUCT_NOT_FOUND,
            ErrorCode.PRODUCT_NOT_SUBSCRIBABLE,
            ErrorCode.PRICE_CHANGE_EXISTS,
            *ALWAYS_ERRORS,
        ),
    )
    def post(self, request: Request, id: int) -> Response:
        payload = self.InputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = subscription_price_change_create(product_id=id, actor=request.user, **payload.validated_data)
        return Response(SubscriptionPriceChangeOutputSerializer(change).data, status=status.HTTP_201_CREATED)
