from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.identity import IdentitySmsType
from payments.identity.services import identity_sms_request


@strawberry.type
class RequestIdentitySmsSuccess:
    sms: IdentitySmsType


RequestIdentitySmsPayload = Annotated[
    RequestIdentitySmsSuccess | OperationError | InputError, strawberry.union("RequestIdentitySmsPayload")
]


@strawberry.type
class RequestIdentitySmsMutation:
    @strawberry_django.mutation(
        description=(
            "Start an SMS identity verification (apps): Bootpay texts a code to `phone`. `identityNo` is "
            "생년월일 6자리 + 뒷자리 첫 숫자; `carrier` SKT, KT, LGT or *_MVNO. Nothing sent is stored."
        )
    )
    def request_identity_sms(
        self, info: Info, name: str, identity_no: str, carrier: str, phone: str
    ) -> RequestIdentitySmsPayload:
        return as_signed_in_user(
            info,
            lambda user: RequestIdentitySmsSuccess(
                sms=IdentitySmsType.from_model(
                    identity_sms_request(
                        user=user, name=name, identity_no=identity_no, carrier=carrier, phone=phone
                    )
                )
            ),
            field_names={"identity_no": "identityNo"},
        )
