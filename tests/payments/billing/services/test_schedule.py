"""The renewal scheduler (`subscriptions_enqueue_due`) and one renewal (`subscription_renew`): each due
subscription enqueued once while its task waits (also over ticks, and with two schedulers at once), the
queue bounded, a lost message enqueued again once its mark lapses, and counts that say what was charged.
Without Redis the tasks run inline."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from payments.billing.models import Subscription, SubscriptionCharge
from payments.billing.services import subscription_renew, subscriptions_charge_due, subscriptions_enqueue_due
from payments.billing.services.ceilings import redis_client
from payments.billing.services.schedule import QUEUED_KEY
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db

# A renewal charged end to end and committed, with the tasks its commits enqueue run inline as tests run
# them (the event dispatch, the cash receipt's reconciliation): 7 more when the period was settled twice;
# two of them are the statement rollups' sale booking and the period order's seller-list row.
RENEWAL_STATEMENTS = {"postgresql": 85, "sqlite": 83}

needs_redis = pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")


class Queue:
    """An `enqueue` that only records (the broker), and runs what it recorded on demand (the workers)."""

    def __init__(self, gateway):
        self.gateway, self.messages = gateway, []

    def __call__(self, subscription_pk, queued):
        self.messages.append((subscription_pk, queued))

    def work(self) -> list[str]:
        messages, self.messages = self.messages, []
        return [
            subscription_renew(subscription_pk=pk, queued=queued, gateway=self.gateway)
            for pk, queued in messages
        ]


@pytest.fixture
def due(buyer, subscribe):
    """`due(n)`: n subscriptions whose renewal is due now (period 1 paid at subscribe)."""

    def make(n: int) -> list[Subscription]:
        subscriptions = [subscribe(buyer) for _ in range(n)]
        Subscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(
            next_charge_at=timezone.now() - timedelta(minutes=1)
        )
        return subscriptions

    return make


def _renewals_paid(subscriptions) -> int:
    return SubscriptionCharge.objects.filter(subscription__in=subscriptions, period=2, state="paid").count()


@needs_redis
def test_each_due_subscription_is_enqueued_once_however_many_ticks_while_its_task_waits(
    buyer, subscribe, due, fake_bootpay
):
    subscriptions = due(3)
    subscribe(buyer)  # not due: a month away
    queue = Queue(fake_bootpay)

    assert subscriptions_enqueue_due(enqueue=queue) == 3
    assert sorted(pk for pk, _ in queue.messages) == sorted(s.pk for s in subscriptions)
    assert subscriptions_enqueue_due(enqueue=queue) == 0  # the next ticks, the tasks still queued
    assert subscriptions_enqueue_due(enqueue=queue) == 0
    assert len(queue.messages) == 3

    assert queue.work() == ["charged"] * 3
    assert subscriptions_enqueue_due(enqueue=queue) == 0  # charged: no longer due
    assert _renewals_paid(subscriptions) == 3
    assert fake_bootpay.calls.count("charge_billing_key") == 4 + 3  # 4 first periods, 3 renewals once each
    assert redis_client(django_settings.REDIS_URL).zcard(QUEUED_KEY) == 0  # each task cleared its mark


@needs_redis
def test_the_queue_holds_at_most_its_maximum_so_a_backlog_does_not_grow_with_the_ticks(
    due, fake_bootpay, settings
):
    settings.BILLING_RENEWAL_QUEUE_MAX = 2
    subscriptions = due(5)
    queue = Queue(fake_bootpay)

    assert [subscriptions_enqueue_due(enqueue=queue) for _ in range(4)] == [2, 0, 0, 0]
    assert queue.work() == ["charged", "charged"]
    assert [subscriptions_enqueue_due(enqueue=queue) for _ in range(3)] == [2, 0, 0]
    assert queue.work() == ["charged", "charged"]
    assert subscriptions_enqueue_due(enqueue=queue) == 1
    assert queue.work() == ["charged"]

    assert _renewals_paid(subscriptions) == 5


@needs_redis
def test_a_renewal_whose_message_was_lost_is_enqueued_again_once_its_mark_lapses(due, fake_bootpay):
    [subscription] = due(1)
    queue = Queue(fake_bootpay)
    assert subscriptions_enqueue_due(enqueue=queue) == 1
    queue.messages.clear()  # the broker lost it
    assert subscriptions_enqueue_due(enqueue=queue) == 0

    redis_client(django_settings.REDIS_URL).zadd(QUEUED_KEY, {str(subscription.pk): 1}, xx=True)  # lapsed

    assert subscriptions_enqueue_due(enqueue=queue) == 1
    assert queue.work() == ["charged"]


@needs_redis
def test_a_task_of_an_earlier_mark_leaves_the_later_mark_alone(due, fake_bootpay):
    [subscription] = due(1)
    queue = Queue(fake_bootpay)
    subscriptions_enqueue_due(enqueue=queue)
    [(pk, first_mark)] = queue.messages
    client = redis_client(django_settings.REDIS_URL)
    client.zadd(QUEUED_KEY, {str(pk): first_mark + 5000})  # lapsed and enqueued again meanwhile

    assert subscription_renew(subscription_pk=pk, queued=first_mark, gateway=fake_bootpay) == "charged"

    assert client.zscore(QUEUED_KEY, str(pk)) == first_mark + 5000  # the waiting task's mark stays


@needs_redis
def test_a_renewal_the_broker_refused_is_unmarked_for_the_next_tick(due, fake_bootpay):
    due(1)

    def broker_down(subscription_pk, queued):
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        subscriptions_enqueue_due(enqueue=broker_down)

    assert subscriptions_enqueue_due(enqueue=Queue(fake_bootpay)) == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@needs_redis
def test_four_schedulers_at_once_enqueue_each_due_subscription_once(due, fake_bootpay):
    subscriptions = due(12)
    queues = [Queue(fake_bootpay) for _ in range(4)]

    results, refusals = run_at_once(*[lambda q=q: subscriptions_enqueue_due(enqueue=q) for q in queues])

    assert refusals == [] and sum(results) == 12
    enqueued = sorted(pk for q in queues for pk, _ in q.messages)
    assert enqueued == sorted(s.pk for s in subscriptions)


def test_without_redis_the_beat_task_charges_inline_and_counts_what_it_enqueued(due, fake_bootpay, settings):
    from payments.billing.tasks import charge_due_subscriptions

    settings.REDIS_URL = ""  # the quickstart: no broker, tasks inline, ceilings within the process
    subscriptions = due(2)

    assert charge_due_subscriptions.delay().get() == 2
    assert charge_due_subscriptions.delay().get() == 0

    assert _renewals_paid(subscriptions) == 2


def test_one_renewal_says_what_it_did(buyer, subscribe, due, fake_bootpay):
    [charged, declined, cancelled] = due(3)
    later = subscribe(buyer)
    Subscription.objects.filter(pk=cancelled.pk).update(status="cancelled")
    fake_bootpay.fault("charge_billing_key", "RC_CARD_DECLINED")

    def renew(subscription):
        return subscription_renew(subscription_pk=subscription.pk, gateway=fake_bootpay)

    assert renew(declined) == "declined"
    assert renew(charged) == "charged"
    assert renew(charged) == "not_due"  # its next period is a month away
    assert renew(later) == "not_due"
    assert renew(cancelled) == "cancelled"


def test_the_serial_charger_counts_per_outcome(due, fake_bootpay):
    due(2)
    fake_bootpay.fault("charge_billing_key", "timeout")

    assert subscriptions_charge_due(gateway=fake_bootpay) == {"charged": 1, "unknown": 1}
    # The unknown one is looked at again (its grace runs), never sent again by itself.
    assert subscriptions_charge_due(gateway=fake_bootpay) == {"outcome_unknown": 1}
    assert fake_bootpay.calls.count("charge_billing_key") == 2 + 2


@pytest.mark.django_db(transaction=True)  # committed as in production: the booking's hook runs
def test_a_renewal_takes_a_bounded_number_of_statements(due, fake_bootpay, django_assert_max_num_queries):
    from django.db import connection

    """The claim, the booking through the money core and the period's advance: the booking's own hook
    settles the period, and the charge path does not settle it a second time."""
    [subscription] = due(1)

    with django_assert_max_num_queries(RENEWAL_STATEMENTS[connection.vendor]):
        assert subscription_renew(subscription_pk=subscription.pk, gateway=fake_bootpay) == "charged"
