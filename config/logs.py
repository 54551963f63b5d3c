"""Log lines: one JSON object per line (or a plain line for local development), every one redacted.

Every record of every library (Django, gunicorn, Celery, ours) goes through the stdlib root handler
configured by `logging_config()` (settings.LOGGING, config/gunicorn.conf.py), whose structlog
`ProcessorFormatter` renders it with:

    timestamp (ISO 8601, UTC), level, logger, message, request_id, trace_id and span_id (inside a span,
    when tracing is on: config/observability/tracing.py), the record's `extra` fields,
    exception (the traceback, when there is one)

`LOG_FORMAT=json` (the default outside local/dev/test) or `plain` (`<timestamp> LEVEL logger message
key=value…`, the default in local/dev/test). Code logs with the stdlib (`logging.getLogger(__name__)`,
structured fields in `extra=`) or `structlog.get_logger()`: both end up here.

Redaction (`redact`) runs last, on the message, every field and the traceback: values under a sensitive
key (Bootpay keys, tokens, passwords, card numbers, billing keys, refund accounts) become `[REDACTED]`;
in any text, `key=value`/`"key": "value"` pairs of those keys, `Basic …`/`Bearer …` credentials, the
configured secrets themselves (Bootpay private/secret key, SECRET_KEY) and card-number-like digit runs
(13–19 digits passing the Luhn check, or masked ones such as `5365-12**-****-3456`) are replaced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import structlog

REDACTED = "[REDACTED]"
CARD_REDACTED = "[CARD]"

# Field names whose value is never logged (compared lower-case; a name containing one of the
# `_SENSITIVE_PARTS` counts too: `bootpay_private_key`, `refund_bank_account`…).
_SENSITIVE_NAMES = frozenset(
    {"refund", "refund_account", "token", "cookie", "set-cookie", "authorization", "cvc", "cvv", "card_pw"}
)
_SENSITIVE_PARTS = (
    "private_key",
    "secret_key",
    "client_key",
    "secret",
    "password",
    "passwd",
    "access_token",
    "billing_key",
    "card_no",
    "card_number",
    "card_num",
    "bank_account",
    "account_number",
    "bank_username",
    "authorization",
    "sessionid",
    "csrftoken",
    # Personal identifiers: a cash receipt's number, an identity verification's result (issue 21).
    "cash_receipt_no",
    "identity_no",
    "identifier",
    "authenticate_data",
    "birth",
    "phone",
    "unique",
    "otp",
)
# Names are compared without case, `_` or `-`: `bank_account`, `bankAccount` and `Bank-Account` are one.
_SENSITIVE_COMPACT = tuple(part.replace("_", "") for part in _SENSITIVE_PARTS)
_SENSITIVE_NAMES_COMPACT = frozenset(name.replace("_", "").replace("-", "") for name in _SENSITIVE_NAMES)
_KEY_ALTERNATIVES = "|".join(
    re.escape(part).replace("_", "[_-]?") for part in (*_SENSITIVE_PARTS, "refund_account")
)
# `private_key=abc`, `'bank_account': '1234'`, `"cardNo":"5365…"` inside free text (a dict's repr, a
# query string, an exception message). A quoted value is replaced whole, spaces and all.
_KEY_VALUE_IN_TEXT = re.compile(
    rf"""(?ix)
    (["']?[\w-]*(?:{_KEY_ALTERNATIVES})[\w-]*["']?\s*[:=]\s*)   # the key and its separator
    (?:
        (?P<quote>["'])(?P<quoted>.*?)(?P=quote)                 # a quoted value
      | (?P<bare>[^"'\s,;&}}\]]+)                                 # or a bare one
    )
    """
)
# Bootpay's billing paths carry the billing key (`billing_key/{key}`, `subscribe/billing_key/{key}`): in a
# URL, a request line or an exception message, the segment after `billing_key/` is masked.
KEY_IN_PATH = re.compile(r"(billing_key/)[^/?#\s'\"]+")
_CREDENTIAL_IN_TEXT = re.compile(r"(?i)\b(Basic|Bearer|Token)\s+[A-Za-z0-9+/=._~-]{8,}")
# 13–19 digits, optionally in groups split by spaces, dashes or dots; masked digits (`*`) allowed.
_CARD_LIKE = re.compile(r"(?<![\w*])(?:[\d*][ .-]{0,2}){12,18}[\d*](?![\w*])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_replacement(match: re.Match[str]) -> str:
    text = match.group(0)
    compact = re.sub(r"[ .-]", "", text)
    if not 13 <= len(compact) <= 19:
        return text
    digits = compact.replace("*", "")
    if "*" in compact:  # a masked card number still tells which card: at least 6 digits and a mask
        return CARD_REDACTED if len(digits) >= 6 and compact[0].isdigit() else text
    return CARD_REDACTED if _luhn_ok(digits) else text


def _known_secrets() -> tuple[str, ...]:
    """The configured secret values (read from settings on each call: tests override them)."""
    from django.conf import settings

    if not settings.configured:
        return ()
    values = (
        getattr(settings, name, "")
        for name in ("BOOTPAY_PRIVATE_KEY", "BOOTPAY_SECRET_KEY", "BOOTPAY_CLIENT_KEY", "SECRET_KEY")
    )
    # Longest first, so a key containing another is replaced whole; short values would hit common words.
    return tuple(sorted({v for v in values if isinstance(v, str) and len(v) >= 8}, key=len, reverse=True))


def is_sensitive_key(key: Any) -> bool:
    name = re.sub(r"[_-]", "", str(key).lower())
    return name in _SENSITIVE_NAMES_COMPACT or any(part in name for part in _SENSITIVE_COMPACT)


def redact_text(text: str, secrets: tuple[str, ...] | None = None) -> str:
    for secret in _known_secrets() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = KEY_IN_PATH.sub(rf"\1{REDACTED}", text)
    text = _CREDENTIAL_IN_TEXT.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _KEY_VALUE_IN_TEXT.sub(
        lambda m: (
            f"{m.group(1)}{m['quote']}{REDACTED}{m['quote']}" if m["quote"] else f"{m.group(1)}{REDACTED}"
        ),
        text,
    )
    return _CARD_LIKE.sub(_card_replacement, text)


def redact(value: Any, secrets: tuple[str, ...] | None = None, _depth: int = 0) -> Any:
    """`value` with every sensitive part replaced (dicts, lists and tuples walked; other objects as text)."""
    if secrets is None:
        secrets = _known_secrets()
    if _depth > 20:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, bool | int | float) or value is None:
        if isinstance(value, int) and not isinstance(value, bool) and 13 <= len(str(abs(value))) <= 19:
            return redact_text(str(value), secrets) if _luhn_ok(str(abs(value))) else value
        return value
    if isinstance(value, Mapping):
        return {
            key: REDACTED if is_sensitive_key(key) else redact(item, secrets, _depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item, secrets, _depth + 1) for item in value]
    return redact_text(str(value), secrets)


# --- structlog processors ----------------------------------------------------------------------------


def add_request_id(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    from config.request_id import current_request_id

    if event.get("request_id") is None:
        event["request_id"] = current_request_id()
    return event


def add_trace_ids(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """`trace_id` and `span_id` of the active span, when tracing is on (config/observability/tracing.py)."""
    from config.observability.tracing import current_trace_ids

    if ids := current_trace_ids():
        event.setdefault("trace_id", ids[0])
        event.setdefault("span_id", ids[1])
    return event


def add_timestamp(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    record = event.get("_record")
    moment = datetime.fromtimestamp(record.created, UTC) if record is not None else datetime.now(UTC)
    event.setdefault("timestamp", moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    return event


def tidy_django_fields(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Django's `request` extra (an HttpRequest) as method and path; gunicorn's access atoms as fields."""
    request = event.pop("request", None)
    if request is not None and hasattr(request, "method"):
        event.setdefault("method", request.method)
        event.setdefault("path", getattr(request, "path", None))
    args = event.pop("positional_args", None)  # the record's args (pass_foreign_args), used only here
    record = event.get("_record")
    if record is not None and record.name == "gunicorn.access" and isinstance(args, Mapping):
        atoms = args
        event.update(
            method=atoms.get("m"),
            path=atoms.get("U"),  # without the query string, which may carry anything
            status=_int_or_none(atoms.get("s")),
            bytes=_int_or_none(atoms.get("B")),
            duration_ms=_int_or_none(atoms.get("M")),
            remote_addr=atoms.get("h"),
            user_agent=atoms.get("a"),
        )
        request_id = atoms.get("{x-request-id}o")
        if request_id and request_id != "-":
            event["request_id"] = request_id
        event["event"] = f"{event['method']} {event['path']} {atoms.get('s')}"
    return event


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


_FIRST_KEYS = ("timestamp", "level", "logger", "message", "request_id", "trace_id", "span_id")


def redact_event(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Every field redacted; the common ones first, so lines read alike."""
    secrets = _known_secrets()
    ordered = {key: event[key] for key in _FIRST_KEYS if key in event}
    ordered.update(event)
    return {
        key: (REDACTED if is_sensitive_key(key) else redact(value, secrets)) for key, value in ordered.items()
    }


_PLAIN_FIRST = ("timestamp", "level", "logger", "message", "exception")


def render_plain(_logger: Any, _method: str, event: dict[str, Any]) -> str:
    """`<timestamp> LEVEL logger message key=value…`, the traceback on the following lines."""
    line = f"{event.get('timestamp')} {str(event.get('level', '')).upper()} {event.get('logger')} "
    line += str(event.get("message", ""))
    line += "".join(
        f" {key}={value}" for key, value in event.items() if key not in _PLAIN_FIRST and value is not None
    )
    if event.get("exception"):
        line += "\n" + str(event["exception"])
    return line


def _shared_processors() -> list[Any]:
    return [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        tidy_django_fields,
        add_request_id,
        add_trace_ids,
        add_timestamp,
    ]


def formatter(fmt: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The one formatter (dictConfig factory: `{"()": "config.logs.formatter", "fmt": "json"}`)."""
    if fmt not in {"json", "plain"}:
        raise ValueError(f"LOG_FORMAT must be json or plain, not {fmt!r}")
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False, default=str) if fmt == "json" else render_plain
    )
    _configure_structlog()
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        pass_foreign_args=True,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            redact_event,
            renderer,
        ],
    )


def _configure_structlog() -> None:
    """`structlog.get_logger()` loggers hand their events to the stdlib handler (so to `formatter`)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(*, fmt: str, level: str, extra_loggers: Mapping[str, dict] | None = None) -> dict:
    """A dictConfig: one console handler on the root logger, every other logger propagating to it.

    Django's defaults (applied before this) give "django" a second console handler in DEBUG while it
    still propagates to root (each django.request line printed twice), and "django.server" a handler of
    its own without propagation; naming both here with no handlers removes those.
    """
    loggers: dict[str, dict] = {
        "django": {"handlers": [], "level": level, "propagate": True},
        "django.server": {"handlers": [], "level": level, "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # urllib3 would log each Bootpay URL at DEBUG; nothing secret, but noise.
        "urllib3": {"level": "WARNING"},
    }
    loggers.update(extra_loggers or {})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": "config.logs.formatter", "fmt": fmt}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers,
    }
