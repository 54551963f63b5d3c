"""No Bootpay key, card number, billing key or refund account in a log line, through the real code paths.

The gateway logs Bootpay's answers and the cancels it asks for at DEBUG (card data, accounts, tokens):
the raw records do carry the secrets (checked with caplog), the rendered lines must not.
"""

import json
import logging

import pytest

from config.logs import REDACTED, redact, redact_text
from payments.sandbox import SANDBOX_PRIVATE_KEY
from payments.services import payment_cancel, payment_verify

pytestmark = pytest.mark.django_db

ACCOUNT = {"bank_code": "004", "bank_account": "123-456-7890", "bank_username": "홍길동"}


@pytest.fixture
def keys_configured(settings):
    settings.BOOTPAY_PRIVATE_KEY = SANDBOX_PRIVATE_KEY
    settings.BOOTPAY_SECRET_KEY = "sandbox-secret-key"
    settings.SECRET_KEY = "django-secret-key-for-the-redaction-test"


def _raw(caplog) -> str:
    return "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)


@pytest.mark.parametrize("fmt", ["json", "plain"])
def test_a_card_payment_and_a_refund_to_an_account_leave_no_secret_in_the_logs(
    fmt,
    keys_configured,
    log_output,
    caplog,
    buyer,
    make_user,
    make_order,
    pay_at_pg,
    deposited_vbank,
    bootpay,
):
    from payments.gateway import RefundAccount

    caplog.set_level(logging.DEBUG)
    output = log_output(fmt)
    staff = make_user(is_staff=True)

    card_order = make_order()
    card_receipt = bootpay.state.get_receipt(pay_at_pg(card_order))
    card_no = card_receipt["card_data"]["card_no"]
    card_payment = payment_verify(
        order_id=card_order.order_id, receipt_id=card_receipt["receipt_id"], actor=buyer
    )
    vbank = deposited_vbank()
    vbank_account = bootpay.state.get_receipt(vbank.receipt_id)["vbank_data"]["bank_account"]
    payment_cancel(
        payment_pk=vbank.pk,
        actor=staff,
        reason="refund to an account",
        idempotency_key="redaction-1",
        refund=RefundAccount(**ACCOUNT),
    )
    payment_cancel(payment_pk=card_payment.pk, actor=staff, reason="r", idempotency_key="redaction-2")

    raw = _raw(caplog)
    secrets = [card_no, vbank_account, ACCOUNT["bank_account"], SANDBOX_PRIVATE_KEY]
    # The records carried card data and accounts (what the redaction is there for)...
    assert card_no in raw and ACCOUNT["bank_account"].replace("-", "") in raw.replace("-", "")
    text = output()
    assert "bootpay cancel" in text and "bootpay cancel answer" in text and card_payment.receipt_id in text
    # ...the rendered lines carry none of them, nor any key, nor a token.
    for secret in secrets + ["sandbox-secret-key", "django-secret-key-for-the-redaction-test"]:
        assert secret not in text, secret
    if fmt == "json":
        lines = [json.loads(line) for line in text.splitlines()]
        assert {"timestamp", "level", "logger", "message", "request_id"} <= set(lines[0])
        answers = [line for line in lines if line["message"].endswith(" answer")]
        assert answers and all(
            line["answer"].get("card_data", {}).get("card_no", REDACTED) == REDACTED for line in answers
        )


def test_client_key_auth_calls_leave_no_key_in_the_logs(
    settings, log_output, make_gateway, pay_at_pg, make_order
):
    from payments.sandbox import SANDBOX_CLIENT_KEY, SANDBOX_SECRET_KEY

    settings.BOOTPAY_CLIENT_KEY, settings.BOOTPAY_SECRET_KEY = SANDBOX_CLIENT_KEY, SANDBOX_SECRET_KEY
    output = log_output("json")
    gateway = make_gateway(client_key=SANDBOX_CLIENT_KEY, secret_key=SANDBOX_SECRET_KEY)
    receipt = gateway.lookup_receipt(pay_at_pg(make_order()))
    logging.getLogger("payments.test").info(
        "sent with %s", f"Basic {SANDBOX_CLIENT_KEY}:{SANDBOX_SECRET_KEY}"
    )

    text = output()
    assert receipt.receipt_id in text  # the lines are there...
    assert SANDBOX_SECRET_KEY not in text and SANDBOX_CLIENT_KEY not in text  # ...without the keys


