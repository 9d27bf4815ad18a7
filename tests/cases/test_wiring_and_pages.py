"""Explicit wiring (``cases.register``), the case routes' one commit path (``CaseInScope`` loaded in the endpoint's
unit of work, failed page actions rolled back before the page is shown) and sync pages."""

from __future__ import annotations

import inspect
from typing import Any

from sqlalchemy import func, select

from smarthall.audit.models import AuditEvent
from smarthall.cases import flows, prefill, service, sharing
from smarthall.cases.models import UploadedFile
from smarthall.core.db import Database
from tests.cases.helpers import PDF_BYTES, act, li_ming, refused, submit_sc001
from tests.conftest import auth
from tests.factories import citizen_actor


def test_register_wires_prefill_sources_and_adapters(env: Any) -> None:
    registry = env.app.state.registry
    assert {s.prefix for s in registry.contributions(prefill.POINT)} == {"profile", "licence", "share"}
    adapter = registry.provided(sharing.POINT)  # coordination wraps it in the sharing ledger
    assert isinstance(getattr(adapter, "inner", adapter), sharing.DemoSharing)
    assert (
        registry.provided(flows.ENTITY_REGISTRY)
        .new_uscc(case_no="X-1", prefix="92", hall_code="H")
        .startswith("92690102")
    )


def test_without_the_wiring_nothing_is_prefilled(env: Any) -> None:
    bare = Database(env.settings.resolved_database_url)  # a database no app wired
    try:
        with env.db.unit_of_work() as session:
            wired = service.item_form(session, citizen_actor(session), item_code="SC-003", now=env.clock.now())
        with bare.unit_of_work() as session:
            plain = service.item_form(session, citizen_actor(session), item_code="SC-003", now=env.clock.now())
    finally:
        bare.dispose()
    assert {f["name"]: f["value"] for f in wired["fields"]}["tax_clearance"] == "已清税"
    assert all(f["value"] is None for f in plain["fields"])


def test_every_case_route_is_sync_so_database_work_and_pdfs_stay_off_the_event_loop() -> None:
    from smarthall.cases.api import router as api
    from smarthall.cases.pages import router as pages

    routes = [r for r in api.routes + pages.routes if hasattr(r, "endpoint")]
    assert {"/files", "/verify/{token}", "/cases/new", "/cases/{case_no}/act"} <= {r.path for r in routes}
    assert [r.path for r in routes if inspect.iscoroutinefunction(inspect.unwrap(r.endpoint))] == []


def test_case_in_scope_answers_404_and_403_with_their_codes(client: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    refused(client.get("/api/v1/cases/NOPE", headers=citizen), 404, "case_not_found")
    refused(client.get(f"/api/v1/cases/{case_no}", headers=auth(client, "guide1")), 403, "forbidden_role")
    refused(act(client, citizen, "NOPE", "withdraw"), 404, "case_not_found")


def test_the_case_list_pages_in_sql(client: Any) -> None:
    citizen = li_ming(client)
    numbers = [submit_sc001(client, citizen, with_materials=False)["case_no"] for _ in range(3)]
    everything = client.get("/api/v1/cases", headers=citizen).json()
    assert [c["case_no"] for c in everything] == numbers
    second = client.get("/api/v1/cases", params={"limit": 2, "offset": 2}, headers=citizen).json()
    assert [c["case_no"] for c in second] == numbers[2:]
    refused(client.get("/api/v1/cases", params={"limit": 0}, headers=citizen), 422, "validation_error")


def test_a_failed_page_action_writes_nothing_and_still_audits_the_staff_read(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]

    def count(model: Any, *where: Any) -> int:
        with env.db.unit_of_work() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)))

    files_before = count(UploadedFile)
    # The applicant may not resubmit a case waiting for acceptance: the upload stored on the way is undone.
    page = client.post(
        f"/cases/{case_no}/act",
        headers=citizen,
        data={"action": "resubmit"},
        files={"m_SC-001-M02": ("m.pdf", PDF_BYTES, "application/pdf")},
    )
    assert page.status_code == 409 and 'data-testid="faults"' in page.text
    assert count(UploadedFile) == files_before
    # A clerk's failed action shows the case again: that read of personal data is audited and kept.
    reads = count(AuditEvent, AuditEvent.action == "personal_data.read", AuditEvent.target_id == case_no)
    page = client.post(f"/cases/{case_no}/act", headers=auth(client, "clerk1"), data={"action": "withdraw"})
    assert page.status_code == 403 and "您的角色不能对该办件执行此操作" in page.text
    assert count(AuditEvent, AuditEvent.action == "personal_data.read", AuditEvent.target_id == case_no) == reads + 1


def test_the_tolerated_acceptance_form_offers_the_halls_deadline(client: Any) -> None:
    case_no = submit_sc001(client, li_ming(client), with_materials=False)["case_no"]
    page = client.get(f"/cases/{case_no}", headers=auth(client, "clerk1"))
    # cases.tolerated_gap_workdays (5 by default) working days after Monday 2026-11-30
    assert page.status_code == 200 and 'name="tolerated_until" value="2026-12-07"' in page.text


def test_the_timeline_names_staff_in_words_not_by_their_login(client: Any, env: Any) -> None:
    from smarthall.identity.models import Staff

    citizen = li_ming(client)
    case_no = submit_sc001(client, citizen)["case_no"]
    clerk = auth(client, "clerk1")
    assert act(client, clerk, case_no, "accept").status_code == 200
    with env.db.unit_of_work() as session:
        name = session.scalars(select(Staff.name).where(Staff.username == "clerk1")).one()
    staff_page = client.get(f"/cases/{case_no}", headers=clerk)
    assert staff_page.status_code == 200
    assert f"窗口受理员 {name}" in staff_page.text and "staff:clerk1" not in staff_page.text
    # The applicant sees who acted by role, never the login and not the staff member's name.
    own_page = client.get(f"/cases/{case_no}", headers=citizen)
    assert own_page.status_code == 200
    assert "窗口受理员" in own_page.text and name not in own_page.text and "staff:" not in own_page.text
    # The API keeps the stable actor reference for systems, with the role beside it.
    events = client.get(f"/api/v1/cases/{case_no}", headers=clerk).json()["timeline"]
    accepted = next(e for e in events if e["action"] == "accept")
    assert accepted["actor"] == "staff:clerk1" and accepted["actor_role"] == "clerk" and accepted["actor_name"] == name
