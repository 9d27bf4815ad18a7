""" "What changed" notices (变更告知, 8.3): when an item's catalog entry gets a new version (materials, conditions,
time limits, steps…), every hall that handles the item gets a notice listing the differences in words
(``catalog.changes``), and the staff who handle the item there — the clerks at the windows serving it and the
approvers of each department with a step of it — each get a copy to read and confirm. The hall manager sees the
confirmation rate of each notice (item and change) and who has not confirmed yet.

Written inside the import's transaction (``catalog.items_changed``, an ``on_write`` listener): the notices stand or
fall with the new version. Who gets a copy is fixed when the notice is made, so the rate does not drift when staff
come and go.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.core.errors import Forbidden
from smarthall.core.masking import mask_name
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service
from smarthall.staff import repository as repo
from smarthall.staff.errors import NoticeNotFound
from smarthall.staff.models import ChangeNotice, ChangeReceipt


class Handler(Protocol):
    """What a notice needs of a staff account (the identity row, handed over by ``identity.service``)."""

    @property
    def id(self) -> int: ...

    @property
    def hall_id(self) -> int: ...

    @property
    def role(self) -> str: ...

    @property
    def window_code(self) -> str | None: ...

    @property
    def department_code(self) -> str | None: ...


HANDLING_ROLES = ("clerk", "guide", "approver")  # a guide at a window (帮办) serves its items too


def _handles(staff: Handler, windows: set[str], departments: frozenset[str]) -> bool:
    if staff.role in ("clerk", "guide"):
        return staff.window_code is not None and staff.window_code in windows
    return staff.role == "approver" and staff.department_code is not None and staff.department_code in departments


def on_items_changed(session: Session, payload: dict[str, Any]) -> None:
    """``catalog.items_changed``: for each changed item, one notice per hall that handles it and has staff who
    handle it, with a receipt for each of them (a notice of the same version is not made twice). Each hall's items
    and windows are read once per import, after everything in it is written."""
    now: datetime = payload["at"]
    changed = list(payload.get("items") or [])
    if not changed:
        return
    by_hall: dict[int, list[Handler]] = {}
    for person in identity_service.staff_in_scope(session, SYSTEM, roles=HANDLING_ROLES):
        by_hall.setdefault(person.hall_id, []).append(person)
    departments = {str(c["item_code"]): catalog_service.item_departments(session, str(c["item_code"])) for c in changed}
    notices = repo.NoticeRepository(session)
    for hall_id, people in by_hall.items():
        hall = org_service.hall_facts_by_id(session, hall_id)
        handled = catalog_service.hall_items(session, hall, fresh=True)
        windows = org_service.hall_windows(session, hall_id, fresh=True)
        for change in changed:
            item_code, to_version = str(change["item_code"]), int(change["to_version"])
            if item_code not in handled:
                continue
            serving = {w.code for w in windows if w.serves(item_code)}
            handlers = [p for p in people if _handles(p, serving, departments[item_code])]
            if not handlers or notices.exists(hall_id, item_code, to_version):
                continue
            notice = notices.add(
                ChangeNotice(
                    hall_id=hall_id,
                    hall_code=hall.code,
                    region_path=hall.region_path,
                    item_code=item_code,
                    item_name=str(change.get("item_name") or item_code),
                    from_version=int(change["from_version"]),
                    to_version=to_version,
                    changes=list(change.get("changes") or []),
                    issued_at=now,
                )
            )
            session.flush()
            session.add_all(
                ChangeReceipt(notice_id=notice.id, hall_id=hall_id, region_path=hall.region_path, staff_id=p.id)
                for p in handlers
            )
    session.flush()


FIELD_KINDS = {  # a hall override's field: what the notice heads it with (``pages.CHANGE_KINDS``) and its words
    "promised_limit_workdays": ("limits", "本大厅承诺办结时限", "the hall's promised time limit"),
    "fee_note": ("fee", "本大厅收费说明", "the hall's fee note"),
    "enabled": ("notes", "本大厅是否受理该事项", "whether the hall handles the item"),
    "window_codes": ("notes", "受理窗口", "the windows that serve it"),
    "step_settings": ("steps", "本大厅办理环节设置", "the hall's step settings"),
}


def _issue(
    session: Session,
    hall: org_service.HallFacts,
    handlers: list[Handler],
    *,
    source: str,
    code: str,
    name: str,
    from_version: int,
    to_version: int,
    changes: list[dict[str, str]],
    now: datetime,
) -> None:
    notices = repo.NoticeRepository(session)
    if not handlers or notices.exists(hall.id, code, to_version, source):
        return
    notice = notices.add(
        ChangeNotice(hall_id=hall.id, hall_code=hall.code, region_path=hall.region_path, source=source,
                     item_code=code, item_name=name[:128], from_version=from_version, to_version=to_version,
                     changes=changes, issued_at=now)
    )  # fmt: skip
    session.flush()
    session.add_all(
        ChangeReceipt(notice_id=notice.id, hall_id=hall.id, region_path=hall.region_path, staff_id=p.id)
        for p in handlers
    )
    session.flush()


def _item_handlers(session: Session, hall: org_service.HallFacts, item_code: str) -> list[Handler]:
    people = identity_service.staff_in_scope(session, SYSTEM, hall_id=hall.id, roles=HANDLING_ROLES)
    serving = {w.code for w in org_service.hall_windows(session, hall.id, fresh=True) if w.serves(item_code)}
    departments = catalog_service.item_departments(session, item_code)
    return [p for p in people if _handles(p, serving, departments)]


def on_override_changed(session: Session, payload: dict[str, Any]) -> None:
    """``catalog.override_changed``: the hall's own settings of an item changed — the staff who handle the item
    there get a notice saying which settings (or that the hall follows the catalog again)."""
    hall = org_service.hall_facts_by_id(session, int(payload["hall_id"]))
    item_code, version = str(payload["item_code"]), int(payload["version"])
    item = catalog_service.find_item(session, item_code)
    fields = [str(f) for f in payload.get("fields") or []]
    if fields:
        changes = [
            {"kind": FIELD_KINDS[f][0], "zh": f"已调整{FIELD_KINDS[f][1]}", "en": f"{FIELD_KINDS[f][2]} changed"}
            for f in fields
            if f in FIELD_KINDS
        ] or [{"kind": "notes", "zh": "本大厅对该事项的设置已调整", "en": "The hall's settings of the item changed"}]
    else:
        changes = [{"kind": "notes", "zh": "本大厅取消了对该事项的本地设置,恢复按事项目录办理",
                    "en": "The hall's own settings were removed: the catalog applies again"}]  # fmt: skip
    _issue(session, hall, _item_handlers(session, hall, item_code), source="override", code=item_code,
           name=item.name if item else item_code, from_version=version - 1, to_version=version, changes=changes,
           now=payload["at"])  # fmt: skip


def on_entry_published(session: Session, payload: dict[str, Any]) -> None:
    """``consult.entry_published``: a knowledge entry got a new published version — the staff who handle its item
    (an entry about an item), or every handling staff member (a general entry), of the halls it serves (its own
    hall, or all when it is the platform's) get a notice. The first publication is news too."""
    item_code = payload.get("item_code")
    halls = [org_service.hall_facts(session, str(payload["hall_code"]))] if payload.get("hall_code") else None
    people = identity_service.staff_in_scope(session, SYSTEM, roles=HANDLING_ROLES)
    hall_ids = {h.id for h in halls} if halls is not None else {p.hall_id for p in people}
    title, to_version = str(payload["title"]), int(payload["to_version"])
    zh_words = "首次发布" if to_version == 1 else f"更新为第 {to_version} 版"
    en_words = "published" if to_version == 1 else f"now version {to_version}"
    changes = [{"kind": "knowledge", "zh": f"知识库条目「{title}」{zh_words},请阅读新的答复口径",
                "en": f"Knowledge entry “{title}” {en_words}: read the new answer"}]  # fmt: skip
    for hall_id in sorted(hall_ids):
        hall = org_service.hall_facts_by_id(session, hall_id)
        if item_code:
            if str(item_code) not in catalog_service.hall_items(session, hall, fresh=True):
                continue
            handlers = _item_handlers(session, hall, str(item_code))
        else:
            handlers = [p for p in people if p.hall_id == hall_id]
        _issue(session, hall, handlers, source="knowledge", code=str(payload["code"])[:40], name=title,
               from_version=int(payload["from_version"]), to_version=to_version, changes=changes,
               now=payload["at"])  # fmt: skip


def _notice_read(notice: ChangeNotice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "hall_code": notice.hall_code,
        "source": notice.source,
        "item_code": notice.item_code,
        "item_name": notice.item_name,
        "from_version": notice.from_version,
        "to_version": notice.to_version,
        "changes": [dict(c) for c in notice.changes or []],
        "issued_at": notice.issued_at,
    }


def _staff_member(actor: Actor) -> int:
    if not actor.is_staff or actor.id is None:
        raise Forbidden("仅工作人员可查看变更告知", "Only staff have change notices", code="forbidden_role")
    return int(actor.id)


def my_notices(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The signed-in staff member's notices, the ones still to confirm first."""
    staff_id = _staff_member(actor)
    rows = repo.NoticeRepository(session).of_staff(actor, staff_id)
    return [{**_notice_read(n), "confirmed_at": r.confirmed_at} for r, n in rows]


def open_count(session: Session, actor: Actor) -> int:
    """How many of the signed-in staff member's notices wait for confirmation."""
    return sum(1 for n in my_notices(session, actor) if n["confirmed_at"] is None)


def confirm(session: Session, actor: Actor, notice_id: int, *, now: datetime) -> dict[str, Any]:
    """Confirm having read a notice of one's own (a second confirmation keeps the first time); audited once."""
    staff_id = _staff_member(actor)
    notices = repo.NoticeRepository(session)
    receipt = notices.receipt_for_update(actor, notice_id, staff_id)
    if receipt is None:
        raise NoticeNotFound(detail={"notice_id": notice_id})
    if receipt.confirmed_at is None:
        receipt.confirmed_at = now
        audit_service.record(session, actor, "staff.change_notice.confirm", target_type="change_notice",
                             target_id=str(notice_id), now=now)  # fmt: skip
    notice = notices.get_in_scope(actor, id=notice_id)
    assert notice is not None  # its receipt is in scope, so is it
    return {**_notice_read(notice), "confirmed_at": receipt.confirmed_at}


def rates(session: Session, actor: Actor, *, hall_code: str | None = None) -> dict[str, Any]:
    """The confirmation rate of each notice of a hall (newest first) and overall, with who has not confirmed yet
    (names masked). For who manages the hall's courses (``staff.courses``)."""
    if not actor.has("staff.courses"):
        raise Forbidden("您的角色无权查看变更告知确认情况", "Your role cannot see the confirmations",
                        code="forbidden_role")  # fmt: skip
    code = hall_code or actor.hall_code
    if not code:
        raise Forbidden("请选择大厅", "Choose a hall", code="forbidden_role")
    hall = org_service.hall_facts(session, code)
    actor.ensure_hall(hall.id, hall.region_path)
    notices_repo = repo.NoticeRepository(session)
    notices = notices_repo.of_hall(actor, hall.id)
    receipts = notices_repo.receipts(actor, [n.id for n in notices])
    people = {s.id: s for s in identity_service.staff_in_scope(session, actor, hall_id=hall.id)}
    rows = []
    for notice in notices:
        mine = [r for r in receipts if r.notice_id == notice.id]
        confirmed = [r for r in mine if r.confirmed_at is not None]
        pending = [people[r.staff_id] for r in mine if r.confirmed_at is None and r.staff_id in people]
        rows.append(
            {
                **_notice_read(notice),
                "recipients": len(mine),
                "confirmed": len(confirmed),
                "rate": round(len(confirmed) / len(mine), 4) if mine else None,
                "pending": [{"staff_code": p.code, "name": mask_name(p.name), "role": p.role} for p in pending],
            }
        )
    total = sum(r["recipients"] for r in rows)
    done = sum(r["confirmed"] for r in rows)
    return {
        "hall_code": hall.code,
        "hall_name": hall.name,
        "notices": rows,
        "recipients": total,
        "confirmed": done,
        "rate": round(done / total, 4) if total else None,
    }
