"""Every message of an error in the request's language (Accept-Language: ko or en; Korean by default).

Messages are written in English in the code; the Korean ones are in locale/ko/LC_MESSAGES/django.po
(compiled, committed django.mo; `make messages` recompiles it). `config.errors.DEFAULT_MESSAGES` are
lazy translations. A message a service writes itself (`DomainError(code, "Only staff may …")`,
`DomainError.invalid(field, "…")`) is looked up in the catalogue by its English text when the envelope
is rendered (`localize`); one with values in it (`f"at most {n} bytes"`) is matched against the
`TEMPLATES` below and translated with the values put back. tests/config/test_i18n.py checks that every
such message in the code has a Korean translation. `code` never changes with the language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from django.utils.translation import gettext, gettext_noop

# English messages with values in them, as the code writes them (f-strings); `{}` stands for a value.
TEMPLATES: tuple[str, ...] = (
    gettext_noop("a period is at most {} days"),
    gettext_noop("only a failed registration is sent again (this one is {})"),
    gettext_noop("at most {} bytes"),
    gettext_noop("at most {} different products per order"),
    gettext_noop("at most {} units of product {}"),
    gettext_noop("lines already refunded or not paid: {}"),
    gettext_noop("must be between 0 and {}"),
    gettext_noop("must be between 1 and {}"),
    gettext_noop("must be between {} and {} for this amount"),
    gettext_noop("must be one of: {}"),
    gettext_noop("must equal the lines' tax-free total ({}) or be left out"),
    gettext_noop("must equal the lines' total ({}) or be left out"),
    gettext_noop("only paid lines ship (this one is {})"),
    gettext_noop("the order total may be at most {} won"),
    gettext_noop(
        "these lines' taxable ({}) or tax-free ({}) money exceeds what is left to refund "
        "(taxable {}, tax-free {})"
    ),
    gettext_noop("1 to {} characters"),
    gettext_noop("{} to {} digits (hyphens and spaces are left out)"),
    gettext_noop("at most {} characters"),
    # Partner webhook endpoints (payments.events.services.partner_webhooks).
    gettext_noop("at most {} endpoints"),
    gettext_noop("staff-only event types: {}"),
    gettext_noop("unknown event types: {}"),
)


@cache
def _template_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    patterns = []
    for template in TEMPLATES:
        parts = [re.escape(part) for part in template.split("{}")]
        patterns.append((re.compile("^" + "(.+?)".join(parts) + "$", re.DOTALL), template))
    return tuple(patterns)


def localize(message: Any) -> str:
    """`message` in the active language: a lazy message translates itself, a plain English one is
    looked up in the catalogue (exactly, else by template); anything unknown is returned as it is."""
    text = str(message)
    if not text:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    for pattern, template in _template_patterns():
        if match := pattern.match(text):
            localized = gettext(template)
            if localized == template:
                return text
            return localized.format(*match.groups())
    return text


def localize_fields(fields: Any) -> Any:
    """`{"field": ["problem", …]}` with each problem localized."""
    if not isinstance(fields, Mapping):
        return fields
    return {
        name: [localize(m) for m in problems] if isinstance(problems, list | tuple) else localize(problems)
        for name, problems in fields.items()
    }


def localize_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """An error's details with its field problems (`details["fields"]`) localized."""
    result = dict(details)
    if "fields" in result:
        result["fields"] = localize_fields(result["fields"])
    return result
