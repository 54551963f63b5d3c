"""Who may ask a query field: one rule for the fields that answer *for the caller* (docs/api.md).

REST answers an anonymous request for anything but the catalogue with 401 `not_authenticated`. The query
fields that read the caller's own data (`myOrders`, `sellerOrders`, `myBillingKeys`, `mySubscriptions`,
`sellerStatement`) do the same through `signed_in()`: an anonymous caller gets an error whose
`extensions.code` is `not_authenticated` (graphql_api.errors renders the DomainError), never an empty
list that reads as "you have none". It runs before the resolver, so before any argument is read (a bad
cursor from an anonymous caller is `not_authenticated`, as REST checks credentials first).

Mutations do not use it: they answer `not_authenticated` as a member of their payload union
(`as_signed_in_user`). Lookups by id (`order`, `payment`, `product`) answer null for what the caller may
not see, anonymous callers included; `me` is null for them, which is what it is for.
"""

from typing import Any

from strawberry import Info
from strawberry.permission import BasePermission, PermissionExtension

from config.errors import DomainError, ErrorCode
from graphql_api.context import current_user

# Appended to the description of each field using `signed_in()`, so the SDL states the rule too.
SIGNED_IN_ONLY = "Signed-in callers only: an anonymous caller gets the error `not_authenticated`."


class SignedIn(BasePermission):
    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(current_user(info).is_authenticated)

    def on_unauthorized(self) -> None:
        # A DomainError, so the error masking renders it as any query refusal: REST's code and message,
        # in the request's language.
        raise DomainError(ErrorCode.NOT_AUTHENTICATED)


def signed_in() -> PermissionExtension:
    """The field extension for a query field that needs a signed-in caller. No schema directive (a custom
    one every client's tooling would have to know): the field's description ends with SIGNED_IN_ONLY."""
    return PermissionExtension(permissions=[SignedIn()], use_directives=False)
