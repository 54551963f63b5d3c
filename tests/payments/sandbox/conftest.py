"""Fixtures of the emulator tests."""

import pytest

from tests.payments.webhook_receiver import Receiver


@pytest.fixture
def receiver(bootpay):
    """Bootpay's configured webhook URL: what the emulator notifies lands here; the tests hand it to our
    webhook path (`webhook_receive`, `webhook_process`) as Bootpay's POST would."""
    hook = Receiver()
    bootpay.state.webhook_url = hook.url
    yield hook
    bootpay.state.webhook_url = None
    hook.close()
