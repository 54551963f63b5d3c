"""A tiny webhook endpoint over real HTTP, for the emulator's deliveries (which may come from a thread)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Answers from a queue of (status, body), then with the default answer; records what it got."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, bytes]] = []
        self.default: tuple[int, bytes] = (200, b'{"success": true}')
        self.received: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._arrived:  # recorded before answering: a synchronous sender sees it at once
                    receiver.received.append(
                        {"content_type": self.headers.get("Content-Type", ""), "body": body}
                    )
                    receiver._arrived.notify_all()
                status, answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhooks/bootpay/"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The deliveries once at least ``count`` arrived (AssertionError after ``timeout``)."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            assert arrived, f"{len(self.received)} of {count} webhook deliveries arrived"
            return list(self.received)

    def payloads(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The JSON bodies once at least ``count`` deliveries arrived."""
        return [json.loads(entry["body"]) for entry in self.wait_for(count, timeout)]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
