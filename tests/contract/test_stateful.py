"""Stateful contract run (issue 12 item 11): schemathesis' state machine follows the OpenAPI links the contract
declares (``core.contract.declare_links``: a ticket's id to its page and actions, a case's number to its actions
and archive, a booking's code to its cancellation, an API client's id to its approval …) with a bearer token of each
role, so that later operations get ids that exist, made by the caller; links fill request bodies too (a ticket's id
into ``/evaluations/links``, a question's id and token into its feedback). Each caller's machine holds only the
operations its role may call (read from the routes' ``require(...)``), and may start from who it is (``GET /me``:
its hall and window, and every operation of its role that needs no record's id) as well as from a creation. Every
answer must be no 5xx and as documented (status code, content type, body schema). Bounded (a few scenarios of a few
steps per role, fixed seeds) so that it runs in ``make test``, on SQLite and on PostgreSQL when
``SMARTHALL_TEST_DATABASE_URL`` is set; ``SMARTHALL_STATEFUL_SCENARIOS`` and ``SMARTHALL_STATEFUL_STEPS`` deepen it
by hand.

Figures of a run are in docs/benchmarks.md; the method in docs/security.md."""

from __future__ import annotations

import copy
import inspect
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi import stateful as machines
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smarthall.identity.permissions import permissions_for
from tests.cases.helpers import generic_form, prefilled, upload
from tests.conftest import auth
from tests.factories import make_id_number

SCENARIOS = int(os.environ.get("SMARTHALL_STATEFUL_SCENARIOS", "16"))
STEPS = int(os.environ.get("SMARTHALL_STATEFUL_STEPS", "8"))
REPORT = os.environ.get("SMARTHALL_STATEFUL_REPORT", "")  # a file to write the run's figures to
CITIZEN = "690102199003071232"
ROLES = (CITIZEN, "clerk1", "approver1", "hallmanager1", "admin1", "auditor1")
ROLE_OF = {
    CITIZEN: "citizen", "clerk1": "clerk", "approver1": "approver", "hallmanager1": "hall_manager", "admin1": "admin",
    "auditor1": "auditor", "kiosk": "kiosk",
}  # fmt: skip
# Where a caller's scenarios may start besides a creation: who it is (its hall, its window), which leads (in the run's
# copy of the document) to every operation of its role that needs no record's id.
HUB = {"person": "GET /api/v1/me", "device": "GET /api/v1/whoami-device"}
# Not in the run: what ends the caller's own credential (every later step would be a 401), and the event streams
# (an answer that never ends).
LEFT_OUT = {"POST /api/v1/auth/logout", "POST /api/v1/me/password", "POST /api/v1/auth/token"}
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
HALL = "H-690102"
KIOSK = {"X-Device-Key": "demo-kiosk-key"}


