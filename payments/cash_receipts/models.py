"""Cash receipts' records (docs/cash-receipts.md): the buyer's choice per order, and one ledger row per
cash receipt we asked Bootpay for.

`CashReceiptRequest` is what the order shows (`cash_receipt`): the type and masked identifier the receipt
is (to be) issued to, and a summary of the live receipt kept by the services from the ledger, so an order
is shown without reading the ledger. `CashReceiptIssuance` is one receipt at Bootpay, through its states:

    requested ──(Bootpay issued)──▶ issued ──▶ cancel_requested ──(Bootpay cancelled)──▶ cancelled
        │  └─(refused)──▶ failed                        └─(refused)──▶ cancel_failed
        └─(no answer: stays requested, the lease lapses, a retry asks again the idempotent way)

A row is saved (`requested` / `cancel_requested`) before Bootpay hears of it and claimed through
`attempt_started_at` (a lease) by whoever talks to Bootpay, like the core's `Cancellation`. The database
keeps at most one live row (requested, issued, cancel_requested) per order. Identifiers are stored only
encrypted (`config.crypto`, the Fernet keys billing keys use too); no field shows them but the mask.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.crypto import secret_decrypt, secret_encrypt
from orders.models import Order
from payments.models import Payment


class CashReceiptType(models.TextChoices):
    INCOME_DEDUCTION = "income_deduction"  # 소득공제용
    EXPENSE_PROOF = "expense_proof"  # 지출증빙용
    NONE = "none"


def identifier_encrypt(plain: str) -> str:
    return secret_encrypt(plain) if plain else ""


def identifier_decrypt(token: str) -> str:
    return secret_decrypt(token) if token else ""


class CashReceiptRequest(models.Model):
    """What the order's cash receipt is issued to, and what the buyer sees of it."""

    class Source(models.TextChoices):
        CHECKOUT = "checkout"  # chosen with the order
        AFTER_PAYMENT = "after_payment"  # asked for (or changed) once paid
        SELF_ISSUED = "self_issued"  # 자진발급: nobody asked, the sale is ≥ 100,000 won
        PG = "pg"  # the PG's own window issued it: the number it went to is not ours to know

    class Shown(models.TextChoices):
        PENDING = "pending"  # to be issued: money not received yet, or Bootpay not answered yet
        ISSUED = "issued"
        FAILED = "failed"  # Bootpay refused; staff retry from the admin
        CANCELLED = "cancelled"  # the money was refunded (or the request withdrawn): nothing is issued
        NOT_APPLICABLE = "not_applicable"  # paid by a method that is not cash (card, phone…)

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="cash_receipt_request", verbose_name=_("order")
    )
    type = models.CharField(_("receipt type"), max_length=20, choices=CashReceiptType.choices)
    identifier_encrypted = models.TextField(
        _("encrypted identifier"), blank=True, editable=False, help_text="Fernet token."
    )
    identifier_masked = models.CharField(_("identifier (masked)"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # The summary shown with the order, written by the services with each ledger change.
    status = models.CharField(_("status"), max_length=16, choices=Shown.choices, default=Shown.PENDING)
    approval_no = models.CharField(_("approval number"), max_length=64, blank=True)
    amount = models.PositiveBigIntegerField(_("amount"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cash receipt request")
        verbose_name_plural = _("cash receipt requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(type="none") | ~Q(identifier_encrypted="") | Q(source="pg"),
                name="cash_receipt_request_identified",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.identifier_masked} ({self.source})".replace("  ", " ")

    def __repr__(self) -> str:
        return f"<CashReceiptRequest: {self}>"

    @property
    def identifier(self) -> str:
        """The plain identifier, decrypted: for one gateway call or one comparison only."""
        return identifier_decrypt(self.identifier_encrypted)


def new_standalone_order_id(order: Order, number: int) -> str:
    # Our convention (the emulator's control path relies on it): `<order_id>-cr<N>`.
    return f"{order.order_id}-cr{number}"


class CashReceiptIssuance(models.Model):
    """One cash receipt at Bootpay: on the payment's receipt, or stand-alone (별건) for another amount."""

    class Kind(models.TextChoices):
        ON_RECEIPT = "on_receipt"  # publish-on-receipt: the payment's whole amount (or issued by the PG)
        STANDALONE = "standalone"  # its own receipt id, our order id `<order_id>-cr<N>`

    class State(models.TextChoices):
        REQUESTED = "requested"  # saved before the call; outcome unknown until settled
        ISSUED = "issued"
        FAILED = "failed"  # refused (error_code); staff retry
        CANCEL_REQUESTED = "cancel_requested"  # saved before the cancel call; unknown until settled
        CANCELLED = "cancelled"
        CANCEL_FAILED = "cancel_failed"  # the cancel was refused: the receipt may still stand; staff retry

    LIVE_STATES = (State.REQUESTED, State.ISSUED, State.CANCEL_REQUESTED)
    OPEN_STATES = (State.REQUESTED, State.CANCEL_REQUESTED)
    # Standing at Bootpay as far as the ledger knows: issued, and not (yet) cancelled there: a cancel
    # sent and unanswered, or refused (the receipt stays until staff retry). What statements count.
    STANDING_STATES = (State.ISSUED, State.CANCEL_REQUESTED, State.CANCEL_FAILED)

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="cash_receipt_issuances", verbose_name=_("order")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="cash_receipt_issuances", verbose_name=_("payment")
    )
    kind = models.CharField(_("issuance kind"), max_length=16, choices=Kind.choices)
    standalone_order_id = models.CharField(
        _("stand-alone order id"), max_length=64, unique=True, null=True, blank=True
    )
    receipt_id = models.CharField(
        _("receipt id"), max_length=64, blank=True, help_text="Bootpay's id to cancel it by."
    )
    approval_no = models.CharField(
        _("approval number"), max_length=64, blank=True, help_text="Bootpay's cash receipt tid."
    )
    amount = models.PositiveBigIntegerField(_("amount"))
    tax_free = models.PositiveBigIntegerField(_("tax-free amount"), default=0)
    type = models.CharField(_("receipt type"), max_length=20, choices=CashReceiptType.choices)
    identifier_encrypted = models.TextField(
        _("encrypted identifier"), editable=False, help_text="Fernet token of the number."
    )
    identifier_masked = models.CharField(_("identifier (masked)"), max_length=40)
    self_issued = models.BooleanField(
        _("self-issued"), default=False, help_text="자진발급 to the tax office's number."
    )
    issued_by_pg = models.BooleanField(
        _("issued by the PG"), default=False, help_text="Issued by the PG's window, not by us."
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.REQUESTED)
    attempt_started_at = models.DateTimeField(
        _("attempt started at"),
        null=True,
        blank=True,
        help_text="Set while someone is talking to Bootpay about it (a lease).",
    )
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    pg_response = models.JSONField(
        _("PG response"), default=dict, blank=True, help_text="Bootpay's answer, no identifier."
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cash receipt issuance")
        verbose_name_plural = _("cash receipt issuances")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["state", "attempt_started_at"], name="cash_receipt_state_idx"),
            # The statements' cash-receipt columns: standing receipts by the day they were issued.
            models.Index(
                fields=["issued_at"],
                condition=Q(state__in=("issued", "cancel_requested", "cancel_failed")),
                name="cash_receipt_issued_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(state__in=("requested", "issued", "cancel_requested")),
                name="cash_receipt_one_live_per_order",
            ),
            models.CheckConstraint(condition=Q(amount__gte=1), name="cash_receipt_amount_positive"),
            models.CheckConstraint(condition=Q(tax_free__lte=F("amount")), name="cash_receipt_tax_free_lte"),
            models.CheckConstraint(
                condition=Q(kind="on_receipt") | Q(standalone_order_id__isnull=False),
                name="cash_receipt_standalone_has_order_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}₩ {self.identifier_masked} ({self.state})"

    def __repr__(self) -> str:
        return f"<CashReceiptIssuance: {self}>"

    @property
    def identifier(self) -> str:
        return identifier_decrypt(self.identifier_encrypted)
