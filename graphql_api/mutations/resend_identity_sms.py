from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.identity import IdentitySmsType
from payments.identity.services import identity_sms_resend


@strawberry.type
class ResendIdentitySmsSuccess:
    sms: IdentitySmsType


ResendIdentitySmsPayload = Annotated[
    ResendIdentitySmsSuccess | OperationError | InputError, strawberry.union("ResendIdentitySmsPayload")
]


@strawberry.type
class ResendIdentitySmsMutation:
    @strawberry_django.mutation(description="Send the code of an SMS identity verification again.")
    def resend_identity_sms(self, info: Info, handle: str) -> ResendIdentitySmsPayload:
        return as_signed_in_user(
            info,
            lambda user: ResendIdentitySmsSuccess(
                sms=IdentitySmsType.from_model(identity_sms_resend(user=user, handle=handle))
            ),
        )
