"""The Jinja2 environment shared by every page: language, translations, the current actor, local time."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.responses import RedirectResponse, Response

from smarthall.core.clock import format_local
from smarthall.core.db import attempt
from smarthall.core.errors import HallError
from smarthall.core.i18n import LANG_COOKIE, label, pick_lang, translate
from smarthall.core.tenancy import Actor

TEMPLATES_DIR = Path(__file__).parent / "templates"
# Issue 16: what provides the catalog's English names (Chinese name → English name; ``catalog.names``).
NAMES_EN_POINT = "web.names_en"


# The English names of the page being rendered (``render`` sets them around the rendering of an English page).
_NAMES_EN: ContextVar[Mapping[str, str] | None] = ContextVar("smarthall_names_en", default=None)


def _finalize(value: Any) -> Any:
    """Every value a template prints: on a page read in English, a name the catalog has in English is printed in
    English (an item, material, bundle, hall, zone, department or window name, a form field's label, printed on its
    own, however the page got it). Only a plain ``str`` equal to a whole name is replaced; markup (``|e``,
    ``|tojson``) is left as it is, which is how a template keeps a value a person typed, or a form's option, exactly
    as given. A Chinese page pays one context-variable read per printed value."""
    names = _NAMES_EN.get()
    if names is not None and type(value) is str:
        return names.get(value, value)
    return value


templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, finalize=_finalize)
)
templates.env.globals["format_local"] = format_local
templates.env.globals["label"] = label  # the word for a code: ``label('coordination.field', name, lang)``


def request_lang(request: Request) -> str:
    return pick_lang(
        request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )


def switch_lang_url(request: Request, lang: str) -> str:
    """This page in the other language: the same path and query string (a form's item and hall, a filter), with
    ``lang`` replaced — a GET page reloads as it was; after a POST the path is fetched again."""
    other = "en" if lang == "zh" else "zh"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", other)]
    return request.url.path + "?" + urlencode(query)


def _demo_time(request: Request) -> str:
    """The demo clock's time for the top bar (empty on the real clock)."""
    clock = getattr(request.app.state, "clock", None)
    if clock is None or not getattr(clock, "demo", False):
        return ""
    return format_local(clock.now(), "%m-%d %H:%M")


_SCRIPT_UNSAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(value: Any) -> str:
    """``value`` as JSON to put inside a ``<script>`` element (chart data): ``<``, ``>`` and ``&`` escaped, so a name
    holding ``</script>`` or ``<!--`` stays data and cannot end the element (the page then shows it ``|safe``)."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_UNSAFE)


def _english_names(request: Request) -> Any:
    """The catalog's English names (``NAMES_EN_POINT``), or none when nothing provides them (a bare app)."""
    database = getattr(request.app.state, "db", None)
    if database is None:
        return None
    try:
        provide = database.registry.provided(NAMES_EN_POINT)
    except LookupError:
        return None
    return provide(database)


def _named(values: dict[str, Any], names: Any) -> dict[str, Any]:
    return {k: names.get(v, v) if type(v) is str else v for k, v in values.items()}


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    lang = request_lang(request)
    names = _english_names(request) if lang == "en" else None
    ctx: dict[str, Any] = {
        "lang": lang,
        "lang_url": switch_lang_url(request, lang),
        # A name put into a sentence (``t('override.title', item=item.name)``) is in English too on an English page.
        "t": lambda key, **kw: translate(key, lang, **(_named(kw, names) if names else kw)),  # type: ignore[arg-type]
        "actor": getattr(request.state, "actor", None),
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        "demo_time": _demo_time(request),
    }
    ctx.update(context or {})
    token = _NAMES_EN.set(names or None)
    try:  # the response renders the template here, on this thread
        response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    finally:
        _NAMES_EN.reset(token)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def login_redirect(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to the login page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def message_page(request: Request, status: int, message_zh: str, message_en: str, *, code: str = "") -> Response:
    """A refusal page; ``code`` is the problem code the API would give, kept in ``data-code`` for machines."""
    return render(
        request,
        "error.html",
        {"status": status, "message_zh": message_zh, "message_en": message_en, "code": code},
        status_code=status,
    )


def error_page(request: Request, exc: HallError) -> Response:
    """A domain error shown as a page, with its own status and messages."""
    return message_page(request, exc.status_, exc.message_zh_, exc.message_en_, code=exc.code_)


T = TypeVar("T")


def write_then_go(
    request: Request,
    session: Any,
    write: Callable[[], T],
    to: Callable[[T], str],
    *,
    on_error: Callable[[HallError], Response] | None = None,
) -> Response:
    """A page's form post: ``write`` all or nothing (``core.db.attempt``); a domain refusal is shown — as the error
    page, or as ``on_error(exc)`` (the form again with the error) — with nothing of the write kept; success goes on
    to ``to(result)`` (303, so a reload does not post again). The rest of the request commits either way (the
    route's one unit of work), so never ``session.rollback()`` by hand around a write."""
    try:
        with attempt(session):
            result = write()
    except HallError as exc:
        return on_error(exc) if on_error is not None else error_page(request, exc)
    return RedirectResponse(to(result), status_code=303)


def denied(request: Request, actor: Actor, status: int = 403) -> Response:
    """Anonymous visitors are sent to log in; signed-in ones without the right role see a refusal."""
    if actor.kind == "anonymous":
        return login_redirect(request)
    return message_page(
        request, status, "您的角色无权访问此页面", "Your role cannot open this page", code="forbidden_role"
    )


def gate(request: Request, actor: Actor, permission: str) -> Response | None:
    """``None`` when ``actor`` may open a page that needs ``permission``, else the response to send instead."""
    request.state.actor = actor
    if actor.kind == "anonymous" or not actor.has(permission):
        return denied(request, actor)
    return None


def faults_of(exc: Exception) -> list[dict[str, Any]]:
    """The faults a refused form shows: the error's own list, else its one message.

    Anything but a ``HallError`` (a form that does not validate into the request model) is one "malformed" fault.
    """
    if not isinstance(exc, HallError):
        return [
            {
                "message_zh": translate("faults.malformed_form", "zh"),
                "message_en": translate("faults.malformed_form", "en"),
            }
        ]
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    faults = detail.get("faults") or []
    return faults or [{"message_zh": exc.message_zh_, "message_en": exc.message_en_}]
