"""The GraphQL schema: thin adapters over the same services as REST, with abuse limits."""

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
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
from graphql_api.mutations.confirm_payment import ConfirmPaymentMutation
from graphql_api.mutations.create_order import CreateOrderMutation
from graphql_api.mutations.mark_item_shipped import MarkItemShippedMutation
from graphql_api.mutations.verify_payment import VerifyPaymentMutation
from graphql_api.queries import Query

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
    ),
)


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None):
        # Strawberry logs every error at ERROR with its traceback; the caller's mistakes are answered only.
        super().process_errors([error for error in errors if not is_client_error(error)], execution_context)


def build_schema() -> strawberry.Schema:
    extensions = [
        DjangoOptimizerExtension,
        lambda: QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        lambda: AddValidationRules([PageSizeRule, QueryCostRule]),
        ArgumentGuard,
        ErrorMasking,
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        extensions.append(DisableIntrospection)
    return Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(relay_max_results=settings.GRAPHQL_MAX_PAGE_SIZE),
    )


schema = build_schema()