def _seeds(client: Any) -> dict[str, Any]:
    """Bodies that make the creations succeed ("METHOD path" -> a function giving a fresh body): generated bodies
    are nearly always refused (an item code, a hall, a slot that exist), and a refused creation feeds no link. The
    creations themselves are fuzzed by the stateless conformance test; here they make records to follow."""
    citizen = auth(client, CITIZEN)
    query = {"hall_code": HALL, "item_code": "GA-006", "date": "2026-12-01"}
    day = client.get("/api/v1/appointment-slots", params=query)
    slots = iter([s["id"] for s in day.json()])
    form, _ = prefilled(client, citizen, "SC-001")
    form.update(generic_form())
    files = iter([upload(client, citizen) for _ in range(2 * SCENARIOS)])
    staff = iter(range(10_000))

    def case() -> dict[str, Any]:
        materials = [{"material_code": c, "file_id": next(files, "")} for c in ("SC-001-M02",)]
        return {"item_code": "SC-001", "hall_code": HALL, "form": form, "materials": materials}

    return {
        "POST /api/v1/tickets": lambda: {"hall_code": HALL, "item_code": "GA-001"},
        "POST /api/v1/appointments": lambda: {"slot_id": next(slots, 1), "item_code": "GA-006"},
        "POST /api/v1/cases": case,
        "POST /api/v1/api-clients": lambda: {
            "name": "状态测试系统", "hall_code": HALL, "scopes": ["cases.act"], "department_codes": ["SC"],
        },
        "POST /api/v1/staff": lambda: {
            "username": f"stateful{next(staff)}", "name": "孙八", "id_number": make_id_number(), "role": "clerk",
            "hall_code": HALL,
        },
        "POST /api/v1/consult/ask": lambda: {"question": "护照过期了怎么换"},
        # What a link fills (a ticket's id, a case's number, a question's id and token) is kept over these.
        "POST /api/v1/evaluations/links": lambda: {},
        "POST /api/v1/help-requests": lambda: {"hall_code": HALL, "source": "kiosk", "description": "需要帮助填表"},
        "POST /api/v1/handovers": lambda: {"case_no": "", "kind": "station", "result_at": "receiver", "note": "转交"},
        "POST /api/v1/consult/feedback": lambda: {"helpful": False},
        "POST /api/v1/consult/routes": lambda: {"route": "window", "hall_code": HALL},
        "POST /api/v1/staff-cards": lambda: {"staff_code": "", "color": "yellow", "reason": "离岗", "hall_code": HALL},
    }  # fmt: skip


def _allowed(app: Any, role: str) -> set[str]:
    """The operations a role may call ("METHOD path"): those whose ``require(...)`` permissions it holds (read from
    the routes' dependencies, so that a new route is placed without editing this file); a role's scenarios are made
    of these, not spent on the 403s of the rest (the generated role tests check those)."""
    held = permissions_for(role)
    out = set()

    def walk(items: Any, prefix: str) -> Any:  # as ``all_routes`` of the attack sweep: included routers walked
        for route in items:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                yield prefix + route.path, route

    for path, route in walk(app.routes, ""):
        needed: set[str] = set()
        stack = [route.dependant]
        while stack:
            dependant = stack.pop()
            call = dependant.call
            if getattr(call, "__qualname__", "") == "require.<locals>._check" and call is not None:
                needed.update(inspect.getclosurevars(call).nonlocals["permissions"])
            stack.extend(dependant.dependencies)
        if needed <= held:
            out.update(f"{m} {path}" for m in route.methods)
    return {op for op in out - LEFT_OUT if not op.endswith("/stream")}


def _with_hub(raw: dict[str, Any], hub: str, allowed: set[str]) -> dict[str, Any]:
    """The run's copy of the document: the caller's ``HUB`` links to every allowed operation without a path
    parameter (a list, a report, a form to fill), its ``hall_code`` query filled from who the caller is."""
    doc = copy.deepcopy(raw)
    method, path = hub.split(" ")
    answer = doc["paths"][path][method.lower()]["responses"]["200"]
    links = answer.setdefault("links", {})
    for op in sorted(allowed):
        m, p = op.split(" ", 1)
        operation = doc["paths"].get(p, {}).get(m.lower())
        if operation is None or "{" in p or op == hub or operation["operationId"] in links:
            continue
        query = {x["name"] for x in operation.get("parameters", []) if x.get("in") == "query"}
        mine = "hall_code" in query and hub == HUB["person"]
        params = {"query.hall_code": "$response.body#/hall_code"} if mine else {}
        links[operation["operationId"]] = {"operationId": operation["operationId"], "parameters": params}
    return doc


@dataclass
class Run:
    """What the machines of all callers did: calls and answers per operation, failures, scenarios per caller."""

    calls: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, set[int]] = field(default_factory=dict)
    failures: dict[str, set[str]] = field(default_factory=dict)
    scenarios: dict[str, int] = field(default_factory=dict)


