from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.identity import IdentityVerificationType
from payments.identity.services import identity_verify_certificate


@strawberry.type
class VerifyIdentitySuccess:
    verification: IdentityVerificationType


VerifyIdentityPayload = Annotated[
    VerifyIdentitySuccess | OperationError | InputError, strawberry.union("VerifyIdentityPayload")
]


@strawberry.type
class VerifyIdentityMutation:
    @strawberry_django.mutation(
        description=(
            "Accept the browser identity verification (requestAuthentication) `receiptId` for the caller. "
            "identity_verification_failed when it is not complete, older than 30 minutes, or used before."
        )
    )
    def verify_identity(self, info: Info, receipt_id: str) -> VerifyIdentityPayload:
        return as_signed_in_user(
            info,
            lambda user: VerifyIdentitySuccess(
                verification=IdentityVerificationType.from_model(
                    identity_verify_certificate(user=user, receipt_id=receipt_id)
                )
            ),
            field_names={"receipt_id": "receiptId"},
        )
