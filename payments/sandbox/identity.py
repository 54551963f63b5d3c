"""Identity verification (본인인증) at the emulator: the certificate lookup and the REST (SMS) flow.

Bootpay's documented behaviour (docs/bootpay CONTRACT §2.6, backend-nodejs types, bootpay-mcp): a
certificate carries `receipt_id`, `authenticate_id`, `pg`, `method`, `authenticated_at`, `requested_at`,
`status` (12 = verified), `status_locale` and `authenticate_data` {`name`, `phone`, `unique` (CI), `birth`,
`gender`, `foreigner`, `carrier`, `number_of_realarms`, `tid`}; a result expires 30 minutes after it was
made (`AUTH_EXPIRED`); an unknown receipt is `RC_NOT_FOUND`; the three SMS calls answer a certificate.
Marked *ours* (assumptions, Bootpay's own behaviour unconfirmed): status 0 "인증대기" for an SMS
verification awaiting its code, with `authenticate_data` empty until confirmed; a wrong code
`AUTH_CONFIRM_READY_FAILED`; a code older than 3 minutes `AUTH_EXPIRED`; confirming or resending a
verification already completed `AUTH_ALREADY_CONFIRMED`; at most 5 resends `AUTH_REALARM_LIMIT`.

Pure Python like the rest of the state; mixed into `SandboxState`, which holds the lock.
"""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
from datetime import date
from typing import Any

from payments.sandbox.common import SandboxError, bad_request

STATUS_VERIFIED = 12
STATUS_PENDING = 0  # ours
STATUS_LOCALE = {STATUS_VERIFIED: "본인인증완료", STATUS_PENDING: "인증대기"}
CERTIFICATE_TTL_S = 30 * 60  # Bootpay: AUTH_EXPIRED after 30 minutes
OTP_TTL_S = 3 * 60  # ours
MAX_REALARMS = 5  # ours
WRONG_OTP_CODE = "AUTH_CONFIRM_READY_FAILED"
EXPIRED_CODE = "AUTH_EXPIRED"
ALREADY_CONFIRMED_CODE = "AUTH_ALREADY_CONFIRMED"  # ours
REALARM_LIMIT_CODE = "AUTH_REALARM_LIMIT"  # ours
IDENTITY_PG = "다날"
AUTHENTICATION_BODY_FIELDS = frozenset(
    {
        "pg",
        "method",
        "authentication_id",
        "authenticate_type",
        "username",
        "identity_no",
        "carrier",
        "phone",
        "client_ip",
        "site_url",
        "order_name",
        "user",
        "extra",
        "metadata",
    }
)
CARRIERS = ("SKT", "KT", "LGT", "SKT_MVNO", "KT_MVNO", "LGT_MVNO")
_CENTURY = {"1": 1900, "2": 1900, "5": 1900, "6": 1900, "3": 2000, "4": 2000, "7": 2000, "8": 2000}
CERTIFICATE_FIELDS = {
    "state": "verified (default) | pending: an SMS verification awaiting its code (the answer has `otp`)",
    "birth": "birth date, YYYYMMDD or YYYY-MM-DD (default 19900101)",
    "unique": "the person's CI (default: a random one)",
    "name": "the person's name (default 홍길동)",
    "phone": "mobile number (default 01012345678)",
    "carrier": "SKT (default), KT, LGT, or *_MVNO",
    "authenticated_ago_s": "how long ago it was verified, in seconds (default 0; over 1800: AUTH_EXPIRED)",
}


def _birth(value: Any) -> str:
    text = str(value or "19900101").replace("-", "")
    try:
        date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise bad_request("birth must be a date, YYYYMMDD or YYYY-MM-DD") from None
    if not re.fullmatch(r"\d{8}", text):
        raise bad_request("birth must be a date, YYYYMMDD or YYYY-MM-DD")
    return text


def _text(body: dict[str, Any], name: str, *, pattern: str | None = None) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or (pattern and not re.fullmatch(pattern, value)):
        raise bad_request(f"{name} is missing or malformed")
    return value