def _machine(base: type, who: str, headers: dict[str, str], seeds: dict[str, Any], run: Run) -> type:
    """The state machine of one caller: its credentials on every call, real bodies for the creations, and every
    answer checked and recorded rather than raised (all failures are reported together)."""

    class Machine(base):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def step(self, input: Any) -> Any:
            case = input.case
            seed = seeds.get(f"{case.method.upper()} {case.operation.path}")
            if seed is not None:
                # A real body, with what a link put into it (a booking's code, an entrustor's id) kept.
                linked = {n for loc, n in input.applied_parameters if loc == ParameterLocation.BODY and n}
                body = seed()
                if isinstance(case.body, dict):
                    body.update({n: case.body[n] for n in linked if n in case.body})
                case.body = body
            return super().step(input)

        def teardown(self) -> None:
            run.scenarios[who] = run.scenarios.get(who, 0) + 1

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            label = f"{case.method.upper()} {case.operation.path}"
            run.calls[label] = run.calls.get(label, 0) + 1
            run.statuses.setdefault(label, set()).add(response.status_code)
            found = run.failures.setdefault(label, set())
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, then reported
                found.add(f"{who} {response.status_code}: {str(exc).splitlines()[0][:200]}")

    return Machine


def budget(scenarios: int) -> settings:
    return settings(
        max_examples=max(1, scenarios),
        stateful_step_count=STEPS,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # the records made change the state: a replay would not be the same run
        suppress_health_check=list(HealthCheck),
    )


def test_linked_operations_answer_as_documented_for_every_role(env, client, monkeypatch):
    # Every creation may start a scenario, and so may who the caller is (``HUB``): schemathesis keeps out of the
    # roots a creation whose inputs (a slot, a file, a citizen) no operation of its dependency graph produces; here
    # ``_seeds`` gives them real ones.
    hubs = set(HUB.values())
    root = lambda operation, *_: operation.method == "post" or operation.label in hubs  # noqa: E731
    monkeypatch.setattr(machines, "is_likely_root_transition", root)
    raw = client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    # Only the links the contract declares (not schemathesis' own guesses): what a client reads in the document.
    schema.config.phases.stateful.inference.algorithms = []
    links = schema.statistic.transitions.total
    assert links >= 100, links  # the rules of core.contract found the producers and their consumers
    run = Run()
    seeds = _seeds(client)
    started = time.perf_counter()
    for who in (*ROLES, "kiosk"):
        headers = KIOSK if who == "kiosk" else auth(client, who)
        allowed = _allowed(env.app, ROLE_OF[who])
        hub = HUB["device" if who == "kiosk" else "person"]
        mine = schemathesis.openapi.from_dict(_with_hub(raw, hub, allowed | {hub}))
        mine.app, mine.location = env.app, "/openapi.json"
        mine.config.phases.stateful.inference.algorithms = []
        mine = mine.include(lambda ctx, ops=allowed | {hub}: ctx.operation.label in ops)
        machine = _machine(mine.as_state_machine(), who, headers, seeds, run)
        # The records made change what later scenarios can do, which Hypothesis takes for a flaky strategy when it
        # walks a prefix it saw before: as schemathesis' own runner does, a new suite (seed) takes up the budget.
        for attempt in range(5):
            done = run.scenarios.get(who, 0)
            if done >= SCENARIOS:
                break
            try:
                hypothesis.seed(attempt)(machine).run(settings=budget(SCENARIOS - done))
            except Flaky:
                pass
    figures = {
        "backend": env.backend,
        "links": links,
        "operations": len(run.calls),
        "scenarios": sum(run.scenarios.values()),
        "calls": sum(run.calls.values()),
        "seconds": round(time.perf_counter() - started, 1),
        "statuses": {k: sorted(v) for k, v in sorted(run.statuses.items())},
    }
    if REPORT:  # the figures of docs/benchmarks.md, a file per backend (``run.json`` -> ``run-sqlite.json``)
        report = Path(REPORT)
        report.with_name(f"{report.stem}-{env.backend}{report.suffix}").write_text(json.dumps(figures, indent=1))
    failures = {k: v for k, v in run.failures.items() if v}
    assert not failures, json.dumps({k: sorted(v) for k, v in failures.items()}, ensure_ascii=False, indent=1)
    # The links were followed: creations and the operations on what they created were both called.
    linked = {"GET /api/v1/tickets/{ticket_id}", "GET /api/v1/cases/{case_no}", "GET /api/v1/api-clients/{client_id}"}
    assert linked & set(run.calls), sorted(run.calls)


