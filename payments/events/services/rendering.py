"""Rendering a notice: the context each event type's templates get, in the recipient's language.

Templates live in `templates/events/notifications/<language>/<type>.{subject.txt,txt,html}` (ko, en).
The HTML is autoescaped (product names are sellers' input); the text parts turn autoescape off and
are plain text. What a context holds is what the event's `data` holds (a snapshot, receivers.py) minus
what must never reach a mail: no billing key, no cash-receipt identifier, no identity result, no
buyer's email or phone (the payloads never carry them), and for a seller only its own lines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from orders.models import Product
from payments.events.models import Event, EventType, Language
from payments.events.selectors import event_data_for
from payments.events.services.channels import RenderedMessage

TEMPLATE_DIR = "events/notifications"


def kst(value: str | None) -> str:
    """An ISO moment from a payload as 'YYYY-MM-DD HH:MM (KST)' (Asia/Seoul, whatever TIME_ZONE says)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment, timezone=_seoul()).strftime("%Y-%m-%d %H:%M (KST)")


def _seoul():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Seoul")


def won(amount: int | None, language: str) -> str:
    if amount is None:
        return ""
    return f"{amount:,}원" if language == Language.KO else f"KRW {amount:,}"


def _items(order: dict[str, Any], language: str, only: set[int] | None = None) -> list[dict[str, Any]]:
    lines = []
    for item in order.get("items", []):
        if only is not None and item.get("item_id") not in only:
            continue
        subtotal = int(item.get("unit_price") or 0) * int(item.get("quantity") or 0)
        lines.append(
            {
                "name": item.get("product_name", ""),
                "quantity": item.get("quantity"),
                "unit_price": won(item.get("unit_price"), language),
                "subtotal": won(subtotal, language),
                "subtotal_value": subtotal,
            }
        )
    return lines


LABELS = {
    Language.KO: {
        "week": "매주",
        "month": "매월",
        "year": "매년",
        "income_deduction": "소득공제용",
        "expense_proof": "지출증빙용",
    },
    Language.EN: {
        "week": "weekly",
        "month": "monthly",
        "year": "yearly",
        "income_deduction": "income deduction",
        "expense_proof": "expense proof",
    },
}


def notice_context(
    event: Event, *, audience: str, seller_pk: int | None, language: str, legal: bool = False
) -> dict[str, Any]:
    """The template context of one notice (pure: reads the event and, for subscriptions, a product name)."""
    seller_view = audience == "seller"
    data = event_data_for(event, seller_pk=seller_pk if seller_view else None)
    context: dict[str, Any] = {
        "type": event.type,
        "audience": audience,
        "seller_view": seller_view,
        "shop_name": settings.SHOP_NAME,
        "shop_url": settings.SHOP_URL,
        "event_id": event.event_id,
        "legal": legal,
        "settings_url": f"{settings.SHOP_URL}/settings/notifications",
    }
    labels = LABELS.get(language, LABELS[Language.KO])
    order = data.get("order") if isinstance(data.get("order"), dict) else None
    if order is not None:
        whole = len((event.data.get("order") or {}).get("items", []))
        context["order_id"] = order.get("order_id", "")
        context["order_name"] = order.get("order_name", "")
        context["items"] = _items(order, language)
        # A seller sees the sum of its own lines; the order's total is the buyer's (other sellers' too).
        own_total = sum(line["subtotal_value"] for line in context["items"])
        context["total"] = won(own_total if seller_view else order.get("total_amount"), language)
        context["paid_at"] = kst(order.get("paid_at"))
        context["whole_order_is_sellers"] = seller_view and len(order.get("items", [])) == whole
    payment = data.get("payment") or {}
    context["payment_amount"] = won(payment.get("amount"), language) if payment else ""
    context["method_name"] = payment.get("method_name", "") if payment else ""
    if account := data.get("virtual_account"):
        context["virtual_account"] = {
            "bank_name": account.get("bank_name", ""),
            "account_number": account.get("account_number", ""),  # needed to pay: the buyer's own
            "holder": account.get("holder", ""),
            "due_at": kst(account.get("due_at")),
        }
    if refund := data.get("refund"):
        ids = set(refund.get("item_ids") or [])
        # Only the lines it names: an amount refund lists none (never a whole line for part of its price).
        context["refund_items"] = _items(order or {}, language, only=ids) if ids else []
        show_amount = not seller_view or context.get("whole_order_is_sellers")
        context["refund_amount"] = won(refund.get("amount"), language) if show_amount else ""
        context["refund_reason"] = refund.get("reason", "")
    if subscription := data.get("subscription"):
        detail = data.get("detail") or {}
        product_name = (
            Product.objects.filter(pk=subscription.get("product_id")).values_list("name", flat=True).first()
        )
        context["subscription"] = {
            "subscription_id": subscription.get("subscription_id", ""),
            "product_name": product_name or "",
            "price": won(subscription.get("price"), language),
            "interval": labels.get(subscription.get("interval", ""), ""),
            "next_charge_at": kst(subscription.get("next_charge_at")),
            "period": detail.get("period"),
            "order_id": detail.get("order_id", ""),
            "amount": won(detail.get("amount"), language) if detail.get("amount") is not None else "",
            "charge_at": kst(detail.get("charge_at")),
            "new_price": won(detail.get("new_price"), language) if detail.get("new_price") else "",
            "effective_at": kst(detail.get("effective_at")),
            "consent_deadline": kst(detail.get("consent_deadline")),
            "consent_url": f"{settings.SHOP_URL}/subscriptions/{subscription.get('subscription_id', '')}",
        }
    if receipt := data.get("cash_receipt"):
        context["order_id"] = data.get("order_id", "")
        context["cash_receipt"] = {  # never the identifier, not even masked
            "type": labels.get(receipt.get("type", ""), ""),
            "approval_no": receipt.get("approval_no", ""),
            "amount": won(receipt.get("amount"), language),
            "issued_at": kst(receipt.get("issued_at")),
            "cancelled_at": kst(receipt.get("cancelled_at")),
        }
    if event.type == EventType.PG_OUTCOME_OPEN:
        context["outcome"] = {
            "kind": data.get("kind", ""),
            "reference": data.get("reference", ""),
            "order_id": data.get("order_id") or "",
            "payment_id": data.get("payment_id") or "",
            "subscription_id": data.get("subscription_id") or "",
            "amount": won(data.get("amount"), language),
            "open_since": kst(data.get("open_since")),
        }
    return context


def notice_render(
    event: Event, *, audience: str, seller_pk: int | None, language: str, legal: bool = False
) -> RenderedMessage:
    language = language if language in Language.values else Language.KO
    context = notice_context(event, audience=audience, seller_pk=seller_pk, language=language, legal=legal)
    base = f"{TEMPLATE_DIR}/{language}/{event.type}"
    with translation.override(language):
        subject = render_to_string(f"{base}.subject.txt", context)
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    # One line: a newline in a header would be refused (and a seller's product name must not inject one).
    subject = " ".join(subject.split())[:200]
    return RenderedMessage(
        template_code=event.type, language=language, subject=subject, text=text.strip() + "\n", html=html
    )
