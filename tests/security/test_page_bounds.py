"""Integers a PAGE takes are bounded too (issue 12, attack12 probe): ``test_bounds`` reads the OpenAPI, which holds no
page route, and the probe of the demo server found 2^63 answered 500 on four page forms — anonymously on
``POST /ask/go`` (``question_id``), and for staff on ``POST /guide`` (``citizen_id``), ``POST /window/{w}/act``
(``ticket_id``) and ``GET /staff/courses/{course_id}``. Every integer of every route (pages included, read from the
app's routes: path, query and form) must have an upper bound, so a new one is caught here."""

from __future__ import annotations

import typing
from typing import Any

import annotated_types
from fastapi.routing import APIRoute

from tests.conftest import auth
from tests.factories import assert_problem

BIG = str(2**63)
ORIGIN = {"Origin": "http://testserver"}


def _routes(items: Any, prefix: str = "") -> typing.Iterator[tuple[str, APIRoute]]:
    for route in items:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def _params(dependant: Any) -> typing.Iterator[Any]:
    yield from dependant.path_params
    yield from dependant.query_params
    yield from dependant.body_params
    for sub in dependant.dependencies:
        yield from _params(sub)


def _unbounded(app: Any) -> list[str]:
    found = []
    for path, route in _routes(app.routes):
        for param in _params(route.dependant):
            kinds = typing.get_args(param.field_info.annotation) or (param.field_info.annotation,)
            if int not in kinds:
                continue
            if not any(isinstance(m, annotated_types.Le | annotated_types.Lt) for m in param.field_info.metadata):
                found.append(f"{sorted(route.methods)} {path} {param.name}")
    return found


def test_every_integer_of_every_route_pages_included_has_a_maximum(env: Any) -> None:
    assert _unbounded(env.app) == []


def test_the_probes_huge_integers_on_pages_are_refused_not_500(client: Any) -> None:
    anonymous = client.post(
        "/ask/go", data={"route": "book", "hall_code": "H-690102", "item_code": "GA-001", "question_id": BIG},
        headers=ORIGIN, follow_redirects=False,
    )  # fmt: skip
    assert_problem(anonymous, 422, "validation_error")
    for who, method, url, form in (
        ("guide1", "POST", "/guide", {"citizen_id": BIG, "hall_code": "H-690102"}),
        ("clerk1", "POST", "/window/H-690102-W01/act", {"ticket_id": BIG, "action": "finish"}),
        ("clerk1", "GET", f"/staff/courses/{BIG}", None),
        ("hallmanager1", "GET", f"/staff/courses/{BIG}", None),
    ):
        response = client.request(
            method, url, data=form, headers={**auth(client, who), **ORIGIN}, follow_redirects=False
        )
        assert_problem(response, 422, "validation_error")