def test_an_exception_message_with_an_account_is_redacted_in_the_traceback(log_output):
    output = log_output("json")
    try:
        raise ValueError(
            "refund failed for {'bank_account': '110-123-456789', 'card_no': '4111111111111111'}"
        )
    except ValueError:
        logging.getLogger("payments.services").exception("cancel crashed")
    text = output()
    assert "Traceback" in text and "110-123-456789" not in text and "4111111111111111" not in text


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1111 paid",
        "card 4111-1111-1111-1111 paid",
        "card=5365123456781234",  # Luhn-valid 16 digits? redacted by the key pattern anyway
        "masked 5365-12**-****-3456",
        "private_key=abc123def456",
        '{"secret_key": "s3cr3t-value"}',
        "billing_key: bk_0123456789",
        "Authorization: Basic c2FuZGJveDpzZWNyZXQ=",
        "refund_account='110-222-333333'",
    ],
)
def test_redact_text_removes_card_numbers_keys_and_accounts(text):
    result = redact_text(text, ())
    for secret in (
        "4111",
        "5365",
        "abc123def456",
        "s3cr3t-value",
        "bk_0123456789",
        "c2FuZGJveDpzZWNyZXQ=",
        "333333",
    ):
        assert secret not in result, (text, result)


def test_redact_keeps_what_is_not_secret():
    # Receipt ids, order ids, amounts, timestamps that fail the Luhn check stay readable.
    text = "receipt 62b12f4b6d86b3001a3f1234 order ORD-20240101-0001 amount 15000 at 1700000000000"
    assert redact_text(text, ()) == text
    assert redact({"amount": 15000, "idempotency_key": "k-1", "receipt_id": "abc"}, ()) == {
        "amount": 15000,
        "idempotency_key": "k-1",
        "receipt_id": "abc",
    }
    assert redact({"refund": {"bank_account": "1"}, "nested": [{"card_no": "x"}]}, ()) == {
        "refund": REDACTED,
        "nested": [{"card_no": REDACTED}],
    }


def test_a_multi_word_secret_in_text_is_redacted_whole():
    from config.logs import redact_text

    line = redact_text("refund={'bank_username': '주식회사 마켓', 'password': 'correct horse battery'}")

    assert "마켓" not in line and "horse" not in line, line


def test_refund_accounts_spelled_as_graphql_spells_them_are_redacted():
    from config.logs import redact

    logged = redact(
        {"refundAccount": {"bankCode": "004", "bankAccount": "110123456789", "bankUsername": "홍길동"}}
    )

    assert "110123456789" not in str(logged) and "홍길동" not in str(logged), logged


@pytest.mark.parametrize("card", ["4111  1111  1111  1111", "4111.1111.1111.1111", "4111-1111-1111-1111"])
def test_card_numbers_however_grouped_are_redacted(card):
    from config.logs import redact_text

    assert "1111" not in redact_text(f"card {card} approved")


def test_redact_text_masks_a_billing_key_in_a_bootpay_path():
    from config.logs import redact_text

    line = "GET /v2/subscribe/billing_key/64a1b2c3d4e5f60718293a4b HTTP/1.1 and billing_key/abc'"
    redacted = redact_text(line, secrets=())
    assert "64a1b2c3d4e5f60718293a4b" not in redacted and "abc" not in redacted
    assert redacted.startswith("GET /v2/subscribe/billing_key/[REDACTED] HTTP/1.1")
