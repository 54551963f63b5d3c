"""What the statements are served from (docs/statements.md, "Rollups"): the bookings ledger and the
per-seller, per-KST-day rollups it is folded into.

A `StatementBooking` is what one sale (a payment, per seller) or one refund (a cancellation, per seller)
contributes to a seller's day. It is written by the receivers in the money transaction itself (so it
commits or rolls back with the payment or the cancellation), insert-only, unique per
(kind, source, seller, revision): a repeated signal books nothing twice. A correction (`services.rebook`)
never rewrites a row: it appends the difference as further revisions. Rows not yet `folded` are the
deltas: the fold task adds them to their `SellerDayRollup` and marks them folded in one statement, and a
statement reads rollups plus the rows still unfolded in one query, so it is exact at every moment.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Seller


class StatementBooking(models.Model):
    class Kind(models.TextChoices):
        SALE = "sale"  # source: the payment's pk
        REFUND = "refund"  # source: the cancellation's pk

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    source_id = models.BigIntegerField(_("source"), help_text="The payment (sale) or cancellation (refund).")
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller"))
    # 0: the booking made with the money; 1, 2, …: corrections appended by a rebook.
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    day = models.DateField(_("day"), help_text="The KST day it is booked on.")
    count = models.SmallIntegerField(_("count"))  # +1 a booking, -1 its reversal
    taxable = models.BigIntegerField(_("taxable"))
    tax_free = models.BigIntegerField(_("tax-free"))
    folded = models.BooleanField(_("folded"), default=False)

    class Meta:
        verbose_name = _("statement booking")
        verbose_name_plural = _("statement bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id", "seller", "revision"], name="statement_booking_once"
            ),
        ]
        # The deltas: a seller's (or, scanned whole, every seller's) unfolded rows of a period. Small:
        # the fold empties it every STATEMENT_FOLD_INTERVAL_S.
        indexes = [
            models.Index(
                fields=["seller", "day"], condition=Q(folded=False), name="statement_booking_unfolded_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id}/{self.seller_id} r{self.revision} {self.day}"


class SellerDayRollup(models.Model):
    """A seller's sales and refunds of one KST day, as folded so far (counts and won, signed)."""

    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller"))
    day = models.DateField(_("day"))
    sales_count = models.BigIntegerField(_("sales count"), default=0)
    sales_taxable = models.BigIntegerField(_("taxable sales"), default=0)
    sales_tax_free = models.BigIntegerField(_("tax-free sales"), default=0)
    refunds_count = models.BigIntegerField(_("refunds count"), default=0)
    refunds_taxable = models.BigIntegerField(_("taxable refunds"), default=0)
    refunds_tax_free = models.BigIntegerField(_("tax-free refunds"), default=0)

    class Meta:
        verbose_name = _("seller day rollup")
        verbose_name_plural = _("seller day rollups")
        constraints = [
            # Also a seller's statement's index: its rows of the period, nobody else's.
            models.UniqueConstraint(fields=["seller", "day"], name="statement_rollup_seller_day"),
        ]
        indexes = [models.Index(fields=["day"], name="statement_rollup_day_idx")]  # staff: every seller

    def __str__(self) -> str:
        return f"{self.seller_id} {self.day}"
