"""``create_app(settings)``: the ASGI application with its routers, middleware, error handlers and state."""

from __future__ import annotations

import gc
import itertools
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smarthall.api import include_routers
from smarthall.core import coalesce, contract, runtime
from smarthall.core.bodylimit import BodyLimit
from smarthall.core.clock import Clock, SystemClock
from smarthall.core.config import Settings
from smarthall.core.crypto import setup_security as setup_security  # re-exported: tests and benches import it here
from smarthall.core.db import Database, is_lock_timeout
from smarthall.core.errors import HallError
from smarthall.core.headers import SecurityHeaders
from smarthall.core.logging import configure_logging, request_id_var
from smarthall.core.ratelimit import build_limiter
from smarthall.core.tasks import configure_tasks
from smarthall.wiring import build_registry

log = logging.getLogger("smarthall")
PROBLEM = "application/problem+json"
STATIC_DIR = Path(__file__).parent / "web" / "static"

_HTTP_CODES: dict[int, tuple[str, str, str]] = {
    404: ("not_found", "未找到请求的资源", "The requested resource was not found"),
    405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
    401: ("unauthorized", "请先登录", "Authentication is required"),
    403: ("forbidden", "无权执行此操作", "You are not allowed to do this"),
    413: ("payload_too_large", "请求内容过大", "The request body is too large"),
}


def problem(
    status: int, code: str, zh: str, en: str, detail: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://smarthall.example/problems/{code}",
        "title": en,
        "status": status,
        "code": code,
        "message_zh": zh,
        "message_en": en,
    }
    if detail is not None:
        body["detail"] = detail
    rid = request_id_var.get()
    if rid:
        body["request_id"] = rid
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        out.append(
            {
                "field": ".".join(loc) or None,
                "location": str(err.get("loc", ("",))[0]),
                "code": err.get("type"),
                "message_en": err.get("msg"),
                "message_zh": _zh_for(err.get("type", ""), err.get("ctx") or {}),
            }
        )
    return out


def _zh_for(kind: str, ctx: dict[str, Any]) -> str:
    table = {
        "missing": "缺少必填项",
        "string_too_long": f"内容过长(最多{ctx.get('max_length', '')}个字符)",
        "string_too_short": f"内容过短(至少{ctx.get('min_length', '')}个字符)",
        "int_parsing": "应为整数",
        "float_parsing": "应为数字",
        "bool_parsing": "应为是/否",
        "extra_forbidden": "不允许的字段",
        "literal_error": "取值不在允许范围内",
        "json_invalid": "JSON格式错误",
        "model_attributes_type": "格式错误",
        "dict_type": "应为对象",
        "list_type": "应为列表",
        "string_type": "应为文本",
        "greater_than_equal": f"应不小于{ctx.get('ge', '')}",
        "less_than_equal": f"应不大于{ctx.get('le', '')}",
        "string_pattern_mismatch": "格式不正确",
        "date_from_datetime_parsing": "日期格式错误",
        "date_parsing": "日期格式错误",
    }
    return table.get(kind, "内容不符合要求")


def _wants_page(request: Request) -> bool:
    """A person's browser asking for a page (not the API, not a script): a refusal is then a page in words with a
    way on, not problem+json text (a mistyped link, a busy moment on a page that writes its audit line)."""
    path = request.url.path
    return not path.startswith(("/api/", "/static/")) and "text/html" in request.headers.get("accept", "")


