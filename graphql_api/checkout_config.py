"""GraphQL `checkoutConfig`: the public values the checkout needs (REST: GET /api/v1/checkout/config/)."""

from __future__ import annotations

import strawberry

from payments.selectors import CheckoutConfig


@strawberry.type(name="RefundBank", description="A bank a deposited virtual account can be refunded to.")
class RefundBankType:
    code: str = strawberry.field(description="Three-digit bank code, sent as the refund's bankCode.")
    name: str = strawberry.field(description="The bank's Korean name, e.g. KB국민은행.")


@strawberry.type(
    name="RefundAccountRule",
    description=(
        "A refund account number is its digits only (hyphens and spaces are dropped), minDigits to maxDigits "
        "of them; the holder's name 1 to holderMaxLength characters."
    ),
)
class RefundAccountRuleType:
    min_digits: int
    max_digits: int
    holder_max_length: int


@strawberry.type(name="CheckoutConfig", description="Public values for opening Bootpay's payment window.")
class CheckoutConfigType:
    web_application_id: str = strawberry.field(description="Bootpay's Web application id.")
    android_application_id: str
    ios_application_id: str
    widget_key: str
    mode: str = strawberry.field(description="production, development or sandbox (our local emulator).")
    separately_confirmed: bool = strawberry.field(
        description="Render the widget with extra.separately_confirmed: the server approves each payment."
    )
    refund_banks: list[RefundBankType] = strawberry.field(
        description=(
            "The banks a deposited virtual account can be refunded to (cancelPayment's refund.bankCode is "
            "one of these codes), in the order to offer them."
        )
    )
    refund_account_rule: RefundAccountRuleType

    @classmethod
    def of(cls, config: CheckoutConfig) -> CheckoutConfigType:
        return cls(
            web_application_id=config.web_application_id,
            android_application_id=config.android_application_id,
            ios_application_id=config.ios_application_id,
            widget_key=config.widget_key,
            mode=config.mode,
            separately_confirmed=config.separately_confirmed,
            refund_banks=[RefundBankType(code=bank.code, name=bank.name) for bank in config.refund_banks],
            refund_account_rule=RefundAccountRuleType(**vars(config.refund_account_rule)),
        )
