"""A partner's webhook receiver over real HTTP: verifies every request with the `standardwebhooks`
library, as partners are told to (docs/events.md), and records what it accepted.

`plan` answers the next requests with 500s or timeouts before answering 200 again; a request whose
signature does not verify is answered 401 and recorded in `rejected`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)  # "500" or "timeout", one per request, then 200s
    timeout_sleep_s: float = 1.0
    delay_s: float = 0.0  # every answer this late (a slow partner: races overlap)
    ssl_context: Any = None  # a server-side ssl.SSLContext: an https receiver
    requests: list[Request] = field(default_factory=list)  # every request, verified or not
    accepted: list[Request] = field(default_factory=list)  # verified and answered 2xx
    rejected: list[Request] = field(default_factory=list)  # signature did not verify

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = Request({k.lower(): v for k, v in self.headers.items()}, body)
                status = receiver._answer(request)
                time.sleep(receiver.delay_s)
                if status == 0:  # a timeout: answer long after the sender gave up
                    time.sleep(receiver.timeout_sleep_s)
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if self.ssl_context is not None:
            self.server.socket = self.ssl_context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}/hooks"

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def verifies(self, request: Request, secret: str) -> bool:
        try:
            Webhook(secret).verify(request.body, request.headers)
        except WebhookVerificationError:
            return False
        return True

    def _answer(self, request: Request) -> int:
        with self._lock:
            self.requests.append(request)
            if not any(self.verifies(request, secret) for secret in self.secrets):
                self.rejected.append(request)
                return 401
            if self.plan:
                answer = self.plan.pop(0)
                return 0 if answer == "timeout" else int(answer)
            self.accepted.append(request)
            return 200

    def accepted_ids(self) -> list[str]:
        return [request.webhook_id for request in self.accepted]
