"""What the queueing benchmarks share: the demo hall's facts, a lean HTTP/1.1 client, and the server they load.

The client is a keep-alive HTTP/1.1 connection per simulated user over asyncio streams (orjson for bodies): on a
two-core machine the load generator shares the cores with the server, and httpx spent about a millisecond of CPU
per request, a fifth of the server's budget at 200 requests/s. Answers are read by Content-Length (or chunks);
a broken connection is reopened on the next request and counted by the caller as a transport error.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

try:  # older trees (A/B runs against them) have no rate limits to raise
    from smarthall.core.ratelimit import raised_limits
except ImportError:  # pragma: no cover

    def raised_limits() -> dict[str, object]:
        return {}


ROOT = Path(__file__).resolve().parents[2]
HALL = "H-690102"
KIOSK = {"X-Device-Key": "demo-kiosk-key"}
DISPLAY = {"X-Device-Key": "demo-display-key"}
PASSWORD = "smarthall-demo"
FIELD_KEY = "c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc="
SECRET = "bench-secret-of-at-least-32-bytes-long!"
CLERKS = {
    "clerk1": "H-690102-W01",
    "clerk2": "H-690102-W02",
    "clerk3": "H-690102-W03",
    "clerk7": "H-690102-W12",
    "clerk4": "H-690102-W04",
    "clerk5": "H-690102-W05",
    "clerk6": "H-690102-W08",
}
ITEMS = ["GA-001", "GA-002", "SC-001", "RS-001", "YB-001", "BD-001", "GJ-001"]
BOOKABLE = ["GA-006", "BD-001", "GJ-004", "SW-002"]


class TransportError(Exception):
    """The connection failed or timed out before a whole answer arrived."""


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return orjson.loads(self.content)


@dataclass
class Client:
    """One keep-alive connection (one simulated user): requests on it go one after another."""

    host: str
    port: int
    timeout: float = 30.0
    _reader: asyncio.StreamReader | None = field(default=None, repr=False)
    _writer: asyncio.StreamWriter | None = field(default=None, repr=False)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
        self._reader = self._writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        try:
            return await asyncio.wait_for(self._request(method, path, json, data, params, headers), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            raise TransportError(repr(exc)) from exc

    async def get(self, path: str, **kw: Any) -> Answer:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Answer:
        return await self.request("POST", path, **kw)

    async def _request(
        self,
        method: str,
        path: str,
        json: Any,
        data: dict[str, str] | None,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
    ) -> Answer:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        body = b""
        lines = [f"{method} {path}{'?' + urlencode(params) if params else ''} HTTP/1.1", f"Host: {self.host}"]
        if json is not None:
            body = orjson.dumps(json)
            lines.append("Content-Type: application/json")
        elif data is not None:
            body = urlencode(data).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
        if body or method in ("POST", "PUT", "PATCH", "DELETE"):
            lines.append(f"Content-Length: {len(body)}")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        got: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            got[name.strip().lower()] = value.strip()
        if "content-length" in got:
            content = await self._reader.readexactly(int(got["content-length"]))
        elif got.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self._reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
                chunk = await self._reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            content = b"".join(parts)
        else:
            content = b""
        if got.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, got, content)


def prepare(env: dict[str, str], backend: str) -> None:
    """An empty database (the PostgreSQL schema dropped), migrated and loaded with the demo province."""
    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        engine = create_engine(env["SMARTHALL_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    smarthall = str(ROOT / ".venv" / "bin" / "smarthall")
    subprocess.run([smarthall, "db", "upgrade"], env=env, check=True, cwd=ROOT)
    subprocess.run([smarthall, "seed"], env=env, check=True, cwd=ROOT)


def bench_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SMARTHALL_DATA_DIR": str(data_dir),
        "SMARTHALL_FIELD_KEY": FIELD_KEY,
        "SMARTHALL_LOG_LEVEL": "WARNING",
        "SMARTHALL_SECRET_KEY": SECRET,
        "SMARTHALL_DATABASE_URL": database_url,
        # A load generator is many people from one address: the abuse limits and the per-citizen business limits
        # are raised here, by name (docs/security.md), so the bench measures the hall rather than the guard.
        "SMARTHALL_RATE_LIMITS": json.dumps(raised_limits()),
        "SMARTHALL_RULE_DEFAULTS": json.dumps({"queue.remote_live_per_citizen": 0, "appointment.max_live_bookings": 0}),
    }
    env.pop("SMARTHALL_REDIS_URL", None)
    return env


def start_server(env: dict[str, str], port: int, workers: int, *, wait: float = 180.0) -> subprocess.Popen[bytes]:
    """``uvicorn bench.queueing.app:create`` (the production app with the benchmark's clock), ready to serve."""
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.queueing.app:create",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        if asyncio.run(_healthy(port)):
            return server
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("server did not become healthy")


async def _healthy(port: int) -> bool:
    client = Client("127.0.0.1", port, timeout=2)
    try:
        return (await client.get("/healthz")).status_code == 200
    except TransportError:
        return False
    finally:
        await client.close()


def make_citizens(url: str, data_dir: Path, n: int) -> list[dict[str, str]]:
    """``n`` citizens written straight to the database (one shared password hash) with bearer tokens minted with
    the server's secret: registering them over HTTP would only measure password hashing."""
    from datetime import UTC, date, datetime, timedelta

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from app import START  # type: ignore[import-not-found]

    from smarthall.core.config import Settings
    from smarthall.core.crypto import blind_index
    from smarthall.core.db import Database
    from smarthall.identity import security
    from smarthall.identity.models import Citizen
    from smarthall.main import setup_security
    from tests.factories import make_id_number

    settings = Settings(database_url=url, data_dir=data_dir, field_key=FIELD_KEY, secret_key=SECRET)
    setup_security(settings)
    db = Database(url)
    pw = security.hash_password("Passw0rd-bench")
    with db.unit_of_work() as s:
        for i in range(n):
            idn = make_id_number(region="110101", born=date(1980, 1, 1) + timedelta(days=i // 1000), serial=i)
            s.add(
                Citizen(
                    name="测试",
                    id_number=idn,
                    id_number_index=blind_index(idn, "id_number"),
                    phone="13900000000",
                    phone_index=blind_index("13900000000", "phone"),
                    password_hash=pw,
                    phone_verified_at=datetime.now(UTC),  # bench accounts book: they count as verified
                )
            )
            if i % 500 == 499:
                s.flush()
        s.flush()
        ids = [c_id for (c_id,) in s.execute(Citizen.__table__.select().with_only_columns(Citizen.id))]
    db.dispose()
    tokens = []
    for cid in ids:
        token, _ = security.issue_token(SECRET, subject=f"citizen:{cid}", kind="citizen", now=START, ttl_minutes=600)
        tokens.append({"Authorization": f"Bearer {token}"})
    return tokens


async def sign_in_clerks(client: Client) -> dict[str, dict[str, str]]:
    """Bearer headers per window code, each clerk signed in at their window."""
    tokens: dict[str, dict[str, str]] = {}
    for user, window in CLERKS.items():
        r = await client.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
        tokens[window] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        await client.post(f"/api/v1/windows/{window}/sign-in", headers=tokens[window])
    return tokens


async def bookable_slots(client: Client) -> list[dict[str, Any]]:
    """Every slot of the bookable demo items over the next six days (the benchmark clock starts 2026-11-30)."""
    from datetime import date, timedelta

    slots: list[dict[str, Any]] = []
    for d in range(1, 7):
        day = (date(2026, 11, 30) + timedelta(days=d)).isoformat()
        for item in BOOKABLE:
            r = await client.get(
                "/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": item, "date": day}
            )
            slots += [{**s, "item_code": item} for s in r.json()]
    return slots


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    return pids


def rss_mb(pid: int) -> float:
    """Largest resident memory among the server's processes (its workers when there are any), in MB."""
    per = []
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    per.append(float(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(per[1:] or per or [0.0])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server's processes so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


# --- the in-process hot paths (statements.py, profile_paths.py) ---------------------------------------------------


async def call(
    app: Any,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: Any = None,
    form: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One request through the ASGI app (no sockets, no HTTP client); (status, parsed JSON body or None)."""
    raw = b""
    hdrs = [(b"host", b"bench")]
    if body is not None:
        raw = orjson.dumps(body)
        hdrs.append((b"content-type", b"application/json"))
    elif form is not None:
        raw = urlencode(form).encode()
        hdrs.append((b"content-type", b"application/x-www-form-urlencoded"))
    hdrs.append((b"content-length", str(len(raw)).encode()))
    hdrs += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": hdrs,
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
        "root_path": "",
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    content = b"".join(chunks)
    try:
        return status, orjson.loads(content) if content else None
    except orjson.JSONDecodeError:
        return status, None


class HotPaths:
    """The queue's hot-path requests against one in-process app, as closures ``fn(i) -> status`` with the
    uncounted step that readies the window before each (``statements.py`` counts them, ``profile_paths.py``
    profiles them). ``await HotPaths.start(app)`` signs every clerk in; the first clerk's window does the calling.

    ``PLAN``: (path, the request's method name, the status it answers, the readying method's name)."""

    PLAN = (
        ("bare", "bare", 200, "nothing"),
        ("issue", "issue", 201, "nothing"),
        ("board", "board", 200, "nothing"),
        ("status", "status", 200, "nothing"),
        ("call-next", "call_next", 200, "idle"),
        ("finish", "finish", 200, "serving"),
        ("finish-and-call-next", "one_act", 200, "serving"),
        ("book", "book", 201, "nothing"),
    )

    def __init__(self, app: Any, tokens: dict[str, dict[str, str]]) -> None:
        self.app = app
        self.tokens = tokens
        self.window, self.clerk = next(iter(tokens.items()))
        self.issued: list[dict[str, Any]] = []
        self.current: list[int] = []
        self.slots: list[tuple[int, str]] = []
        self.citizens: list[dict[str, str]] = []
        self.booked = 0

    @classmethod
    async def start(cls, app: Any, citizens: list[dict[str, str]] | None = None) -> HotPaths:
        tokens: dict[str, dict[str, str]] = {}
        for user, window in CLERKS.items():
            status, body = await call(app, "POST", "/api/v1/auth/token", form={"username": user, "password": PASSWORD})
            if status != 200:
                raise SystemExit(f"login {user}: {status} {body}")
            tokens[window] = {"Authorization": f"Bearer {body['access_token']}"}
            status, _ = await call(app, "POST", f"/api/v1/windows/{window}/sign-in", headers=tokens[window])
            if status != 200:
                raise SystemExit(f"sign-in {window}: {status}")
        paths = cls(app, tokens)
        if citizens:
            paths.citizens = citizens
            paths.slots = await paths.bookable()
        return paths

    def plan(self, names: list[str] | None = None) -> list[tuple[str, Any, int, Any]]:
        """(path, request, expected status, readying step) for ``names`` (every path when None), in ``PLAN`` order."""
        return [
            (name, getattr(self, fn), ok, getattr(self, ready))
            for name, fn, ok, ready in self.PLAN
            if names is None or name in names
        ]

    async def bookable(self) -> list[tuple[int, str]]:
        """Slots of the bookable demo items over the next six days (the benchmark clock starts 2026-11-30)."""
        from datetime import date, timedelta

        out: list[tuple[int, str]] = []
        for d in range(1, 7):
            day = (date(2026, 11, 30) + timedelta(days=d)).isoformat()
            for item in BOOKABLE:
                query = urlencode({"hall_code": HALL, "item_code": item, "date": day})
                _, body = await call(self.app, "GET", "/api/v1/appointment-slots?" + query)
                out += [(s["id"], item) for s in body]
        return out

    async def issue(self, i: int) -> int:
        body = {"hall_code": HALL, "item_code": ITEMS[i % len(ITEMS)]}
        status, got = await call(self.app, "POST", "/api/v1/tickets", headers=KIOSK, body=body)
        self.issued.append(got)
        return status

    async def board(self, _: int) -> int:
        return (await call(self.app, "GET", f"/api/v1/halls/{HALL}/board", headers=DISPLAY))[0]

    async def status(self, i: int) -> int:
        """A recent ticket read by its public token (older trees without that route: by id)."""
        t = self.issued[-1 - i % 50]
        if t.get("token"):
            return (await call(self.app, "GET", f"/api/v1/tickets/by-token/{t['token']}"))[0]
        return (await call(self.app, "GET", f"/api/v1/tickets/{t['id']}"))[0]

    async def call_next(self, _: int) -> int:
        status, body = await call(self.app, "POST", f"/api/v1/windows/{self.window}/call-next", headers=self.clerk)
        self.current.append(body["id"])
        return status

    async def finish(self, _: int) -> int:
        return (await call(self.app, "POST", f"/api/v1/tickets/{self.current.pop()}/finish", headers=self.clerk))[0]

    async def one_act(self, _: int) -> int:
        path = f"/api/v1/tickets/{self.current.pop()}/finish-and-call-next"
        status, body = await call(self.app, "POST", path, headers=self.clerk)
        self.current.append(body["called"]["id"])
        return status

    async def book(self, i: int) -> int:
        slot_id, item = self.slots[i % len(self.slots)]
        who = self.citizens[self.booked % len(self.citizens)]
        status, _ = await call(
            self.app, "POST", "/api/v1/appointments", headers=who, body={"slot_id": slot_id, "item_code": item}
        )
        self.booked += 1
        return status

    async def bare(self, _: int) -> int:
        return (await call(self.app, "GET", "/bench/bare"))[0]

    async def nothing(self) -> None:
        return None

    async def idle(self) -> None:
        if self.current:
            await self.finish(0)

    async def serving(self) -> None:
        if not self.current:
            await self.call_next(0)
