"""What leaves the process for a trace backend or Sentry, scrubbed: the log redaction (config/logs.py) plus
what only telemetry carries, applied in one place for both (tracing.ScrubbingSpanExporter, sentry.py).

On top of `config.logs.redact`/`redact_text` (sensitive keys, `key=value` pairs of them, credentials,
the configured Bootpay keys and SECRET_KEY, card numbers, billing keys in Bootpay's paths):

- e-mail addresses and Korean mobile numbers are replaced wherever they appear;
- a URL's query string keeps its parameter names, never their values (a search term, a phone number).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from config.logs import REDACTED, is_sensitive_key, redact_text

EMAIL_REDACTED = "[EMAIL]"
PHONE_REDACTED = "[PHONE]"
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Korean mobile numbers (010-1234-5678, 01012345678), the identifier a cash receipt or SMS check uses.
_MOBILE = re.compile(r"(?<![0-9A-Za-z])01[016789][ .-]?\d{3,4}[ .-]?\d{4}(?![0-9A-Za-z])")


def scrub_text(text: str) -> str:
    text = _EMAIL.sub(EMAIL_REDACTED, text)
    text = _MOBILE.sub(PHONE_REDACTED, text)
    return redact_text(text)


def scrub_query(query: str) -> str:
    """`a=1&b=2` → `a=[REDACTED]&b=[REDACTED]`: which parameters were sent, not what they held."""
    if not query:
        return query
    names = [name for name, _ in urllib.parse.parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{scrub_text(name)}={REDACTED}" for name in names) if names else REDACTED


def scrub_url(url: str) -> str:
    """A URL (absolute, or a path with its query) without credentials, query values or billing keys."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return scrub_text(url)
    netloc = parts.netloc.rpartition("@")[2]  # user:password@host → host
    # The query is added after the text rules: they would take `phone=[REDACTED]` for a value to redact.
    base = scrub_text(urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", "")))
    return f"{base}?{scrub_query(parts.query)}" if parts.query else base


def scrub(value: Any, _depth: int = 0) -> Any:
    """`value` scrubbed: mappings by key (a sensitive key's value is replaced whole), then every text."""
    if _depth > 20:
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if is_sensitive_key(key) else scrub(item, _depth + 1) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(scrub(item, _depth + 1) for item in value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 13:
        text = str(value)
        scrubbed = scrub_text(text)  # a card number
        return scrubbed if scrubbed != text else value
    return value
