"""IDOR range sweep (issue 12): every route of the app — ``/api/v1`` and pages, read from ``app.routes`` — whose path
names a record by an integer id or a code is called with the identifiers of REAL records of hall H-690102, read from
the database (every kind: cases, tickets, bookings, files, proxy authorizations, errands, devices, alerts, cards,
courses, faults, handovers, archives, disposals, questions, rectifications, deliveries, department systems ...), by a
staff member of another hall in each role, that hall's kiosk, and a citizen who owns none of them. Each answer is a
refusal (401/403/404; a page may also answer 422 to an empty form) that shows none of the record — never a 200.

Unlike ``test_route_sweep`` (one made record per kind, id 1 where there is none), every path parameter must map to a
table here (``SOURCES``) or be declared as naming no record (``NOT_RECORDS``): a new route with a new parameter fails
until it is mapped, and a kind with no row of the hall gets one (``_fill``: a row of the hall with every required
column filled), so no request is answered 404 only because nothing exists. Up to ``PER_KIND`` rows of each kind are
tried (the oldest and the newest of the hall: a range, not one id).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, Numeric, TypeDecorator, select, text
from sqlalchemy.sql.schema import Table

import smarthall.all_models  # noqa: F401  (every table in the metadata)
from smarthall.core.models import Base
from tests.conftest import DEFAULT_NOW, auth
from tests.security.test_route_sweep import (
    HALL,
    PAGES_EMPTY_TO_STRANGERS,
    PAGES_PUBLIC,
    PUBLIC,
    PUBLIC_FOR,
    Records,
    _body,
    _params,
    _refused,
    all_routes,
    attackers,  # noqa: F401  (the fixture)
)

PER_KIND = 3

# Path parameter -> (table, id column): the records a route names. Rows of the hall are those with its hall_id or
# hall_code; tables without either are filtered by their link (``LINKED``).
SOURCES: dict[str, tuple[str, str]] = {
    "alert_id": ("staff_alert", "id"),
    "card_id": ("staff_card", "id"),
    "course_id": ("staff_course", "id"),
    "notice_id": ("staff_change_notice", "id"),
    "case_no": ("cases_case", "case_no"),
    "client_id": ("apiclient_client", "id"),
    "key_id": ("apiclient_key", "id"),
    "delivery_id": ("webhook_delivery", "id"),
    "subscription_id": ("webhook_subscription", "id"),
    "disposal_id": ("archive_disposal", "id"),
    "document_id": ("licences_document", "id"),
    "errand_code": ("errands_errand", "code"),
    "fault_id": ("venue_fault", "id"),
    "file_id": ("cases_file", "id"),
    "handover_id": ("stations_handover", "id"),
    "order_no": ("payment_order", "order_no"),
    "proxy_id": ("assist_proxy_authorization", "id"),
    "question_id": ("consult_question", "id"),
    "rect_id": ("evaluation_rectification", "id"),
    "request_id": ("assist_help_request", "id"),
    "help_request_id": ("assist_help_request", "id"),
    "staff_code": ("identity_staff", "code"),
    "ticket_id": ("queue_ticket", "id"),
    "ref": ("queue_ticket", "id"),
    "window_code": ("org_window", "code"),
    "zone_code": ("org_zone", "code"),
}
# ``{code}`` names a different record by route: path prefix -> (table, column).
CODE_SOURCES: dict[str, tuple[str, str]] = {
    "/appointments/": ("appointment_booking", "code"),
    "/staff/": ("identity_staff", "code"),
    "/venue/lockers/": ("identity_device", "code"),
    "/venue/devices/": ("identity_device", "code"),
    "/devices/": ("identity_device", "code"),
    "/bundles/applications/": ("bundles_application", "code"),
    "/bundle-applications/": ("bundles_application", "code"),
    "/consult/kb/": ("consult_entry", "code"),
    "/consult/entries/": ("consult_entry", "code"),
    "/staff-courses/": ("staff_course", "code"),
}
# Rows of the hall in tables with no hall column: through the row they belong to.
LINKED: dict[str, str] = {
    "cases_file": "owner_kind = 'citizen' AND owner_id = :owner",
    "apiclient_key": "client_id IN (SELECT id FROM apiclient_client WHERE hall_id = :hall_id)",
    "stations_handover": "from_hall_code = :hall OR to_hall_code = :hall",
}
# Path parameters that name no record of a hall (a hall's own code is swept with its value, H-690102).
NOT_RECORDS = {
    "hall_code": "the hall itself: swept with H-690102",
    "scope_code": "a hall or region of the tree: swept with H-690102",
    "item_code": "a catalog item: public",
    "bundle_code": "a catalog bundle: public",
    "day": "a calendar date",
    "page": "a page number of a material",
    "key": "a rule key",
    "action": "a verb",
    "provider_name": "a payment provider",
    "token": "an unguessable token: its own secret (swept by the ticket token tests)",
}


class HallRows:
    """Real identifiers of H-690102's records per parameter, from the database; a kind with none gets one row."""

    def __init__(self, env: Any, records: Records) -> None:
        self.env, self.records = env, records
        with env.db.engine.connect() as conn:
            hall = conn.execute(text("SELECT id, region_path FROM org_hall WHERE code = :c"), {"c": HALL}).one()
            owner = conn.execute(text("SELECT citizen_id FROM cases_case WHERE case_no = :c"),
                                 {"c": records.case_no}).scalar_one()  # fmt: skip
            staff = conn.execute(text("SELECT id FROM identity_staff WHERE username = 'clerk1'")).scalar_one()
        self.hall_id, self.region_path, self.owner_id, self.staff_id = hall[0], hall[1], owner, staff
        self.cache: dict[tuple[str, str], list[Any]] = {}
        self.filled: list[str] = []
        self._serial = 0

    def where(self, table: Table) -> tuple[str, dict[str, Any]]:
        params = {"hall": HALL, "hall_id": self.hall_id}
        if "hall_id" in table.c:
            return "hall_id = :hall_id", params
        if "hall_code" in table.c:
            return "hall_code = :hall", params
        if table.name in LINKED:
            return LINKED[table.name], {**params, "owner": self.owner_id}
        if "case_no" in table.c:
            return "case_no = :case_no", {**params, "case_no": self.records.case_no}
        return "1 = 1", params

    def ids(self, table_name: str, column: str) -> list[Any]:
        if (table_name, column) in self.cache:
            return self.cache[(table_name, column)]
        table = Base.metadata.tables[table_name]
        condition, params = self.where(table)
        query = f"SELECT {column} FROM {table_name} WHERE {condition} ORDER BY id"
        with self.env.db.engine.connect() as conn:
            found = [r[0] for r in conn.execute(text(query), params)]
        if not found:
            self._fill(table)
            self.filled.append(table_name)
            with self.env.db.engine.connect() as conn:
                found = [r[0] for r in conn.execute(text(query), params)]
        assert found, f"no row of {HALL} in {table_name} ({condition})"
        picked = list(dict.fromkeys([found[0], found[len(found) // 2], found[-1]]))[:PER_KIND]
        self.cache[(table_name, column)] = picked
        return picked

    def _fill(self, table: Table) -> None:
        """One row of the hall in ``table``: every required column filled (the hall, its region, the demo case and
        its citizen, a clerk; a referenced row of the hall; else a plain value of the column's type)."""
        self._serial += 1
        named = {
            "hall_id": self.hall_id, "hall_code": HALL, "region_path": self.region_path,
            "case_no": self.records.case_no,
            "citizen_id": self.owner_id, "entrustor_citizen_id": self.owner_id, "owner_citizen_id": self.owner_id,
            "staff_id": self.staff_id, "window_code": f"{HALL}-W01", "from_hall_code": HALL, "to_hall_code": HALL,
            "from_hall_id": self.hall_id, "to_hall_id": self.hall_id, "from_region_path": self.region_path,
            "to_region_path": self.region_path, "owner_kind": "citizen", "owner_id": self.owner_id,
        }  # fmt: skip
        values: dict[str, Any] = {}
        for column in table.columns:
            if column.primary_key and isinstance(column.type, Integer):
                continue
            if column.nullable and column.name not in named:
                continue
            if column.default is not None or column.server_default is not None:
                if column.name not in named:
                    continue
            if column.name in named:
                values[column.name] = named[column.name]
            elif column.foreign_keys:
                ref = next(iter(column.foreign_keys)).column.table
                values[column.name] = self.ids(ref.name, next(iter(column.foreign_keys)).column.name)[-1]
            else:
                values[column.name] = self._plain(column)
        with self.env.db.engine.begin() as conn:
            conn.execute(table.insert().values(**values))

    def _plain(self, column: Any) -> Any:
        kind = column.type
        base = kind.impl_instance if isinstance(kind, TypeDecorator) else kind
        if isinstance(base, Boolean):
            return False
        if isinstance(base, Integer | Numeric | Float):
            return 1
        if isinstance(base, DateTime) or "DateTime" in type(kind).__name__:
            return DEFAULT_NOW
        if isinstance(base, Date):
            return date(2026, 12, 1)
        if isinstance(base, LargeBinary):
            return b""
        if isinstance(base, JSON) or "Json" in type(kind).__name__:
            return {}
        length = getattr(base, "length", None) or 40
        return f"idor-{column.name}-{self._serial}"[:length]


def _source(name: str, path: str) -> tuple[str, str] | None:
    if name in SOURCES:
        return SOURCES[name]
    if name == "code":
        api = path if path.startswith("/api/v1/") else "/api/v1" + path
        return next((v for prefix, v in CODE_SOURCES.items() if api.startswith("/api/v1" + prefix)), None)
    return None


def _swept_routes(env: Any) -> list[tuple[str, str]]:
    routes = []
    unmapped: dict[str, str] = {}
    for method, path in all_routes(env.app):
        if path.startswith(("/static", "/docs", "/openapi")):
            continue
        params = _params(path)
        for name in params:
            if name not in NOT_RECORDS and _source(name, path) is None:
                unmapped[f"{method} {path}"] = name
        if any(_source(n, path) is not None for n in params):
            routes.append((method, path))
    assert not unmapped, "path parameters that name no table (map them in SOURCES/CODE_SOURCES or NOT_RECORDS): " + (
        json.dumps(unmapped, indent=1))  # fmt: skip
    return routes


def _marks(env: Any, table_name: str, column: str, value: Any) -> list[str]:
    """What identifies the record in an answer: its code-like text columns (case number, order number, code ...)."""
    table = Base.metadata.tables[table_name]
    with env.db.engine.connect() as conn:
        row = conn.execute(select(table).where(table.c[column] == value)).mappings().first()
    if row is None:
        return []
    out = []
    for name in ("case_no", "order_no", "code", "number", "username"):
        if name in row and isinstance(row[name], str) and len(row[name]) >= 6 and row[name] != HALL:
            out.append(row[name])
    return out


@pytest.fixture()
def strangers(attackers: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:  # noqa: F811
    """Another hall's staff in every role, its kiosk, and a citizen who owns none of the records (the anonymous
    caller is swept by test_route_sweep; here, those who hold some credential)."""
    return {who: headers for who, headers in attackers.items() if who != "anonymous"}


def _combinations(rows: HallRows, path: str) -> list[tuple[str, list[str]]]:
    """The concrete paths for ``path``: every record parameter over its range of real ids (the others fixed)."""
    params = _params(path)
    ranges: dict[str, list[Any]] = {}
    tables: dict[str, tuple[str, str]] = {}
    for name in params:
        source = _source(name, path)
        if source is not None:
            ranges[name] = rows.ids(*source)
            tables[name] = source
    width = max(len(v) for v in ranges.values())
    out = []
    for i in range(width):
        concrete, marks = path, []
        for name in params:
            value = ranges[name][i % len(ranges[name])] if name in ranges else rows.records.value(name, path)
            concrete = re.sub(r"{" + name + r"(?::\w+)?}", str(value), concrete)
            if name in tables:
                marks += _marks(rows.env, *tables[name], value)
        out.append((concrete, [m for m in marks if m not in concrete]))
    return out


def test_every_route_naming_a_record_refuses_the_range_of_real_ids_to_other_halls_and_strangers(
    env, client, strangers
):
    if env.backend != "sqlite":
        pytest.skip("swept once, on SQLite (the scope filter has its own property test on both backends)")
    records = Records(env, client)
    rows = HallRows(env, records)
    openapi = env.app.openapi()
    holes: dict[str, list[str]] = {}
    swept, kinds = 0, set()
    for method, path in _swept_routes(env):
        key = f"{method} {path}"
        is_api = path.startswith("/api/v1/")
        if key in PUBLIC or key in PAGES_PUBLIC:
            continue
        for concrete, marks in _combinations(rows, path):
            for who, headers in strangers.items():
                if who in PUBLIC_FOR.get(key, {}):
                    continue
                if is_api:
                    body = _body(openapi, method, path, records)
                    response = client.request(method, concrete, headers=headers, **body)
                else:
                    response = client.request(method, concrete, headers={**headers, "Origin": "http://testserver"},
                                              data={}, follow_redirects=False)  # fmt: skip
                swept += 1
                assert response.status_code < 500, f"{key} as {who}: {response.status_code} {response.text[:300]}"
                shows = [m for m in marks if m in response.text]
                if key in PAGES_EMPTY_TO_STRANGERS:
                    ok = not shows
                elif is_api:
                    ok = _refused(response) and not shows
                else:
                    ok = response.status_code in (401, 403, 404, 422) and not shows
                if not ok:
                    holes.setdefault(key, []).append(f"{who} {concrete}: {response.status_code} {response.text[:100]}")
        kinds |= {_source(n, path) for n in _params(path)} - {None}  # type: ignore[arg-type]
    assert swept > 1000 and len(kinds) >= 25, (swept, len(kinds))
    assert not holes, json.dumps(holes, ensure_ascii=False, indent=1)


def test_the_range_is_real_records_of_the_hall_that_their_hall_can_read(env, client):
    """The control: the swept ids are rows of H-690102 (read back through the hall's own staff for a sample), so a
    refusal above is about who asks."""
    if env.backend != "sqlite":
        pytest.skip("the control of the sweep (SQLite)")
    records = Records(env, client)
    rows = HallRows(env, records)
    clerk = auth(client, "clerk1")
    for ticket in rows.ids("queue_ticket", "id"):
        assert client.get(f"/api/v1/tickets/{ticket}", headers=clerk).status_code == 200
    for case_no in rows.ids("cases_case", "case_no"):
        assert client.get(f"/api/v1/cases/{case_no}", headers=clerk).status_code == 200
    for table_name, column in SOURCES.values():
        table = Base.metadata.tables[table_name]
        picked = rows.ids(table_name, column)
        condition, params = rows.where(table)
        with env.db.engine.connect() as conn:
            found = {r[0] for r in conn.execute(text(f"SELECT {column} FROM {table_name} WHERE {condition}"), params)}
        assert picked and set(picked) <= found, table_name


def test_another_halls_staff_cannot_rate_or_choose_on_this_halls_questions(env, client, strangers):
    """Found by the range sweep: any staff member could tap a choice on (and, its sibling with the id in the body,
    mark "not helpful") a question asked in another hall by counting ids. Now through the scope filter: not found."""
    asked = client.post("/api/v1/consult/ask", json={"question": "身份证丢了怎么补办", "hall_code": HALL})
    assert asked.status_code == 200, asked.text
    question_id = asked.json()["question_id"]
    for role in ("guide", "clerk", "hall_manager"):
        headers = strangers[role]
        rated = client.post("/api/v1/consult/feedback", json={"question_id": question_id, "helpful": False,
                                                              "feedback_token": ""}, headers=headers)  # fmt: skip
        assert rated.status_code == 404 and rated.json()["code"] == "question_not_found", rated.text
        chose = client.post(f"/api/v1/consult/questions/{question_id}/choice", json={"entry_code": "KB-1"},
                            headers=headers)  # fmt: skip
        assert chose.status_code == 404 and chose.json()["code"] == "question_not_found", chose.text
    with env.db.engine.connect() as conn:
        row = conn.execute(text("SELECT helpful, review_status FROM consult_question WHERE id = :i"),
                           {"i": question_id}).one()  # fmt: skip
    assert row.helpful is None and row.review_status == "none"
    mine = {"question_id": question_id, "helpful": True, "feedback_token": ""}
    own = client.post("/api/v1/consult/feedback", json=mine, headers=auth(client, "guide1"))
    assert own.status_code == 200, own.text  # the hall's own front-line staff still may


def test_another_halls_document_is_not_found_and_names_no_case(env, client, strangers):
    """Found by the range sweep: another hall's clerk asking for this hall's signed document by id got a 403 naming
    the document's case number. Now: 404 document_not_found, nothing of the case."""
    records = Records(env, client)
    with env.db.engine.connect() as conn:
        document_id = conn.execute(text("SELECT id FROM licences_document WHERE case_no = :c"),
                                   {"c": records.case_no}).scalar_one()  # fmt: skip
    for role in ("clerk", "approver", "hall_manager"):
        response = client.get(f"/api/v1/documents/{document_id}", headers=strangers[role])
        assert response.status_code == 404 and response.json()["code"] == "document_not_found", response.text
        assert records.case_no not in response.text
    assert client.get(f"/api/v1/documents/{document_id}", headers=records.owner).status_code == 200
