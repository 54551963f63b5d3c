"""HTTP front of the Bootpay emulator (stdlib only, no Django).

``/v2/...``      the subset of Bootpay REST v2 the payment flow uses (token, receipt, confirm, cancel, and
                 the billing-key calls of automatic payments).
``/_sandbox/...`` control API for tests and the local checkout (no auth; never expose it publicly).
                 ``GET /_sandbox/`` lists it, from the CONTROL_ROUTES table the dispatcher uses.

A change Bootpay notifies (a payment or virtual account issued, a deposit, a confirm, a cancel, a charge),
made by a /v2 call or the control API, is POSTed to the configured ``webhook_url`` as Bootpay does,
whatever becomes of the call's own answer (sent, lost, or the caller gone); see notifications.py.

Point the unmodified SDK at it with::

    client = BootpayBackend(application_id, private_key, mode="sandbox")
    client.BASE_URL = {**BootpayBackend.BASE_URL, "sandbox": server.api_url}

Layout: routes.py (the route tables), handler.py (HTTP plumbing, dispatch and the /v2 calls), control.py
(the control API), and this module (the server itself).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import struct
import threading
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from payments.sandbox.handler import Handler
from payments.sandbox.routes import (
    BOOTPAY_ROUTES,
    CONTROL_ROUTES,
    ControlRoute,
    control_index,
    describe_routes,
    mask_billing_keys,
)
from payments.sandbox.state import SandboxCredentials, SandboxState

# One logger for the whole HTTP front, under the name it has always had.
logger = logging.getLogger("payments.sandbox.server")

__all__ = [
    "BOOTPAY_ROUTES",
    "CONTROL_ROUTES",
    "ControlRoute",
    "control_index",
    "describe_routes",
    "mask_billing_keys",
    "SandboxServer",
]


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 resets connections when tests fire 20 requests at once

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall without network
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def shutdown_request(self, request: Any) -> None:
        if self.sandbox._take_reset(request):
            # SO_LINGER 0 turns close() into a TCP RST instead of an orderly FIN
            with contextlib.suppress(OSError):
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.close()
            return
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # dropped connections during stop() or a reset fault are expected; keep stderr quiet
        logger.debug("sandbox connection error from %s", client_address, exc_info=True)


class SandboxServer:
    """The emulator as a background HTTP server; ``port=0`` picks a free port."""

    def __init__(
        self,
        state: SandboxState | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: SandboxCredentials | None = None,
    ) -> None:
        self.state = state if state is not None else SandboxState()
        self.credentials = credentials if credentials is not None else SandboxCredentials()
        self.host = host
        self.port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._resets: set[int] = set()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("SandboxServer is not started")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + "/v2"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            raise RuntimeError("SandboxServer already started")
        if self._stopping.is_set():
            raise RuntimeError("a stopped SandboxServer cannot be restarted; create a new one")
        self._httpd = _HTTPServer((self.host, self.port), self)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"bootpay-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("bootpay sandbox listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, release hanging requests and close open connections. Idempotent."""
        self._stopping.set()
        self.state.stop_notifications()  # no delivery outlives the emulator
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes handler threads blocked on keep-alive reads
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self if self._httpd is not None else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "not started"
        return f"<SandboxServer {where}>"

    # bookkeeping used by the handler
    def _track(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._connections.discard(conn)

    def _mark_reset(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._resets.add(id(conn))

    def _take_reset(self, conn: socket.socket) -> bool:
        with self._conn_lock:
            if id(conn) in self._resets:
                self._resets.discard(id(conn))
                return True
            return False