def test_the_contract_links_creations_to_what_follows(client):
    """The links a client (and the state machine) follows, found by the rules of ``core.contract``."""
    paths = client.get("/openapi.json").json()["paths"]

    def targets(path: str) -> dict[str, dict[str, str]]:
        answer = paths[path]["post"]["responses"]["201"]
        return {name: link["parameters"] for name, link in answer.get("links", {}).items()}

    def named(path: str, method: str) -> str:
        return str(paths[path][method]["operationId"])

    ticket = targets("/api/v1/tickets")
    assert ticket[named("/api/v1/tickets/{ticket_id}", "get")] == {"ticket_id": "$response.body#/id"}
    assert ticket[named("/api/v1/tickets/by-token/{token}", "get")] == {"token": "$response.body#/token"}
    case = targets("/api/v1/cases")
    assert case[named("/api/v1/cases/{case_no}/actions", "post")] == {"case_no": "$response.body#/case_no"}
    assert case[named("/api/v1/archives/{case_no}", "get")] == {"case_no": "$response.body#/case_no"}
    booking = targets("/api/v1/appointments")
    assert booking[named("/api/v1/appointments/{code}", "delete")] == {"code": "$response.body#/code"}
    assert booking[named("/api/v1/tickets/{ticket_id}", "get")] == {"ticket_id": "$response.body#/ticket_id"}
    clients = targets("/api/v1/api-clients")
    approve = named("/api/v1/api-clients/{client_id}/approve", "post")
    assert clients[approve] == {"client_id": "$response.body#/client/id"}
    # A second parameter is linked only by its own name: a key's id is not the client's.
    revoke = named("/api/v1/api-clients/{client_id}/keys/{key_id}/revoke", "post")
    assert clients[revoke] == {"client_id": "$response.body#/client/id"}
    # A shared code (a hall's) links nothing by name: a new ticket does not lead to every operation of its hall.
    assert named("/api/v1/halls/{hall_code}/live", "get") not in ticket

    # Rule 3: what a creation answers fills the bodies that name it.
    def bodies(path: str) -> dict[str, Any]:
        links = paths[path]["post"]["responses"]["201" if path != "/api/v1/consult/ask" else "200"]["links"]
        return {name: link.get("requestBody") for name, link in links.items()}

    assert bodies("/api/v1/tickets")[named("/api/v1/evaluations/links", "post")] == {"ticket_id": "$response.body#/id"}
    asked = bodies("/api/v1/consult/ask")[named("/api/v1/consult/feedback", "post")]
    assert asked == {"question_id": "$response.body#/question_id", "feedback_token": "$response.body#/feedback_token"}
    code = {"appointment_code": "$response.body#/code"}
    assert bodies("/api/v1/appointments")[named("/api/v1/tickets", "post")] == code
    # Rule 4: the caller's own hall and window; rule 5: a list's first record.
    me = {n: link["parameters"] for n, link in paths["/api/v1/me"]["get"]["responses"]["200"]["links"].items()}
    assert me[named("/api/v1/halls/{hall_code}/live", "get")] == {"hall_code": "$response.body#/hall_code"}
    window = {"window_code": "$response.body#/window_code"}
    assert me[named("/api/v1/windows/{window_code}/call-next", "post")] == window
    listed = paths["/api/v1/help-requests"]["get"]["responses"]["200"]["links"]
    assert listed[named("/api/v1/help-requests/{request_id}/actions", "post")]["parameters"] == {
        "request_id": "$response.body#/0/id"
    }
