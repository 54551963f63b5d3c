"""Identity verification (본인인증) through the SDK: read a browser verification's result
(`certificate`), or run it over REST by SMS (`request_authentication`, `confirm_authentication`,
`realarm_authentication`).

Bootpay facts: the certificate object carries `status` (12 = verified), `authenticated_at` and
`authenticate_data` {`name`, `phone`, `unique` (CI), `birth`, `gender`, `foreigner`, `carrier`, ...}
(bootpay/backend-nodejs `lib/response.ts` CertificateResponseParameters; bootpay-mcp); a result is
usable for 30 minutes, after which Bootpay answers `AUTH_EXPIRED` (bootpay-mcp). The three SMS calls
answer a certificate object too (backend-nodejs `src/bootpay.ts`).

Everything in `authenticate_data` is personal data. `Certificate` keeps only what a caller may need to
decide (verified, when, the birth date to count an age, the CI to tell people apart); its `repr` shows
none of it, and its `raw` holds none of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.dateparse import parse_date

from payments.gateway.types import GatewayUnavailable, parse_moment

VERIFIED_STATUS = 12
_PERSONAL_KEYS = frozenset(
    {"authenticate_data", "name", "phone", "unique", "birth", "identity_no", "username"}
)


def _birth_date(value: Any) -> date | None:
    """`birth` as Bootpay writes it: `YYYYMMDD` or `YYYY-MM-DD` (both seen in third-party code)."""
    text = str(value or "").strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return parse_date(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Certificate:
    receipt_id: str
    status: int
    authenticated_at: datetime | None
    birth: date | None = field(repr=False, default=None)
    unique: str = field(repr=False, default="")
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def verified(self) -> bool:
        return self.status == VERIFIED_STATUS

    @classmethod
    def from_payload(cls, payload: Any) -> Certificate:
        if not isinstance(payload, dict) or not payload.get("receipt_id"):
            raise GatewayUnavailable("response is not an identity verification")
        data = payload.get("authenticate_data")
        data = data if isinstance(data, dict) else {}
        try:
            status = int(payload.get("status"))
        except (TypeError, ValueError):
            status = 0
        return cls(
            receipt_id=str(payload["receipt_id"]),
            status=status,
            authenticated_at=parse_moment(payload.get("authenticated_at")),
            birth=_birth_date(data.get("birth")),
            unique=str(data.get("unique") or ""),
            raw={key: value for key, value in payload.items() if key not in _PERSONAL_KEYS},
        )


class IdentityOperations:
    """Mixed into `BootpayGateway`: uses its `_call` (bounded, typed, token-renewing)."""

    def certificate(self, receipt_id: str) -> Certificate:
        self._check_receipt_id(receipt_id)
        return Certificate.from_payload(self._call("certificate", lambda sdk: sdk.certificate(receipt_id)))

    def authentication_request(
        self,
        *,
        authentication_id: str,
        pg: str,
        username: str,
        identity_no: str,
        carrier: str,
        phone: str,
        order_name: str,
    ) -> Certificate:
        """Start an SMS verification: Bootpay texts a code to `phone`; the answer's receipt id is the
        handle for `authentication_confirm` / `authentication_realarm`."""
        personal = (username, identity_no, phone)
        return Certificate.from_payload(
            self._call(
                "authentication_request",
                lambda sdk: sdk.request_authentication(
                    pg=pg,
                    method="본인인증",
                    authentication_id=authentication_id,
                    authenticate_type="sms",
                    username=username,
                    identity_no=identity_no,
                    carrier=carrier,
                    phone=phone,
                    order_name=order_name,
                ),
                conceal=personal,
            )
        )

    def authentication_confirm(self, *, receipt_id: str, otp: str) -> Certificate:
        self._check_receipt_id(receipt_id)
        return Certificate.from_payload(
            self._call(
                "authentication_confirm",
                lambda sdk: sdk.confirm_authentication(receipt_id=receipt_id, otp=otp),
                conceal=(otp,),
            )
        )

    def authentication_realarm(self, receipt_id: str) -> Certificate:
        self._check_receipt_id(receipt_id)
        return Certificate.from_payload(
            self._call(
                "authentication_realarm", lambda sdk: sdk.realarm_authentication(receipt_id=receipt_id)
            )
        )
