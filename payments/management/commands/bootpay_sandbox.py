"""``python manage.py bootpay_sandbox --port 8765``: run the local Bootpay emulator until Ctrl-C."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments.sandbox import SandboxCredentials, SandboxServer


class Command(BaseCommand):
    help = "Run the local Bootpay REST v2 emulator (development only; refused when BOOTPAY_MODE=production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765, help="port to listen on (0 = any free port)")
        parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")

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
            server = SandboxServer(
                host=options["host"], port=options["port"], credentials=credentials
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
