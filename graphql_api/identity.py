"""GraphQL types of identity verification (docs/identity.md): what an account may see of its own
verification, never who the person is."""

from __future__ import annotations

from datetime import datetime

import strawberry

from payments.identity.models import IdentitySmsChallenge, IdentityVerification
from payments.identity.selectors import IdentityState


@strawberry.type(name="Identity", description="The caller's identity verification (본인인증) state.")
class IdentityType:
    verified: bool = strawberry.field(description="A verification that has not expired.")
    adult: bool = strawberry.field(description="... of an adult: adult-only products may be ordered.")
    verified_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def from_state(cls, state: IdentityState) -> IdentityType:
        return cls(
            verified=state.verified,
            adult=state.adult,
            verified_at=state.verified_at,
            expires_at=state.expires_at,
        )


@strawberry.type(name="IdentityVerification", description="An accepted identity verification.")
class IdentityVerificationType:
    verified_at: datetime
    adult: bool = strawberry.field(description="Not a 청소년 under 청소년보호법 제2조제1호.")
    expires_at: datetime

    @classmethod
    def from_model(cls, verification: IdentityVerification) -> IdentityVerificationType:
        return cls(
            verified_at=verification.verified_at, adult=verification.adult, expires_at=verification.expires_at
        )


@strawberry.type(name="IdentitySms", description="An SMS verification in progress.")
class IdentitySmsType:
    handle: str = strawberry.field(description="For confirmIdentitySms and resendIdentitySms.")
    resends: int

    @classmethod
    def from_model(cls, challenge: IdentitySmsChallenge) -> IdentitySmsType:
        return cls(handle=challenge.receipt_id, resends=challenge.resends)
