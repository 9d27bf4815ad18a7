"""Webhook receivers a test starts on loopback: one that answers 200 (and keeps what it got), one that answers
500, one that takes longer than the sender waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    url: str
    mode: str  # "ok" | "fail" | "slow"
    got: list[dict[str, Any]] = field(default_factory=list)
    slow_seconds: float = 3.0


@contextmanager
def receiver(mode: str = "ok") -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            rec = state["r"]
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            rec.got.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
            if rec.mode == "slow":
                time.sleep(rec.slow_seconds)
            status = 500 if rec.mode == "fail" else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["r"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook", mode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["r"]
    finally:
        server.shutdown()
        server.server_close()
