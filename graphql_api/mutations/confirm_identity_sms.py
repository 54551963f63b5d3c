from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.identity import IdentityVerificationType
from payments.identity.services import identity_sms_confirm


@strawberry.type
class ConfirmIdentitySmsSuccess:
    verification: IdentityVerificationType


ConfirmIdentitySmsPayload = Annotated[
    ConfirmIdentitySmsSuccess | OperationError | InputError, strawberry.union("ConfirmIdentitySmsPayload")
]


@strawberry.type
class ConfirmIdentitySmsMutation:
    @strawberry_django.mutation(
        description="Confirm an SMS identity verification with the code the person received."
    )
    def confirm_identity_sms(self, info: Info, handle: str, otp: str) -> ConfirmIdentitySmsPayload:
        return as_signed_in_user(
            info,
            lambda user: ConfirmIdentitySmsSuccess(
                verification=IdentityVerificationType.from_model(
                    identity_sms_confirm(user=user, handle=handle, otp=otp)
                )
            ),
        )
