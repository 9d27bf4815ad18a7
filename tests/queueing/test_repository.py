"""The fence around the queue's hot path: every write goes through a repository write method, and every one of
them leaves its own audit row for a staff actor (Core statements bypass the ORM flush hook). A new write method
that this file does not exercise fails ``test_every_write_method_is_exercised_here``."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from smarthall.appointment import repository as appt_repo
from smarthall.audit.models import AuditEvent
from smarthall.core.clock import service_day
from smarthall.queueing import repository as repo
from tests.conftest import DEFAULT_NOW
from tests.factories import make_ticket, staff_actor

SRC = Path(__file__).resolve().parents[2] / "src" / "smarthall"
W01 = "H-690102-W01"
NOW = DEFAULT_NOW


def _write_methods(module_path: Path) -> set[str]:
    """Public functions of a repository module that write: they execute a module-level INSERT/UPDATE statement
    (or a table of them), or add/flush ORM rows."""
    tree = ast.parse(module_path.read_text())
    statements: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            source = ast.unparse(node.value) if node.value is not None else ""
            if "update(" in source or "insert(" in source or "INSERT INTO" in source:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                statements |= {t.id for t in targets if isinstance(t, ast.Name)}
    writers = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            calls = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            if names & statements or {"add", "flush"} & calls or "_insert" in names:
                writers.add(node.name)
    return writers


def _audited(session: Any, action: str, target_id: object) -> list[AuditEvent]:
    return list(
        session.execute(
            select(AuditEvent).where(AuditEvent.action == action, AuditEvent.target_id == str(target_id))
        ).scalars()
    )


def _signed_in(session: Any, clerk: Any, window: str = W01) -> None:
    repo.sign_in(session, clerk, window_code=window, hall_id=clerk.hall_id, hall_code=clerk.hall_code, now=NOW)


# Each queueing write method: (name, write(session, clerk) -> (action, target id)).
QUEUE_WRITES: dict[str, Callable[[Any, Any], tuple[str, object]]] = {}


def queue_write(name: str) -> Callable[[Callable[[Any, Any], tuple[str, object]]], Any]:
    def add(fn: Callable[[Any, Any], tuple[str, object]]) -> Any:
        QUEUE_WRITES[name] = fn
        return fn

    return add


@queue_write("insert_ticket")
def _insert(session: Any, clerk: Any) -> tuple[str, object]:
    ticket = make_ticket(session)  # the builder issues as the system; a guide desk issues as staff:
    values = {k: getattr(ticket, k) for k in ("hall_id", "hall_code", "queue_code", "day", "item_code")}
    values.update(
        department_code=ticket.department_code,
        status="waiting",
        priority=False,
        source="guide",
        issued_by=clerk.label,
        issued_at=NOW,
        queued_at=NOW,
        recall_count=0,
        requeue_count=0,
        transfer_count=0,
        notified_ahead=False,
    )
    return "queue.issue", repo.insert_ticket(session, clerk, values).id


@queue_write("claim")
def _claim(session: Any, clerk: Any) -> tuple[str, object]:
    ticket = make_ticket(session, priority=True)
    _signed_in(session, clerk)
    called = repo.claim(session, clerk, ticket_id=ticket.id, window_code=W01, streak=0, now=NOW)
    assert called is not None and called.status == "called"
    assert repo.window_session(session, W01).priority_streak == 1  # moved with the call
    return "queue.call", ticket.id


@pytest.mark.parametrize("action", sorted(repo._MOVES))
def test_each_move_is_audited(env, action):
    with env.db.unit_of_work() as session:
        clerk = staff_actor(session, "clerk1")
        _signed_in(session, clerk)
        status = "skipped" if action == "queue.requeue" else "called"
        ticket = make_ticket(session, status=status, window_code=W01, staff=clerk)
        expected, columns = repo._MOVES[action]
        values: dict[str, Any] = {c: getattr(ticket, c, None) for c in columns}
        after = {"queue.skip": "skipped", "queue.finish": "finished", "queue.requeue": "waiting"}
        values.update({"status": after.get(action, "waiting")} if "status" in columns else {"recall_count": 1})
        moved = repo.move(session, clerk, action, ticket, **values)
        assert moved is not None
        # The expected status is part of the statement: a second move of the same kind finds nothing.
        if expected != moved.status:
            assert repo.move(session, clerk, action, ticket, **values) is None
    with env.db.unit_of_work() as session:
        assert len(_audited(session, action, ticket.id)) == 1


@queue_write("move")
def _move(session: Any, clerk: Any) -> tuple[str, object]:
    _signed_in(session, clerk)
    ticket = make_ticket(session, status="called", window_code=W01, staff=clerk)
    repo.move(session, clerk, "queue.finish", ticket, status="finished", finished_at=NOW)
    return "queue.finish", ticket.id


@queue_write("sign_in")
def _sign_in(session: Any, clerk: Any) -> tuple[str, object]:
    _signed_in(session, clerk)
    return "queue.window.sign_in", repo.window_session(session, W01).id


@queue_write("set_window_status")
def _status(session: Any, clerk: Any) -> tuple[str, object]:
    _signed_in(session, clerk)
    ws = repo.set_window_status(session, clerk, window_code=W01, status="paused", hall_code=clerk.hall_code)
    return "queue.window.paused", ws.id


@queue_write("mark_notified")
def _notified(session: Any, clerk: Any) -> tuple[str, object]:
    ticket = make_ticket(session)
    assert repo.mark_notified(session, clerk, ticket.id)
    assert not repo.mark_notified(session, clerk, ticket.id)  # once
    return "queue.notify_ahead", ticket.id


@pytest.mark.parametrize("name", sorted(QUEUE_WRITES))
def test_queue_write_method_leaves_its_audit_row(env, name):
    with env.db.unit_of_work() as session:
        clerk = staff_actor(session, "clerk1")
        action, target = QUEUE_WRITES[name](session, clerk)
    with env.db.unit_of_work() as session:
        rows = _audited(session, action, target)
        assert len(rows) == 1 and rows[0].actor_id == "clerk1", (name, action)


def test_system_writes_leave_no_staff_audit_row(env):
    """The system's own writes (the builder's issue, quiet calling) are not staff acts, as with the flush hook."""
    with env.db.unit_of_work() as session:
        ticket = make_ticket(session)
        from smarthall.core.tenancy import SYSTEM

        assert repo.mark_notified(session, SYSTEM, ticket.id)
    with env.db.unit_of_work() as session:
        assert _audited(session, "queue.issue", ticket.id) == []
        assert _audited(session, "queue.notify_ahead", ticket.id) == []


# Each appointment write method, written as a guide (staff) would.
APPT_WRITES: dict[str, Callable[[Any, Any], tuple[str, object]]] = {}


def _slot_and_booking(session: Any, clerk: Any, *, book: bool = True) -> tuple[int, Any]:
    from datetime import timedelta

    from smarthall.appointment import service as appt_service
    from smarthall.org import service as org_service

    hall = org_service.hall_facts(session, "H-690102")
    day = service_day(NOW) + timedelta(days=1)
    appt_service._ensure_slots(session, hall, "BD", day, appt_service.rules(session, hall)[0])
    slot = appt_repo.day_slots(session, hall.id, "BD", day)[0]
    if not book:
        return slot.id, None
    values = {
        "code": f"YT{slot.id:08d}",
        "slot_id": slot.id,
        "hall_id": hall.id,
        "item_code": "BD-001",
        "citizen_id": 1,
        "day": day,
        "starts_at": slot.starts_at,
        "status": "booked",
        "live_key": f"1:BD-001:{day}",
    }
    return slot.id, appt_repo.insert_booking(session, clerk, values)


def appt_write(name: str) -> Callable[[Callable[[Any, Any], tuple[str, object]]], Any]:
    def add(fn: Callable[[Any, Any], tuple[str, object]]) -> Any:
        APPT_WRITES[name] = fn
        return fn

    return add


@appt_write("insert_booking")
def _book(session: Any, clerk: Any) -> tuple[str, object]:
    _, booking = _slot_and_booking(session, clerk)
    return "appointment.book", booking.code


@appt_write("take_place")
def _take(session: Any, clerk: Any) -> tuple[str, object]:
    slot_id, _ = _slot_and_booking(session, clerk, book=False)
    assert appt_repo.take_place(session, clerk, slot_id)
    return "appointment.take_place", slot_id


@appt_write("free_place")
def _free(session: Any, clerk: Any) -> tuple[str, object]:
    slot_id, _ = _slot_and_booking(session, clerk, book=False)
    appt_repo.take_place(session, clerk, slot_id)
    appt_repo.free_place(session, clerk, slot_id)
    return "appointment.free_place", slot_id


@appt_write("leave_booked")
def _leave(session: Any, clerk: Any) -> tuple[str, object]:
    _, booking = _slot_and_booking(session, clerk)
    assert appt_repo.leave_booked(session, clerk, booking.id, "checked_in", NOW) is not None
    assert appt_repo.leave_booked(session, clerk, booking.id, "checked_in", NOW) is None  # no longer live
    return "appointment.checked_in", booking.code


@appt_write("no_show_came")
def _came_late(session: Any, clerk: Any) -> tuple[str, object]:
    _, booking = _slot_and_booking(session, clerk)
    assert appt_repo.no_show_came(session, clerk, booking.id, NOW) is None  # booked, not a no-show: nothing moves
    assert appt_repo.leave_booked(session, clerk, booking.id, "no_show", NOW) is not None
    came = appt_repo.no_show_came(session, clerk, booking.id, NOW)
    assert came is not None and came.status == "checked_in"
    return "appointment.checked_in_late", booking.code


@appt_write("lift_no_show_block")
def _lift(session: Any, clerk: Any) -> tuple[str, object]:
    from datetime import timedelta

    until = NOW + timedelta(days=30)
    appt_repo.add_credit_block(session, clerk, citizen_id=1, until=until, reason="no_show:YT1")
    session.flush()
    assert appt_repo.lift_no_show_block(session, clerk, citizen_id=1, until=until + timedelta(days=1), now=NOW) == 0
    assert appt_repo.lift_no_show_block(session, clerk, citizen_id=1, until=until, now=NOW) == 1
    return "appointment.credit_unblock", 1


@appt_write("attach_ticket")
def _attach(session: Any, clerk: Any) -> tuple[str, object]:
    _, booking = _slot_and_booking(session, clerk)
    appt_repo.attach_ticket(session, clerk, booking.id, booking.code, 42)
    return "appointment.attach_ticket", booking.code


@appt_write("add_credit_block")
def _block(session: Any, clerk: Any) -> tuple[str, object]:
    appt_repo.add_credit_block(session, clerk, citizen_id=1, until=NOW, reason="test")
    return "appointment.credit_block", 1


@appt_write("ensure_slots")
def _slots(session: Any, clerk: Any) -> tuple[str, object]:
    from datetime import timedelta

    day = service_day(NOW) + timedelta(days=2)
    row = {"hall_id": clerk.hall_id, "group_code": "GA", "day": day, "starts_at": NOW + timedelta(days=2)}
    appt_repo.ensure_slots(session, clerk, [{**row, "ends_at": row["starts_at"], "capacity": 1, "booked": 0}])
    return "appointment.slots", f"{clerk.hall_id}:GA:{day}"


@pytest.mark.parametrize("name", sorted(APPT_WRITES))
def test_appointment_write_method_leaves_its_audit_row(env, name):
    with env.db.unit_of_work() as session:
        clerk = staff_actor(session, "guide1")
        action, target = APPT_WRITES[name](session, clerk)
    with env.db.unit_of_work() as session:
        rows = _audited(session, action, target)
        assert len(rows) == 1 and rows[0].actor_id == "guide1", (name, action)


@pytest.mark.parametrize(
    ("path", "tested"),
    [("queueing/repository.py", QUEUE_WRITES), ("appointment/repository.py", APPT_WRITES)],
)
def test_every_write_method_is_exercised_here(path, tested):
    assert _write_methods(SRC / path) == set(tested), "add the new write method (and its audit) to this file"


@pytest.mark.parametrize("domain", ["queueing", "appointment"])
def test_no_function_returns_any(domain):
    """Typed rows all the way: no function of the queue or appointments is annotated to return ``Any``."""
    offending = []
    for path in sorted((SRC / domain).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
                if ast.unparse(node.returns) == "Any":
                    offending.append(f"{path.name}:{node.lineno} {node.name}")
    assert offending == []
