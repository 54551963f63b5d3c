"""An endpoint is sent to only while its owner holds the role it was created with: active staff for a
staff endpoint, the seller's own active user for a seller's. Else it is disabled, staff told once."""

from __future__ import annotations

import pytest

from config.errors import DomainError
from payments.events.models import WebhookEndpoint, WebhookEndpointDelivery
from payments.events.services.partner_webhooks import webhook_endpoint_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admins(settings):
    settings.ADMINS = [("Ops", "ops@example.com")]


@pytest.mark.parametrize("change", [{"is_staff": False}, {"is_active": False}])
def test_a_staff_endpoint_whose_owner_left_staff_gets_nothing_and_is_disabled_once(
    change, make_user, endpoint_for, emit, make_order, mailoutbox
):
    # Given a staff endpoint, then its owner demoted or deactivated
    owner = make_user("contractor", is_staff=True)
    endpoint, partner = endpoint_for(owner)
    for field, value in change.items():
        setattr(owner, field, value)
    owner.save()

    # When events happen, staff-only ones included
    order = make_order()
    emit(order, type="pg_outcome.open", data={"kind": "refund", "reference": "r", "order_id": order.order_id})
    emit(order)

    # Then nothing is created or sent; it is disabled with a reason, and staff got one mail
    assert partner.requests == []
    assert not WebhookEndpointDelivery.objects.filter(endpoint=endpoint).exists()
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "no longer active staff" in endpoint.disabled_reason
    assert len(mailoutbox) == 1 and endpoint.endpoint_id in mailoutbox[0].subject


def test_a_deactivated_sellers_endpoint_gets_nothing(make_seller, endpoint_for, emit, make_order, mailoutbox):
    seller = make_seller()
    endpoint, partner = endpoint_for(seller.user)
    seller.user.is_active = False
    seller.user.save()

    order = make_order()
    order.items.update(seller=seller)
    emit(order)

    assert partner.requests == []
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "the seller's active user" in endpoint.disabled_reason
    assert len(mailoutbox) == 1


def test_a_sellers_endpoint_whose_owner_is_no_longer_the_sellers_user_gets_nothing(
    make_seller, make_user, endpoint_for, emit, make_order
):
    seller = make_seller()
    endpoint, partner = endpoint_for(seller.user)
    seller.user = make_user("new-owner")
    seller.save()

    order = make_order()
    order.items.update(seller=seller)
    emit(order)

    assert partner.requests == []
    assert not WebhookEndpoint.objects.get(pk=endpoint.pk).enabled


def test_a_delivery_waiting_when_the_owner_is_demoted_is_held_not_sent(
    make_user, endpoint_for, emit, later, make_order, mailoutbox
):
    # Given a staff endpoint whose first attempt failed (its retry waits)
    owner = make_user("ops2", is_staff=True)
    endpoint, partner = endpoint_for(owner, plan=["500"])
    emit(make_order())
    assert len(partner.requests) == 1

    # When its owner is demoted and the retry falls due
    owner.is_staff = False
    owner.save()
    later()
    later()

    # Then it is not sent again nor counted: held behind the endpoint, now disabled (one mail)
    assert len(partner.requests) == 1
    delivery = WebhookEndpointDelivery.objects.get(endpoint=endpoint)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    endpoint.refresh_from_db()
    assert not endpoint.enabled and len(mailoutbox) == 1

    # And it cannot be enabled again until the owner is staff again; then the held delivery goes
    with pytest.raises(DomainError) as refused:
        webhook_endpoint_update(endpoint=endpoint, actor=make_user("boss", is_staff=True), enabled=True)
    assert "enabled" in refused.value.details["fields"]
    owner.is_staff = True
    owner.save()
    webhook_endpoint_update(endpoint=endpoint, actor=owner, enabled=True)
    later()
    assert len(partner.accepted) == 1


def test_an_entitled_owner_keeps_receiving(staff, make_seller, endpoint_for, emit, make_order, mailoutbox):
    seller = make_seller()
    staff_endpoint, staff_partner = endpoint_for(staff)
    seller_endpoint, seller_partner = endpoint_for(seller.user)

    order = make_order()
    order.items.update(seller=seller)
    emit(order)

    assert len(staff_partner.accepted) == 1 and len(seller_partner.accepted) == 1
    assert WebhookEndpoint.objects.filter(enabled=True).count() == 2 and mailoutbox == []
