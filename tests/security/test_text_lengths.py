"""Text too long for its column (issue 12, attack12b): on PostgreSQL a value longer than ``String(n)`` is refused by
the database (SQLite stores it), so a request body whose bound is looser than the column answered 500.

Generated: for every JSON request body of the OpenAPI, each string field that names a ``String(n)`` column of a
model of the same domain (the body model's package, e.g. ``queueing.schemas`` → ``queueing.models``) must carry a
``maxLength`` no longer than the column. New bodies and columns are checked without editing this file; a field
stored elsewhere under another name is not seen (the probe below covers those found).
"""

from __future__ import annotations

import re
import typing
from typing import Any

import sqlalchemy as sa
from fastapi.routing import APIRoute
from pydantic import BaseModel

from tests.conftest import auth
from tests.factories import assert_problem


def _domain(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "smarthall" else ""


def _columns_by_domain() -> dict[str, dict[str, int]]:
    from smarthall import all_models  # noqa: F401  (every model registered)
    from smarthall.core.models import Base

    out: dict[str, dict[str, int]] = {}
    for mapper in Base.registry.mappers:
        cols = out.setdefault(_domain(mapper.class_.__module__), {})
        for column in mapper.columns:
            if isinstance(column.type, sa.String) and column.type.length and not isinstance(column.type, sa.Enum):
                name = column.key
                cols[name] = min(cols.get(name, column.type.length), column.type.length)
    return out


def _routes(app: Any) -> list[tuple[str, APIRoute]]:
    """Every route of the app, included routers walked (``app.routes`` holds the included routers)."""
    out: list[tuple[str, APIRoute]] = []

    def walk(items: Any, prefix: str) -> None:
        for route in items:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                out.append((f"{sorted(route.methods)[0]} {prefix}{route.path}", route))

    walk(app.routes, "")
    return out


def _text_fields(app: Any) -> list[tuple[str, str, str, Any]]:
    """(where, domain, field name, pydantic FieldInfo) of every string a request body carries: a JSON body model's
    fields (domain of the model) and a page form's fields (domain of the page)."""
    out: list[tuple[str, str, str, Any]] = []
    models: set[type[BaseModel]] = set()
    for where, route in _routes(app):
        for param in route.dependant.body_params:
            kind = param.field_info.annotation
            for candidate in (kind, *typing.get_args(kind)):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate not in models:
                    models.add(candidate)
                    for name, field in candidate.model_fields.items():
                        out.append((f"{where} {candidate.__name__}", _domain(candidate.__module__), name, field))
            if _is_text(kind):
                out.append((f"{where} form", _domain(route.endpoint.__module__), param.name, param.field_info))
    return out


def _max_length(field: Any) -> int | None:
    """The longest text the field takes: its ``max_length``, or the widest match of its ``pattern``."""
    bounds = []
    for meta in field.metadata:
        if getattr(meta, "max_length", None) is not None:
            bounds.append(int(meta.max_length))
        if getattr(meta, "pattern", None):
            widest = re._parser.parse(meta.pattern).getwidth()[1]  # type: ignore[attr-defined]
            if widest < re._constants.MAXREPEAT:  # type: ignore[attr-defined]
                bounds.append(widest)
    return min(bounds) if bounds else None


def _is_text(annotation: Any) -> bool:
    return annotation is str or str in typing.get_args(annotation)


def test_every_model_backed_body_string_is_bounded_by_its_column(env: Any) -> None:
    columns = _columns_by_domain()
    loose, checked = [], 0
    for where, domain, name, field in _text_fields(env.app):
        own = columns.get(domain, {})
        if name not in own or not _is_text(field.annotation):
            continue
        checked += 1
        bound = _max_length(field)
        if bound is None or bound > own[name]:
            loose.append(f"{where}.{name}: maxLength {bound} > column {own[name]}")
    assert checked > 100, checked  # the walk found the bodies (not an empty pass)
    assert loose == [], "bound the field by its column (Field(max_length=n)):\n" + "\n".join(loose)


def test_the_probes_overlong_texts_are_422_not_500(env: Any, client: Any) -> None:
    """The bodies the generated check found looser than their columns now refuse at the schema, on both backends (the
    board notice was also bounded in its service, ``notice_invalid``; the hall codes are looked up before a write)."""
    manager = auth(client, "hallmanager1")
    notice = client.put("/api/v1/halls/H-690102/board-notice", json={"text_zh": "通" * 201}, headers=manager)
    assert_problem(notice, 422, "validation_error")
    notice_en = client.put(
        "/api/v1/halls/H-690102/board-notice", json={"text_zh": "通知", "text_en": "n" * 301}, headers=manager
    )
    assert_problem(notice_en, 422, "validation_error")
    fits = client.put("/api/v1/halls/H-690102/board-notice", json={"text_zh": "通" * 200}, headers=manager)
    assert fits.status_code < 300, fits.text
    rule = {"scope": "type:x", "retention": "10y", "hall_code": "H" * 33}
    assert_problem(client.put("/api/v1/archives/retention-rules", json=rule, headers=auth(client, "admin1")), 422,
                   "validation_error")  # fmt: skip
