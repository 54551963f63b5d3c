"""The GraphQL schema: thin adapters over the same services as REST, with abuse limits."""

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry_django.optimizer import DjangoOptimizerExtension

from graphql_api.limits import PageSizeRule, QueryCostRule
from graphql_api.mutations.auth import AuthMutation
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
        VerifyPaymentMutation,
        ConfirmPaymentMutation,
        CancelPaymentMutation,
        MarkItemShippedMutation,
    ),
)


def _should_mask(error: GraphQLError) -> bool:
    """Hide unexpected exceptions (bugs) behind a generic message; keep validation and limit errors."""
    original = error.original_error
    if original is None:
        return False
    # The relay page cap, reached through a variable: the client's mistake, worth a clear message.
    return not (isinstance(original, ValueError) and str(original).startswith("Argument '"))


def build_schema() -> strawberry.Schema:
    extensions = [
        DjangoOptimizerExtension,
        lambda: QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        lambda: AddValidationRules([PageSizeRule, QueryCostRule]),
        lambda: MaskErrors(should_mask_error=_should_mask),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(relay_max_results=settings.GRAPHQL_MAX_PAGE_SIZE),
    )


schema = build_schema()
