"""GraphQL mirrors GET/PATCH /api/v1/notification-preferences/: the same service, the same `code`s."""

import pytest

from payments.events.models import NotificationPreference

pytestmark = pytest.mark.django_db

READ = "{ myNotificationPreferences { language emailOptOut alimtalkOptOut phoneMasked alwaysSent } }"
UPDATE = """mutation($language: String, $email: Boolean, $phone: String) {
  updateNotificationPreferences(language: $language, emailOptOut: $email, phone: $phone) {
    __typename
    ... on UpdateNotificationPreferencesSuccess {
      notificationPreferences { language emailOptOut phoneMasked } }
    ... on InputError { code fields { field } }
    ... on Error { code } } }"""


def test_the_caller_reads_and_changes_its_own_preferences(gql_for, buyer):
    client = gql_for(buyer)

    assert client(READ)["myNotificationPreferences"] == {
        "language": "ko",
        "emailOptOut": False,
        "alimtalkOptOut": False,
        "phoneMasked": None,
        "alwaysSent": ["subscription.price_change_pending", "subscription.upcoming_charge"],
    }
    changed = client(UPDATE, {"language": "en", "email": True, "phone": "010 1234 5678"})

    assert changed["updateNotificationPreferences"] == {
        "__typename": "UpdateNotificationPreferencesSuccess",
        "notificationPreferences": {"language": "en", "emailOptOut": True, "phoneMasked": "010-****-5678"},
    }
    saved = NotificationPreference.objects.get(user=buyer)
    assert (saved.language, saved.email_opt_out, saved.phone) == ("en", True, "01012345678")


@pytest.mark.parametrize(
    "variables, field", [({"language": "fr"}, "language"), ({"phone": "02-123"}, "phone")]
)
def test_bad_preferences_are_input_errors_naming_the_argument(gql_for, buyer, variables, field):
    answer = gql_for(buyer)(UPDATE, variables)["updateNotificationPreferences"]

    assert answer == {"__typename": "InputError", "code": "validation_error", "fields": [{"field": field}]}
    assert not NotificationPreference.objects.exists()


def test_an_anonymous_caller_is_not_authenticated(gql_for):
    answer = gql_for(None)(UPDATE, {"email": True})["updateNotificationPreferences"]

    assert answer == {"__typename": "OperationError", "code": "not_authenticated"}