class IdentityState:
    """Certificates by receipt id; each record keeps the code (`_otp`) and the clock values it needs."""

    _certificates: dict[str, dict[str, Any]]

    def _new_certificate(
        self, *, authentication_id: str, name: str, phone: str, carrier: str, birth: str, unique: str
    ) -> dict[str, Any]:
        receipt_id = secrets.token_hex(12)
        record = {
            "receipt_id": receipt_id,
            "authenticate_id": authentication_id,
            "pg": IDENTITY_PG,
            "method": "본인인증",
            "method_origin": "본인인증",
            "method_origin_symbol": "auth",
            "requested_at": self.iso(),
            "authenticated_at": None,
            "status": STATUS_PENDING,
            "status_locale": STATUS_LOCALE[STATUS_PENDING],
            "authenticate_data": {
                "name": name,
                "phone": phone,
                "unique": unique,
                "birth": birth,
                "gender": 1,
                "foreigner": 0,
                "carrier": carrier,
                "number_of_realarms": 0,
                "tid": secrets.token_hex(10),
            },
            "_otp": f"{secrets.randbelow(10**6):06d}",
            "_sent_ts": self.now(),
            "_verified_ts": None,
        }
        self._certificates[receipt_id] = record
        return record

    def _verify(self, record: dict[str, Any], at: float) -> None:
        record.update(
            status=STATUS_VERIFIED,
            status_locale=STATUS_LOCALE[STATUS_VERIFIED],
            authenticated_at=self.iso(at),
            _verified_ts=at,
        )

    @staticmethod
    def _public(record: dict[str, Any]) -> dict[str, Any]:
        """The certificate as Bootpay answers it: no private fields; no person data before completion."""
        shown = {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}
        if record["status"] != STATUS_VERIFIED:
            shown["authenticate_data"] = {
                "number_of_realarms": record["authenticate_data"]["number_of_realarms"]
            }
        return shown

    def _certificate_record(self, receipt_id: Any) -> dict[str, Any]:
        record = self._certificates.get(receipt_id) if isinstance(receipt_id, str) else None
        if record is None:
            raise SandboxError(404, "RC_NOT_FOUND", "영수증 정보를 찾지 못했습니다.")
        return record

    # ----- control API -------------------------------------------------------------------------------

    def create_certificate(
        self,
        state: str = "verified",
        birth: Any = None,
        unique: Any = None,
        name: Any = None,
        phone: Any = None,
        carrier: Any = None,
        authenticated_ago_s: Any = 0,
    ) -> dict[str, Any]:
        """What the browser's requestAuthentication leaves at Bootpay (verified), or an SMS verification
        awaiting its code (pending; the answer carries `otp`)."""
        if state not in ("verified", "pending"):
            raise bad_request("state must be verified or pending")
        if isinstance(authenticated_ago_s, bool) or not isinstance(authenticated_ago_s, int | float):
            raise bad_request("authenticated_ago_s must be a number")
        with self.lock:
            record = self._new_certificate(
                authentication_id=f"sandbox_{secrets.token_hex(6)}",
                name=str(name or "홍길동"),
                phone=str(phone or "01012345678"),
                carrier=str(carrier or "SKT"),
                birth=_birth(birth),
                unique=str(unique or secrets.token_urlsafe(66)),
            )
            if state == "verified":
                self._verify(record, self.now() - float(authenticated_ago_s))
            return {**self._public(record), "otp": record["_otp"]}

    def certificate_detail(self, receipt_id: str) -> dict[str, Any]:
        """A test tool: the whole record, the person data and the current code (`otp`) included."""
        with self.lock:
            record = self._certificate_record(receipt_id)
            return {
                **{k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")},
                "otp": record["_otp"],
            }

    # ----- Bootpay REST v2 ---------------------------------------------------------------------------

    def get_certificate(self, receipt_id: str) -> dict[str, Any]:
        with self.lock:
            record = self._certificate_record(receipt_id)
            verified_ts = record["_verified_ts"]
            if verified_ts is not None and self.now() - verified_ts > CERTIFICATE_TTL_S:
                raise SandboxError(400, EXPIRED_CODE, "본인인증 유효시간이 만료되었습니다.")
            return self._public(record)

    def request_authentication(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - AUTHENTICATION_BODY_FIELDS
        if unknown:
            raise bad_request(f"unknown field(s): {', '.join(sorted(unknown))}")
        authentication_id = _text(body, "authentication_id")
        name = _text(body, "username")
        identity_no = _text(body, "identity_no", pattern=r"\d{6}[1-8]")
        carrier = _text(body, "carrier")
        if carrier not in CARRIERS:
            raise bad_request("carrier is not a known carrier")
        phone = _text(body, "phone", pattern=r"01\d{8,9}")
        birth = _birth(f"{_CENTURY[identity_no[6]] + int(identity_no[:2])}{identity_no[2:6]}")
        with self.lock:
            # Like a real CI: the same person (name + birth + sex digit) always has the same one.
            record = self._new_certificate(
                authentication_id=authentication_id,
                name=name,
                phone=phone,
                carrier=carrier,
                birth=birth,
                unique=_stable_ci(name, identity_no),
            )
            return self._public(record)

    def confirm_authentication(self, receipt_id: Any, otp: Any) -> dict[str, Any]:
        with self.lock:
            record = self._certificate_record(receipt_id)
            if record["status"] == STATUS_VERIFIED:
                raise SandboxError(400, ALREADY_CONFIRMED_CODE, "이미 완료된 본인인증입니다.")
            if self.now() - record["_sent_ts"] > OTP_TTL_S:
                raise SandboxError(400, EXPIRED_CODE, "인증번호 유효시간이 만료되었습니다.")
            if not isinstance(otp, str) or otp != record["_otp"]:
                raise SandboxError(400, WRONG_OTP_CODE, "인증번호가 일치하지 않습니다.")
            self._verify(record, self.now())
            return self._public(record)

    def realarm_authentication(self, receipt_id: Any) -> dict[str, Any]:
        with self.lock:
            record = self._certificate_record(receipt_id)
            if record["status"] == STATUS_VERIFIED:
                raise SandboxError(400, ALREADY_CONFIRMED_CODE, "이미 완료된 본인인증입니다.")
            data = record["authenticate_data"]
            if data["number_of_realarms"] >= MAX_REALARMS:
                raise SandboxError(400, REALARM_LIMIT_CODE, "재전송 횟수를 초과했습니다.")
            data["number_of_realarms"] += 1
            record.update(_otp=f"{secrets.randbelow(10**6):06d}", _sent_ts=self.now())
            return self._public(record)

    def identity_answer(self, command: str, path: str, body: dict[str, Any]) -> tuple[bool, Any]:
        """(handled, answer) for the identity /v2 paths, so the handler's dispatch stays one line."""
        if command == "GET" and path.startswith("certificate/") and path.count("/") == 1:
            return True, self.get_certificate(path.split("/", 1)[1])
        if command == "POST" and path == "request/authentication":
            return True, self.request_authentication(body)
        if command == "POST" and path == "authenticate/confirm":
            return True, self.confirm_authentication(body.get("receipt_id"), body.get("otp"))
        if command == "POST" and path == "authenticate/realarm":
            return True, self.realarm_authentication(body.get("receipt_id"))
        return False, None


def _stable_ci(name: str, identity_no: str) -> str:
    return hashlib.sha256(f"sandbox-ci:{name}:{identity_no}".encode()).hexdigest()
