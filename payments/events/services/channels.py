"""Notification channels: how a rendered message reaches a person.

A channel is a class with `name`, `address(recipient)` (empty: nothing to send to, the notification is
`skipped` with `no_address`) and `send(recipient, message)`, which returns once the message is handed
over and raises `ChannelError` otherwise (`transient=True`: retried with backoff). Channels are named in
`settings.NOTIFICATION_CHANNELS` (name → dotted path). To plug a real Kakao 알림톡 or SMS provider,
subclass `AlimtalkChannel` (or `Channel`), call the provider in `send`, raise `ChannelError` on its
refusals, and point the setting at it: docs/events.md, "Notifications".

No channel logs an address or a body: log lines carry the notification id only.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

from payments.events.models import ChannelName, SandboxMessage


@dataclass(frozen=True)
class Recipient:
    notification_id: int
    user_id: int
    email: str
    phone: str  # digits, from the user's notification preferences; may be empty


@dataclass(frozen=True)
class RenderedMessage:
    template_code: str  # the event type: a provider's registered template (알림톡 needs one per notice)
    language: str
    subject: str
    text: str
    html: str


class ChannelError(Exception):
    """A send that did not happen. `code` is short and holds no address (stored on the notification)."""

    def __init__(self, code: str, *, transient: bool) -> None:
        super().__init__(code)
        self.code = code[:200]
        self.transient = transient


class Channel:
    name: str = ""

    def address(self, recipient: Recipient) -> str:
        raise NotImplementedError

    def send(self, recipient: Recipient, message: RenderedMessage) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    """Django's email framework (EMAIL_BACKEND: SMTP, console, or an ESP through django-anymail)."""

    name = ChannelName.EMAIL

    def address(self, recipient: Recipient) -> str:
        return recipient.email

    def send(self, recipient: Recipient, message: RenderedMessage) -> None:
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
            headers={"X-Notification-Id": str(recipient.notification_id)},
        )
        mail.attach_alternative(message.html, "text/html")
        try:
            mail.send(fail_silently=False)
        except Exception as exc:  # every backend's failure becomes a ChannelError without the address
            raise _email_error(exc) from exc


def _email_error(exc: Exception) -> ChannelError:
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return ChannelError(name, transient=False)  # the address itself is refused: retrying cannot help
    if isinstance(exc, smtplib.SMTPResponseException):
        # 5xx is a definite refusal, 4xx a "try later" (RFC 5321); only the code is kept, not the text.
        return ChannelError(f"{name} {exc.smtp_code}", transient=not 500 <= exc.smtp_code < 600)
    try:
        from anymail.exceptions import AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - django-anymail is a dependency
        AnymailRecipientsRefused = ()  # noqa: N806
    if AnymailRecipientsRefused and isinstance(exc, AnymailRecipientsRefused):
        return ChannelError(name, transient=False)
    return ChannelError(name, transient=True)  # connection refused, timeouts, an ESP's 5xx: try later


class AlimtalkChannel(Channel):
    """Kakao 알림톡 (falling back to SMS is the provider's business). Needs the user's mobile number."""

    name = ChannelName.ALIMTALK

    def address(self, recipient: Recipient) -> str:
        return recipient.phone

    def send(self, recipient: Recipient, message: RenderedMessage) -> None:
        raise NotImplementedError("plug a provider: docs/events.md, Notifications")


class SandboxAlimtalkChannel(AlimtalkChannel):
    """Records each message as a `SandboxMessage` and contacts nobody (local runs, tests, demos)."""

    def send(self, recipient: Recipient, message: RenderedMessage) -> None:
        SandboxMessage.objects.create(
            notification_id=recipient.notification_id,
            channel=self.name,
            template_code=message.template_code,
            to_masked=mask_phone(recipient.phone),
            text=message.text,
        )


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}-****-{phone[-4:]}" if len(phone) >= 8 else "***"


@cache
def _channel_class(path: str) -> type[Channel]:
    return import_string(path)


def channels_configured() -> dict[str, Channel]:
    """Channel name → instance, from `settings.NOTIFICATION_CHANNELS` (unknown names are refused)."""
    channels: dict[str, Channel] = {}
    for name, path in settings.NOTIFICATION_CHANNELS.items():
        if name not in ChannelName.values:
            raise ValueError(f"NOTIFICATION_CHANNELS: unknown channel {name!r} ({ChannelName.values})")
        channels[name] = _channel_class(path)()
    return channels
