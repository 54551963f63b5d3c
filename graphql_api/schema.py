"""The GraphQL schema: thin adapters over the same services as REST, with abuse limits."""

from functools import cache

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry_django.optimizer import DjangoOptimizerExtension

from graphql_api.errors import ErrorMasking, is_client_error
from graphql_api.guards import ArgumentGuard
from graphql_api.limits import PageSizeRule, QueryCostRule
from graphql_api.mutations.auth import AuthMutation
from graphql_api.mutations.cancel_order import CancelOrderMutation
from graphql_api.mutations.cancel_payment import CancelPaymentMutation
from graphql_api.mutations.cancel_subscription import CancelSubscriptionMutation
from graphql_api.mutations.confirm_identity_sms import ConfirmIdentitySmsMutation
from graphql_api.mutations.confirm_payment import ConfirmPaymentMutation
from graphql_api.mutations.consent_to_price_change import ConsentToPriceChangeMutation
from graphql_api.mutations.create_order import CreateOrderMutation
from graphql_api.mutations.mark_item_shipped import MarkItemShippedMutation
from graphql_api.mutations.register_billing_key import RegisterBillingKeyMutation
from graphql_api.mutations.remove_billing_key import RemoveBillingKeyMutation
from graphql_api.mutations.request_billing_key import RequestBillingKeyMutation
from graphql_api.mutations.request_cash_receipt import RequestCashReceiptMutation
from graphql_api.mutations.request_identity_sms import RequestIdentitySmsMutation
from graphql_api.mutations.resend_identity_sms import ResendIdentitySmsMutation
from graphql_api.mutations.subscribe import SubscribeMutation
from graphql_api.mutations.update_notification_preferences import UpdateNotificationPreferencesMutation
from graphql_api.mutations.verify_identity import VerifyIdentityMutation
from graphql_api.mutations.verify_payment import VerifyPaymentMutation
from graphql_api.notifications import NotificationQuery
from graphql_api.queries import Query
from graphql_api.statements import WON_SCALAR, StatementQuery, Won

Mutation = merge_types(
    "Mutation",
    (
        AuthMutation,
        CreateOrderMutation,
        CancelOrderMutation,
        VerifyPaymentMutation,
        ConfirmPaymentMutation,
        CancelPaymentMutation,
        MarkItemShippedMutation,
        RequestBillingKeyMutation,
        RegisterBillingKeyMutation,
        RemoveBillingKeyMutation,
        SubscribeMutation,
        CancelSubscriptionMutation,
        ConsentToPriceChangeMutation,
        VerifyIdentityMutation,
        UpdateNotificationPreferencesMutation,
        RequestIdentitySmsMutation,
        ConfirmIdentitySmsMutation,
        ResendIdentitySmsMutation,
        RequestCashReceiptMutation,
    ),
)


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None):
        # Strawberry logs every error at ERROR with its traceback; the caller's mistakes are answered only.
        super().process_errors([error for error in errors if not is_client_error(error)], execution_context)


# Distinct query texts kept parsed and validated (LRU, per process): a client's handful of operations stay
# cached, while unique texts sent to flood the cache only push each other out.
GRAPHQL_CACHE_SIZE = 256


@cache
def _limit_rules(depth: int, aliases: int, page_size: int, cost: int) -> tuple[type, ...]:
    """The limits as validation rules, one set of classes per set of limit values.

    The validation cache keys its results by (schema, document, rules): the rules must be the same classes
    from request to request for a hit, and new classes whenever a limit changes (the page size and cost
    rules read their settings while validating, so a result validated under other limits is never reused).
    """
    return (
        *QueryDepthLimiter(max_depth=depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=aliases).validation_rules,
        type(PageSizeRule.__name__, (PageSizeRule,), {"limits": (page_size,)}),
        type(QueryCostRule.__name__, (QueryCostRule,), {"limits": (page_size, cost)}),
    )


def _limits() -> AddValidationRules:
    return AddValidationRules(
        list(
            _limit_rules(
                settings.GRAPHQL_MAX_DEPTH,
                settings.GRAPHQL_MAX_ALIASES,
                settings.GRAPHQL_MAX_PAGE_SIZE,
                settings.GRAPHQL_MAX_COST,
            )
        )
    )


class _ValidationCache(ValidationCache):
    def on_validate(self):
        context = self.execution_context
        errors = self.cached_validate_document(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        # The cached list is shared by every request with this document: each gets its own copy.
        context.pre_execution_errors = list(errors)
        yield


def build_schema() -> strawberry.Schema:
    extensions = [
        DjangoOptimizerExtension,
        # The token limit is a parser option (part of the parse cache's key); a refused text raises, and
        # an exception is never cached: it is refused again.
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        _limits,
        lambda: ParserCache(maxsize=GRAPHQL_CACHE_SIZE),
        lambda: _ValidationCache(maxsize=GRAPHQL_CACHE_SIZE),
        ArgumentGuard,
        ErrorMasking,
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        extensions.append(DisableIntrospection)
    return Schema(
        query=merge_types("Query", (Query, StatementQuery, NotificationQuery)),
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(
            relay_max_results=settings.GRAPHQL_MAX_PAGE_SIZE, scalar_map={Won: WON_SCALAR}
        ),
    )


schema = build_schema()
