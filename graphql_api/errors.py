"""Typed GraphQL errors carrying the same `code` strings as the REST envelope.

`code` is a plain String (not a GraphQL enum), so its values are exactly REST's (`amount_mismatch`).
Mutations catch `DomainError` only and return one of these as a member of their payload union.
"""

from typing import Any

import strawberry
from strawberry.scalars import JSON

from config.errors import DomainError, ErrorCode


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


def graphql_error(exc: DomainError) -> OperationError | InputError:
    if exc.code == ErrorCode.VALIDATION_ERROR:
        fields: dict[str, Any] = exc.details.get("fields", {})
        return InputError(
            code=exc.code.value,
            message=exc.message,
            fields=[
                FieldError(
                    field=name, messages=[str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
                )
                for name, msgs in fields.items()
            ],
        )
    return OperationError(code=exc.code.value, message=exc.message, details=exc.details)


def not_authenticated() -> OperationError:
    return graphql_error(DomainError(ErrorCode.NOT_AUTHENTICATED))
