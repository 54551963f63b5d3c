"""``python manage.py bootpay_sandbox --port 8765``: run the local Bootpay emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter

from payments.sandbox import SandboxCredentials, SandboxError, SandboxServer, SandboxState
from payments.sandbox.server import describe_routes

DESCRIPTION = """\
Run the local Bootpay emulator until Ctrl-C (development and tests only).

It serves the Bootpay REST v2 paths the official bootpay-backend SDK calls, with Bootpay's auth rules,
status codes and response shapes, so the unmodified SDK talks to it when BOOTPAY_API_URL points at
<url>/v2 (the default in BOOTPAY_MODE=sandbox). Its control API under /_sandbox/ (no auth; never expose
it) creates receipts, issues test billing keys, executes reserved charges, makes virtual-account
deposits, sends webhooks and injects faults. It accepts the
key pairs configured in settings (BOOTPAY_APPLICATION_ID/PRIVATE_KEY, BOOTPAY_CLIENT_KEY/SECRET_KEY) and
refuses to start when BOOTPAY_MODE=production. State lives in memory and is lost on exit.

With --webhook-url it notifies that URL as Bootpay's 웹훅 설정 does: a payment (status 1), a virtual
account issued (5) and paid into (1), a cancel (20), a charge with a billing key, in the background and
retried until answered {"success": true}; make run points it at the dev server's
/api/v1/webhooks/bootpay/. POST /_sandbox/notifications {"hold": true} holds them back."""


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's option order, with the description and route list printed as written."""


class Command(BaseCommand):
    help = DESCRIPTION

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs.setdefault("epilog", describe_routes())
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=8765, help="port to listen on (default 8765; 0 = any free port)"
        )
        parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
        parser.add_argument(
            "--webhook-url",
            default=None,
            help="where changes are notified, e.g. http://127.0.0.1:8000/api/v1/webhooks/bootpay/ "
            "(default: nowhere; POST /_sandbox/settings changes it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "BOOTPAY_MODE", "sandbox") == "production":
            raise CommandError(
                "The Bootpay sandbox is a development tool and never runs with BOOTPAY_MODE=production."
            )
        credentials = SandboxCredentials.build(
            application_id=getattr(settings, "BOOTPAY_APPLICATION_ID", "") or "",
            private_key=getattr(settings, "BOOTPAY_PRIVATE_KEY", "") or "",
            client_key=getattr(settings, "BOOTPAY_CLIENT_KEY", "") or "",
            secret_key=getattr(settings, "BOOTPAY_SECRET_KEY", "") or "",
        )
        try:
            state = SandboxState(webhook_url=options["webhook_url"])
        except SandboxError as exc:
            raise CommandError(f"--webhook-url: {exc.message}") from exc
        try:
            server = SandboxServer(
                state=state, host=options["host"], port=options["port"], credentials=credentials
            ).start()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        try:
            # only ids are printed, never the private/secret keys
            self.stdout.write(f"Bootpay sandbox listening on {server.url}")
            self.stdout.write(f"  SDK base URL (BOOTPAY_API_URL): {server.api_url}")
            self.stdout.write(
                f"  control API: {server.url}/_sandbox/  (health: {server.url}/_sandbox/health)"
            )
            self.stdout.write(
                f"  application_id: {', '.join(credentials.legacy)}; client_key: "
                f"{', '.join(credentials.client)}"
            )
            self.stdout.write(f"  webhooks to: {state.webhook_url or 'nowhere (no --webhook-url)'}")
            self.stdout.write("Press Ctrl-C to stop.")
            self.wait()
        except KeyboardInterrupt:
            self.stdout.write("Stopping.")
        finally:
            server.stop()

    def wait(self) -> None:
        """Block until Ctrl-C (separate method so tests can replace it)."""
        while True:
            time.sleep(3600)
