"""Typed GraphQL errors carrying the same `code` strings as the REST envelope.

`code` is a plain String (not a GraphQL enum), so its values are exactly REST's (`amount_mismatch`).
Mutations catch `DomainError` only and return one of these as a member of their payload union.
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import strawberry
from django.contrib.auth.models import AbstractBaseUser
from graphql import GraphQLError
from strawberry import Info
from strawberry.extensions import MaskErrors
from strawberry.scalars import JSON

from config.errors import DomainError, ErrorCode
from config.i18n import localize, localize_fields
from graphql_api.context import current_user

T = TypeVar("T")


@strawberry.interface(description="Every expected failure: branch on `code`, the same values as REST.")
class Error:
    code: str
    message: str


@strawberry.type(description="A business rule or the payment gateway refused the operation.")
class OperationError(Error):
    details: JSON = strawberry.field(default_factory=dict)


@strawberry.type
class FieldError:
    field: str
    messages: list[str]


@strawberry.type(description="The input is invalid (`code` is `validation_error`).")
class InputError(Error):
    fields: list[FieldError]


def graphql_error(
    exc: DomainError, field_names: Mapping[str, str] | None = None
) -> OperationError | InputError:
    """`field_names` renames a service's field to the argument this mutation took it from (e.g. the
    service's `Idempotency-Key`, REST's header, is `cancelPayment`'s `idempotencyKey`)."""
    if exc.code == ErrorCode.VALIDATION_ERROR:
        fields: dict[str, Any] = localize_fields(exc.details.get("fields", {}))
        names = field_names or {}
        return InputError(
            code=exc.code.value,
            message=exc.message,
            fields=[
                FieldError(
                    field=names.get(name, name),
                    messages=[str(m) for m in (msgs if isinstance(msgs, list) else [msgs])],
                )
                for name, msgs in fields.items()
            ],
        )
    return OperationError(code=exc.code.value, message=exc.message, details=exc.details)


def not_authenticated() -> OperationError:
    return graphql_error(DomainError(ErrorCode.NOT_AUTHENTICATED))


def as_signed_in_user(
    info: Info, operation: Callable[[AbstractBaseUser], T], field_names: Mapping[str, str] | None = None
) -> T | OperationError | InputError:
    """The shell of every mutation acting for a user: `operation(user)` for a signed-in caller, else
    `not_authenticated`; a `DomainError` it raises becomes its typed error (same `code` as REST). Only our
    errors become data: anything else is a bug and reaches `ErrorMasking`."""
    user = current_user(info)
    if not user.is_authenticated:
        return not_authenticated()
    try:
        return operation(user)
    except DomainError as exc:
        return graphql_error(exc, field_names)


# --- Errors outside the payloads (`errors: [...]`) --------------------------------------------------------


def is_client_error(error: GraphQLError) -> bool:
    """The caller's mistake, answered as it is and never logged as a failure; anything else is a bug."""
    original = error.original_error
    # Syntax, validation and our limits carry no original error; wrong variable types and undecodable
    # global ids are GraphQLErrors from coercion; a DomainError is a query refusing its arguments.
    if original is None or isinstance(original, GraphQLError | DomainError):
        return True
    # strawberry's relay arguments (`first: -1`, a page above the cap given through a variable).
    return isinstance(original, ValueError) and str(original).startswith("Argument '")


class ErrorMasking(MaskErrors):
    """Bugs become "Unexpected error." (code `internal_error`), with no detail of what failed; the caller's
    mistakes keep their message and get a `code` (`validation_error` unless they have their own)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _error: True)  # every error goes through anonymise_error

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if not is_client_error(error):
            message, original = localize(self.error_message), None
            extensions = {"code": ErrorCode.INTERNAL_ERROR.value}
        elif isinstance(original, DomainError):
            message, extensions = (
                original.message,
                {"code": original.code.value, **original.localized_details},
            )
        else:
            message = error.message
            extensions = {"code": ErrorCode.VALIDATION_ERROR.value, **(error.extensions or {})}
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=original,
            extensions=extensions,
        )
