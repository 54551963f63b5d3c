from typing import Annotated

import strawberry
import strawberry_django
from strawberry import Info

from graphql_api.errors import InputError, OperationError, as_signed_in_user
from graphql_api.notifications import NotificationPreferencesType, request_language
from payments.events.services.notifications import notification_preference_update


@strawberry.type
class UpdateNotificationPreferencesSuccess:
    notification_preferences: NotificationPreferencesType


UpdateNotificationPreferencesPayload = Annotated[
    UpdateNotificationPreferencesSuccess | OperationError | InputError,
    strawberry.union("UpdateNotificationPreferencesPayload"),
]


@strawberry.type
class UpdateNotificationPreferencesMutation:
    @strawberry_django.mutation(
        description=(
            "Change the caller's notification preferences (arguments left out stay as they are). The "
            "opt-outs never stop the legal notices (`alwaysSent`). `phone`: a Korean mobile number for "
            '알림톡/SMS, "" removes it.'
        )
    )
    def update_notification_preferences(
        self,
        info: Info,
        language: str | None = None,
        email_opt_out: bool | None = None,
        alimtalk_opt_out: bool | None = None,
        phone: str | None = None,
    ) -> UpdateNotificationPreferencesPayload:
        return as_signed_in_user(
            info,
            lambda user: UpdateNotificationPreferencesSuccess(
                notification_preferences=NotificationPreferencesType.from_model(
                    notification_preference_update(
                        user=user,
                        default_language=request_language(info),
                        language=language,
                        email_opt_out=email_opt_out,
                        alimtalk_opt_out=alimtalk_opt_out,
                        phone=phone,
                    )
                )
            ),
            field_names={"email_opt_out": "emailOptOut", "alimtalk_opt_out": "alimtalkOptOut"},
        )
