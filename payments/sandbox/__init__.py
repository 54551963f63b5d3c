"""Local emulator of Bootpay's REST v2 API (development and tests only; never in production mode)."""

from .server import SandboxServer
from .state import (
    SANDBOX_APPLICATION_ID,
    SANDBOX_CLIENT_KEY,
    SANDBOX_PRIVATE_KEY,
    SANDBOX_SECRET_KEY,
    SandboxCredentials,
    SandboxError,
    SandboxState,
)
from .webhooks import send_webhook

__all__ = [
    "SANDBOX_APPLICATION_ID",
    "SANDBOX_CLIENT_KEY",
    "SANDBOX_PRIVATE_KEY",
    "SANDBOX_SECRET_KEY",
    "SandboxCredentials",
    "SandboxError",
    "SandboxServer",
    "SandboxState",
    "send_webhook",
]
