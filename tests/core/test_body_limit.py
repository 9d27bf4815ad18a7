"""Request body limits per route, against a real server (issue 12, item 7): an oversized body is refused with 413
problem+json before it is read, whether it announces its length or streams in chunks."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

from smarthall.core.bodylimit import body_rules
from smarthall.core.config import Settings

MB = 1024 * 1024


def _connect(live_server: str) -> socket.socket:
    parts = urlsplit(live_server)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=20)
    return sock


def _response(sock: socket.socket) -> tuple[int, dict[str, str], dict]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, json.loads(rest[:length] or b"{}")


def _announce(live_server: str, path: str, length: int, content_type: str = "application/json") -> tuple:
    """Send only the head of a request announcing ``length`` bytes; the answer must come without the body."""
    with _connect(live_server) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {length}\r\n\r\n"
            ).encode()
        )
        return _response(sock)


def _stream(live_server: str, path: str, total: int) -> tuple:
    """Stream ``total`` bytes in 64 KB chunks without a length; stop sending once the server has answered."""
    with _connect(live_server) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk, sent = b"x" * 65536, 0
        sock.settimeout(0.0)
        try:
            while sent < total:
                try:
                    if sock.recv(1, socket.MSG_PEEK):
                        break  # the answer is already there
                except BlockingIOError:
                    pass
                sock.settimeout(20)
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sock.settimeout(0.0)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(20)
        return (*_response(sock), sent)


def _is_413(status: int, headers: dict[str, str], body: dict) -> None:
    assert status == 413
    assert headers["content-type"].startswith("application/problem+json")
    assert body["code"] == "payload_too_large" and body["message_zh"] and body["message_en"]


class TestAtTheDoor:
    def test_an_announced_200_mb_pdf_to_verify_is_refused_unread(self, live_server):
        status, headers, body = _announce(live_server, "/api/v1/verify/anything", 200 * MB, "application/pdf")
        _is_413(status, headers, body)
        assert body["detail"]["max_bytes"] == 20 * MB
        assert "x-content-type-options" in headers  # the refusal carries the security headers too

    def test_an_announced_100_mb_question_is_refused_unread(self, live_server):
        status, headers, body = _announce(live_server, "/api/v1/consult/ask", 100 * MB)
        _is_413(status, headers, body)
        assert body["detail"]["max_bytes"] == 64 * 1024

    def test_an_announced_50_mb_help_request_is_refused_unread(self, live_server):
        _is_413(*_announce(live_server, "/api/v1/help-requests", 50 * MB))

    def test_uploads_have_their_own_larger_cap(self, live_server):
        _is_413(*_announce(live_server, "/api/v1/files", 11 * MB, "multipart/form-data; boundary=x"))


class TestStreamed:
    def test_a_chunked_body_is_cut_off_at_the_cap(self, live_server):
        status, headers, body, sent = _stream(live_server, "/api/v1/consult/ask", 8 * MB)
        _is_413(status, headers, body)
        assert sent < 8 * MB  # refused long before the sender was through

    def test_a_chunked_pdf_is_cut_off_at_its_cap(self, live_server):
        status, headers, body, sent = _stream(live_server, "/api/v1/verify/anything", 40 * MB)
        _is_413(status, headers, body)
        assert sent < 40 * MB


class TestWithinLimits:
    def test_small_bodies_pass(self, client):
        r = client.post("/api/v1/consult/ask", json={"question": "社保卡丢了怎么补"})
        assert r.status_code == 200

    def test_the_caps_are_settings(self):
        settings = Settings(upload_max_bytes=MB, verify_max_bytes=2 * MB, body_max_bytes=4096)
        caps = {rule.pattern.pattern: rule.max_bytes for rule in body_rules(settings)}
        assert caps[r"/api/v1/verify/[^/]+/?"] == 2 * MB and caps[r"/api/v1/files/?"] == MB + 64 * 1024
