"""GraphQL type of the caller's notification preferences (docs/events.md, "Notifications")."""

from __future__ import annotations

import strawberry
from django.utils.translation import get_language_from_request
from strawberry import Info

from graphql_api.context import current_user
from graphql_api.permissions import signed_in
from payments.events.models import Language, NotificationPreference
from payments.events.services.channels import mask_phone
from payments.events.services.notifications import LEGAL_NOTICES, notification_preference_get


@strawberry.type(name="NotificationPreferences", description="How and in which language notices reach you.")
class NotificationPreferencesType:
    language: str = strawberry.field(description="`ko` (default) or `en`.")
    email_opt_out: bool = strawberry.field(description="No email notices, except the legal ones.")
    alimtalk_opt_out: bool = strawberry.field(description="No 알림톡/SMS notices, except the legal ones.")
    phone_masked: str | None = strawberry.field(description="Where 알림톡/SMS go, masked; null if none.")
    always_sent: list[str] = strawberry.field(description="Legal notices: sent whatever the opt-outs.")

    @classmethod
    def from_model(cls, preference: NotificationPreference) -> NotificationPreferencesType:
        return cls(
            language=preference.language,
            email_opt_out=preference.email_opt_out,
            alimtalk_opt_out=preference.alimtalk_opt_out,
            phone_masked=mask_phone(preference.phone) if preference.phone else None,
            always_sent=sorted(LEGAL_NOTICES),
        )


def request_language(info: Info) -> str:
    accepted = get_language_from_request(info.context.request)
    return Language.EN if accepted.startswith("en") else Language.KO


@strawberry.type
class NotificationQuery:
    @strawberry.field(
        description=(
            "The caller's notification preferences; without saved ones Korean (English under "
            "`Accept-Language: en`) with every channel on."
        ),
        extensions=[signed_in()],  # anonymous: `not_authenticated`, the rule of the caller's own fields
    )
    def my_notification_preferences(self, info: Info) -> NotificationPreferencesType:
        preference = notification_preference_get(
            user=current_user(info), default_language=request_language(info)
        )
        return NotificationPreferencesType.from_model(preference)
