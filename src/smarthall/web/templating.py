"""The Jinja2 environment shared by every page: language, translations, the current actor, local time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from smarthall.core.clock import format_local
from smarthall.core.i18n import LANG_COOKIE, pick_lang, translate

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals["format_local"] = format_local


def request_lang(request: Request) -> str:
    return pick_lang(
        request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    lang = request_lang(request)
    ctx: dict[str, Any] = {
        "lang": lang,
        "t": lambda key, **kw: translate(key, lang, **kw),  # type: ignore[arg-type]
        "actor": getattr(request.state, "actor", None),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