def _page_or_problem(
    request: Request,
    status: int,
    code: str,
    zh: str,
    en: str,
    detail: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if _wants_page(request):
        from smarthall.web.templating import message_page

        page = message_page(request, status, zh, en, code=code)
        page.headers.update(headers or {})
        return page
    return problem(status, code, zh, en, detail, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HallError)
    async def _hall_error(request: Request, exc: HallError) -> Response:
        if _wants_page(request):
            return _page_or_problem(
                request, exc.status_, exc.code_, exc.message_zh_, exc.message_en_, None, exc.headers
            )
        return JSONResponse(
            exc.to_problem(request_id_var.get()), status_code=exc.status_, media_type=PROBLEM, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return _page_or_problem(
            request,
            422,
            "validation_error",
            "提交的内容未通过校验",
            "The submitted data did not pass validation",
            _validation_detail(exc),
        )

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> Response:
        if not is_lock_timeout(exc):
            raise exc
        return _page_or_problem(
            request,
            503,
            "busy",
            "系统繁忙,请稍后重试",
            "The system is busy, please retry",
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(DataError)
    async def _nul_in_text(request: Request, exc: DataError) -> Response:
        # PostgreSQL stores no NUL (0x00) in text: a NUL typed into any field (a login name, a help request, a
        # question, a path) failed the statement and answered 500 (attack12 probe). It is the caller's input. In a
        # JSON column the same NUL arrives as the escape \u0000, which PostgreSQL's jsonb refuses in its own words.
        text = str(exc.orig)
        if "NUL" not in text and "unsupported Unicode escape sequence" not in text:
            raise exc
        return _page_or_problem(
            request, 422, "nul_character", "提交的文字中含有空字符(NUL),请删除后重试",
            "The text contains a NUL character; remove it and retry",
        )  # fmt: skip

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, zh, en = _HTTP_CODES.get(exc.status_code, ("http_error", "请求无法处理", str(exc.detail)))
        return _page_or_problem(request, exc.status_code, code, zh, en, headers=getattr(exc, "headers", None))


_RID_PREFIX = uuid.uuid4().hex[:12]
_rid_counter = itertools.count(1)


def _new_request_id() -> str:
    """Unique across processes and restarts (a random prefix per process) without a syscall per request."""
    return f"{_RID_PREFIX}{next(_rid_counter):012x}"


class RequestContext:
    """Pure ASGI middleware: request id (``X-Request-ID``), one log line per request, and a problem+json 500 for
    anything unexpected. (Starlette's ``BaseHTTPMiddleware`` costs a task and a stream per request.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                rid = value.decode("latin-1")[:64]
                break
        rid = rid or _new_request_id()
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if response_started:
                raise
            status = 500
            response = problem(500, "internal_error", "服务器内部错误,请稍后重试", "Internal server error")
            await response(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %s",
                    scope.get("method"),
                    scope.get("path"),
                    status,
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            request_id_var.reset(token)


def register_known_provinces(database: Database) -> None:
    """ID numbers of the imported hall tree's provinces are valid in every process, not only in the importing one."""
    from sqlalchemy.exc import SQLAlchemyError

    from smarthall.core.validators import register_provinces
    from smarthall.org import service as org_service

    try:
        with database.unit_of_work(write=False) as session:
            register_provinces(org_service.region_codes(session))
    except SQLAlchemyError:
        log.warning("regions not readable yet (database not migrated?); ID prefixes of the hall tree not registered")


GC_THRESHOLDS = (10_000, 20, 50)


def tune_gc() -> None:
    """Everything alive once the app has started (modules, catalogs, dictionaries) is frozen out of collection,
    and the young generation is collected every 10,000 allocations instead of 700: on this heap a full collection
    took up to a fifth of a second, every request waiting behind it (see docs/decisions.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    register_known_provinces(app.state.db)
    settings: Settings = app.state.settings
    if settings.gc_tuning and settings.environment != "test":
        tune_gc()
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    yield


def _clock(settings: Settings, db: Database) -> Clock:
    """The real clock; in the dev demo, the deployment's shared demo clock (``demo.shared_clock``): started after
    the demo hall's hours it runs from the hall's next working morning, the same for every process on the data dir."""
    real = SystemClock()
    if settings.environment != "dev" or not settings.demo_clock:
        return real
    from smarthall.core.clock import DEMO_CLOCK_FILE, SharedDemoClock
    from smarthall.demo import shared_clock

    path = settings.data_dir / DEMO_CLOCK_FILE
    try:
        with db.session(write=False) as session:
            return shared_clock(session, path, real)
    except (HallError, SQLAlchemyError, RuntimeError, OSError):  # not seeded yet, or unwritable: follow what is stored
        return SharedDemoClock(path, real=real)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_json)
    master, secret, signer = setup_security(settings)

    app = FastAPI(
        title="smarthall 智慧政务服务大厅",
        version="0.1.0",
        description="Intelligent government service hall platform after GB/T 44888-2024.",
        docs_url=None,  # served by web.pages with the vendored Swagger UI (no CDN, no inline script)
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    registry = build_registry(settings)
    app.state.settings = settings
    app.state.registry = registry
    app.state.db = Database(
        settings.resolved_database_url,
        lock_timeout_ms=settings.db_lock_timeout_ms,
        sqlite_synchronous=settings.sqlite_synchronous,
        registry=registry,
    )
    app.state.clock = clock or _clock(settings, app.state.db)
    app.state.db.limiter = build_limiter(settings.redis_url, settings.rate_limits)
    app.state.secret_key = secret
    app.state.signer = signer
    app.state.master_key = master
    runtime.configure(settings, app.state.db, app.state.clock).extras["signer"] = signer
    configure_tasks(settings)
    coalesce.configure(inline=settings.environment == "test")

    install_error_handlers(app)
    include_routers(app, registry)
    contract.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(RequestContext)
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxies:  # outermost: every layer within sees the client behind the proxy
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app
