"""The webhook catalogue in the OpenAPI document: one entry per event type of `catalogue.CATALOGUE`.

The document is OpenAPI 3.0.3, whose root has no `webhooks` (that is 3.1): the entries go under
`x-webhooks` (the same shape, rendered by ReDoc) and each event's body is a component schema
`<Type>Event` (e.g. `OrderPaidEvent`), with the shared snapshots (`OrderSnapshot`, …) beside it. Wired as a
drf-spectacular postprocessing hook (config/settings.py SPECTACULAR_SETTINGS). docs/events.md explains
signatures, retries and ordering.
"""

from __future__ import annotations

from typing import Any

from payments.events.catalogue import CATALOGUE, EventSpec

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time", "nullable": True}


def _object(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "description": description, "properties": properties}


SNAPSHOTS: dict[str, dict[str, Any]] = {
    "OrderSnapshot": _object(
        {
            "order_id": STRING,
            "status": STRING,
            "order_name": STRING,
            "total_amount": {**INTEGER, "nullable": True, "description": "Null for a seller."},
            "tax_free_amount": {**INTEGER, "nullable": True, "description": "Null for a seller."},
            "seller_total": {**INTEGER, "description": "A seller's view only: the sum of its own lines."},
            "currency": STRING,
            "paid_at": DATETIME,
            "buyer_id": {
                **INTEGER,
                "nullable": True,
                "description": "A number, never a name, email or phone; null for a seller.",
            },
            "items": {
                "type": "array",
                "description": "A seller's endpoint gets its own lines only.",
                "items": _object(
                    {
                        "item_id": INTEGER,
                        "product_id": INTEGER,
                        "seller_id": INTEGER,
                        "product_name": STRING,
                        "quantity": INTEGER,
                        "unit_price": INTEGER,
                        "is_tax_free": BOOLEAN,
                        "status": STRING,
                    },
                    "An order line.",
                ),
            },
        },
        "The order when the event happened.",
    ),
    "PaymentSnapshot": _object(
        {
            "payment_id": STRING,
            "receipt_id": STRING,
            "status": STRING,
            "amount": INTEGER,
            "tax_free_amount": INTEGER,
            "cancelled_amount": INTEGER,
            "cancelled_tax_free_amount": INTEGER,
            "method": STRING,
            "method_name": STRING,
            "pg": STRING,
            "purchased_at": DATETIME,
        },
        "The payment when the event happened (null when the order has none yet, and for a seller).",
    ),
    "RefundSnapshot": _object(
        {
            "cancel_id": STRING,
            "state": STRING,
            "amount": {**INTEGER, "description": "For a seller: the sum of its own refunded lines."},
            "tax_free_amount": {**INTEGER, "nullable": True, "description": "Null for a seller."},
            "reason": STRING,
            "item_ids": {"type": "array", "items": INTEGER},
            "shares": {
                "type": "array",
                "description": "Whom it is charged to (a seller: its own share only).",
                "items": _object({"seller_id": INTEGER, "amount": INTEGER}, "One seller's share."),
            },
            "error_code": STRING,
            "requested_at": DATETIME,
            "completed_at": DATETIME,
        },
        "A refund (cancel) of a payment.",
    ),
    "SubscriptionSnapshot": _object(
        {
            "subscription_id": STRING,
            "status": STRING,
            "product_id": INTEGER,
            "interval": STRING,
            "price": INTEGER,
            "tax_free_amount": INTEGER,
            "current_period": INTEGER,
            "current_period_end": DATETIME,
            "next_charge_at": DATETIME,
            "buyer_id": {**INTEGER, "nullable": True, "description": "Null for a seller."},
        },
        "The subscription when the event happened (never its billing key).",
    ),
    "CashReceiptSnapshot": _object(
        {
            "type": STRING,
            "kind": STRING,
            "approval_no": STRING,
            "amount": INTEGER,
            "tax_free_amount": INTEGER,
            "issued_at": DATETIME,
            "cancelled_at": DATETIME,
        },
        "A cash receipt, without whom it was issued to (no identifier, not even masked).",
    ),
}

# What each top-level key of `data` holds; keys not listed are described by docs/events.md.
_DATA_KEYS: dict[str, dict[str, Any]] = {
    "order": {"$ref": "#/components/schemas/OrderSnapshot"},
    "payment": {"allOf": [{"$ref": "#/components/schemas/PaymentSnapshot"}], "nullable": True},
    "refund": {"$ref": "#/components/schemas/RefundSnapshot"},
    "subscription": {"$ref": "#/components/schemas/SubscriptionSnapshot"},
    "cash_receipt": {"$ref": "#/components/schemas/CashReceiptSnapshot"},
    "detail": {"type": "object", "description": "What this subscription event adds (docs/events.md)."},
    "virtual_account": {
        **_object(
            {"bank_name": STRING, "account_number": STRING, "holder": STRING, "due_at": DATETIME},
            "The account to deposit into.",
        ),
        "nullable": True,
    },
    "escrow": {**_object({"courier": STRING, "tracking_number": STRING}, "The shipment."), "nullable": True},
    "error_code": STRING,
    "order_id": {**STRING, "nullable": True},
}

HEADERS = [
    ("webhook-id", "The event id (`evt_…`), the same on every retry and replay: deduplicate on it."),
    ("webhook-timestamp", "Unix seconds when this attempt was signed; reject ones far from now."),
    (
        "webhook-signature",
        "Space-separated `v1,<base64 HMAC-SHA256>` signatures of `{id}.{timestamp}.{body}`: one per "
        "secret in force (two during a rotation window). Verify with a Standard Webhooks library.",
    ),
]


def component_name(spec: EventSpec) -> str:
    return "".join(part.capitalize() for part in str(spec.type).replace(".", "_").split("_")) + "Event"


def event_schema(spec: EventSpec) -> dict[str, Any]:
    data_properties = {key: _DATA_KEYS.get(key, {"description": "See docs/events.md."}) for key in spec.data}
    return {
        "type": "object",
        "description": spec.summary + (" Staff endpoints only." if spec.staff_only else ""),
        "required": ["id", "type", "created_at", "data"],
        "properties": {
            "id": {**STRING, "description": "Stable event id (`evt_…`), also the `webhook-id` header."},
            "type": {"type": "string", "enum": [str(spec.type)]},
            "created_at": {"type": "string", "format": "date-time"},
            "data": {"type": "object", "properties": data_properties},
        },
    }


def webhook_operation(spec: EventSpec) -> dict[str, Any]:
    return {
        "post": {
            "operationId": f"webhook_{str(spec.type).replace('.', '_')}",
            "summary": spec.summary,
            "description": (
                "Sent to partner webhook endpoints (`/api/v1/webhook-endpoints/`) in the Standard Webhooks "
                "format; at least once, in order per order or subscription. "
                + ("Staff endpoints only." if spec.staff_only else "Seller endpoints get their own events.")
            ),
            "tags": ["webhooks"],
            "parameters": [
                {"name": name, "in": "header", "required": True, "schema": STRING, "description": text}
                for name, text in HEADERS
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{component_name(spec)}"}}
                },
            },
            "responses": {
                "2XX": {"description": "Received. Anything else, or no answer in time, is retried."}
            },
        }
    }


def webhooks_postprocess(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the catalogue as `x-webhooks` plus its component schemas."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(SNAPSHOTS)
    for spec in CATALOGUE.values():
        schemas[component_name(spec)] = event_schema(spec)
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    result["x-webhooks"] = {str(spec.type): webhook_operation(spec) for spec in CATALOGUE.values()}
    return result
