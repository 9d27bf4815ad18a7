"""The rules admin page (规则设置): pick a hall in your scope, see every rule's effective value, unit, the level it
comes from and its version; administrators set or clear an override at the hall or at a region they supervise;
everyone who may read sees each rule's history. Hall managers and auditors read, administrators edit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.i18n import Lang, catalog, label, translate
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service
from smarthall.rules import service
from smarthall.rules.definitions import RULES, RuleDef
from smarthall.web.templating import error_page, gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
HallCode = Annotated[str | None, Query(max_length=40)]
_INTEGER = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Row:
    """One rule as the page shows it."""

    definition: RuleDef
    effective: service.Effective
    source_name: str  # the name of the region or hall the value comes from ("" for the platform)
    overrides: list[Any]  # the overrides along the hall's chain, nearest first


def _hall(session: Any, actor: Actor, hall_code: str | None) -> org_service.HallFacts:
    hall = org_service.hall_facts(session, hall_code or actor.hall_code or "")
    actor.ensure_hall(hall.id, hall.region_path)
    return hall


def _context(
    session: Any, actor: Actor, hall: org_service.HallFacts, *, error: HallError | None = None, error_key: str = ""
) -> dict[str, Any]:
    scopes = org_service.chain_scopes(session, hall)
    names = {s.code: s.name for s in scopes}
    may_manage = actor.has("rules.manage")
    managed = [s for s in reversed(scopes) if may_manage and org_service.manages_scope(actor, s)]
    effective = service.effective_all(session, hall)
    along = service.overrides_along(session, hall)
    groups: dict[str, list[Row]] = {}
    for key, definition in RULES.items():
        value = effective[key]
        row = Row(definition, value, names.get(value.scope_code or "", ""), along.get(key, []))
        groups.setdefault(definition.domain, []).append(row)
    return {
        "value_words": value_words,
        "map_key_words": map_key_words,
        "hall": hall,
        "halls": org_service.halls_in_scope(session, actor),
        "scopes": scopes,
        "scope_names": names,
        "managed": managed,
        "managed_codes": {s.code for s in managed},
        "groups": groups,
        "error": error,
        "error_key": error_key,
    }


@router.get("/admin/rules")
def rules_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    hall_code: HallCode = None,
    saved: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    if (denied := gate(request, actor, "rules.read")) is not None:
        return denied
    try:
        hall = _hall(session, actor, hall_code)
    except HallError as exc:
        return error_page(request, exc)
    context = _context(session, actor, hall)
    context["saved"] = saved if saved in RULES else None
    return render(request, "rules/index.html", context)


@router.get("/admin/rules/{key}/history")
def history_page(
    key: str, request: Request, session: DbSession, actor: CurrentActor, hall_code: HallCode = None
) -> Response:
    if (denied := gate(request, actor, "rules.read")) is not None:
        return denied
    try:
        hall = _hall(session, actor, hall_code)
        versions = service.history(session, hall, key)
    except HallError as exc:
        return error_page(request, exc)
    scopes = {s.code: s for s in org_service.chain_scopes(session, hall)}
    context = {
        "hall": hall,
        "definition": RULES[key],
        "versions": versions,
        "scopes": scopes,
        "value_words": value_words,
    }
    if request.headers.get("hx-request") == "true":
        return render(request, "rules/_history.html", context)
    return render(request, "rules/history.html", context)


def _number(raw: str) -> Any:
    """A form field as the number it spells (the rule then checks type and bounds), or the text itself."""
    text = raw.strip()
    if _INTEGER.match(text):
        return int(text)
    if _NUMBER.match(text):
        return float(text)
    return text


def form_value(definition: RuleDef, value: str, map_keys: list[str], map_values: list[str]) -> Any:
    """The value a rule's form submits: a number, a yes/no, or one number per key of a map rule."""
    if definition.kind == "bool":
        return {"true": True, "false": False}.get(value, value)
    if definition.kind == "formula":
        return value
    if definition.kind == "map":
        return {k: _number(v) for k, v in zip(map_keys, map_values, strict=False) if k}
    return _number(value)


def _back(hall_code: str, key: str) -> Response:
    return RedirectResponse(f"/admin/rules?hall_code={hall_code}&saved={key}#rule-{key}", status_code=303)


def _refused(request: Request, session: Any, actor: Actor, hall_code: str, key: str, exc: HallError) -> Response:
    """The page again with the refusal beside the rule (a refused change has written nothing); an error page when
    there is no such rule to show it beside."""
    if key not in RULES:
        return error_page(request, exc)
    try:
        hall = _hall(session, actor, hall_code)
    except HallError:
        return error_page(request, exc)
    context = _context(session, actor, hall, error=exc, error_key=key)
    context["saved"] = None
    return render(request, "rules/index.html", context, status_code=exc.status_)


@router.post("/admin/rules/{key}")
def set_submit(
    key: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    scope_code: Annotated[str, Form(max_length=40)] = "",
    hall_code: Annotated[str, Form(max_length=40)] = "",
    value: Annotated[str, Form(max_length=40)] = "",
    map_key: Annotated[list[str] | None, Form(max_length=40)] = None,
    map_value: Annotated[list[str] | None, Form(max_length=40)] = None,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if (denied := gate(request, actor, "rules.manage")) is not None:
        return denied
    try:
        definition = service.rule(key)
        service.set_rule(
            session,
            actor,
            key=key,
            scope_code=scope_code,
            value=form_value(definition, value, map_key or [], map_value or []),
            note=note,
            now=now,
        )
    except HallError as exc:
        return _refused(request, session, actor, hall_code, key, exc)
    return _back(hall_code, key)


@router.post("/admin/rules/{key}/clear")
def clear_submit(
    key: str,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    scope_code: Annotated[str, Form(max_length=40)] = "",
    hall_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if (denied := gate(request, actor, "rules.manage")) is not None:
        return denied
    try:
        service.clear_rule(session, actor, key=key, scope_code=scope_code, now=now)
    except HallError as exc:
        return _refused(request, session, actor, hall_code, key, exc)
    return _back(hall_code, key)


def value_words(definition: RuleDef, value: Any, lang: Lang) -> str:
    """A rule's value in words: the number with its unit (or what 0 means), yes/no, or each entry of a map."""
    if definition.kind == "bool":
        return translate("rules.yes" if value else "rules.no", lang)
    if definition.kind == "formula":
        return str(value)
    if definition.kind == "map" and isinstance(value, dict):
        return ";".join(f"{map_key_words(k, lang)}:{_amount(definition, v, lang)}" for k, v in value.items())
    return _amount(definition, value, lang)


def _amount(definition: RuleDef, value: Any, lang: Lang) -> str:
    if value == 0 and definition.zero:
        return translate(f"rules.zero.{definition.zero}", lang)
    unit = translate(f"unit.{definition.unit}", lang) if definition.unit else ""
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{shown} {unit}".strip()


def map_key_words(key: str, lang: Lang) -> str:
    """A key of a map rule in words (the item types are words already, in English the catalog's terms,
    ``catalog.term.*``; ``default`` is "any other")."""
    word = label("rules.map_key", key, lang)
    if lang == "en" and word == key:
        terms = (en for k, (zh, en) in catalog().items() if k.startswith("catalog.term.") and zh == key)
        return next(terms, key)
    return word
