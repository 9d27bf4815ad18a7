"""The knowledge base (use cases): seeding from the catalog, editing with a review step, versions, import/export.

An entry is served only once a second editor has reviewed it; catalog-sourced entries follow the catalog (itself
reviewed). Entries carry the catalog's per-item "situations" and "not this" hints, editable like the rest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.catalog import service as catalog_service
from smarthall.consult.errors import EntryConflict, EntryNotFound, ImportInvalid, QuestionInvalid
from smarthall.consult.guides import entries_from_catalog, guide_text, guide_text_en
from smarthall.consult.models import Entry, EntryVersion
from smarthall.consult.repository import EntryRepository
from smarthall.consult.schemas import EntryIn, EntryRead
from smarthall.core import events
from smarthall.core.cache import cached
from smarthall.core.clock import SHANGHAI
from smarthall.core.errors import Forbidden
from smarthall.core.export_cells import safe_cell
from smarthall.core.tenancy import Actor
from smarthall.org import names as org_names
from smarthall.org import service as org_service

# Database.cache namespaces (declared in ``consult.register``): ``KB`` holds what the served entries are (their
# signature, whether the catalog's were seeded) and is emptied when an entry commits in this process; another
# process's change reaches this one within ``KB_SECONDS``. ``FACTS`` holds the halls and items an answer names.
KB = "consult.kb"
FACTS = "consult.facts"
KB_SECONDS = 5.0


def _catalog_document(session: Session) -> dict[str, Any]:
    items = sorted(catalog_service.active_items(session, with_materials=True), key=lambda i: i.code)
    return {
        "departments": [{"code": c, "name": n} for c, n in org_service.department_names(session).items()],
        "items": [item_dict(i) for i in items],
        "faq": [
            {
                "id": f.code,
                "question": f.question,
                "answer": f.answer,
                "item_code": f.item_code,
                "tags": f.tags,
                "situations": list(f.situations or []),
            }
            for f in sorted(catalog_service.list_faq(session), key=lambda f: f.code)
        ],
    }


def item_dict(item: Any) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "department_code": item.department_code,
        "type": item.type,
        "legal_limit_workdays": item.legal_limit_workdays,
        "promised_limit_workdays": item.promised_limit_workdays,
        "fee": float(item.fee or 0),
        "fee_note": item.fee_note,
        "online_depth": item.online_depth,
        "appointment": item.appointment,
        "instant_approval_eligible": item.instant_approval_eligible,
        "counters": list(item.counters or []),
        "keywords": list(item.keywords or []),
        "situations": list(item.situations or []),
        "not_this": [dict(n) for n in item.not_this or []],
        "note": item.note,
        "materials": [
            {
                "code": m.code,
                "name": m.name,
                "kind": m.kind,
                "required": m.required,
                "copies": m.copies,
                "original_needed": m.original_needed,
                "e_licence_type": m.e_licence_type,
                "note": m.note,
            }
            for m in item.materials
        ],
    }


def _content(entry: Entry) -> dict[str, Any]:
    return {
        "code": entry.code,
        "kind": entry.kind,
        "item_code": entry.item_code,
        "title": entry.title,
        "body": entry.body,
        "tags": list(entry.tags or []),
        "keywords": list(entry.keywords or []),
        "situations": list(entry.situations or []),
        "not_this": [dict(n) for n in entry.not_this or []],
        "effective_from": entry.effective_from.isoformat() if entry.effective_from else None,
        "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
    }


def _snapshot(session: Session, entry: Entry, *, author_id: int | None, reviewer_id: int | None, now: datetime) -> None:
    EntryRepository(session).add_version(
        EntryVersion(
            entry_id=entry.id,
            version=entry.version,
            content=_content(entry),
            author_id=author_id,
            reviewer_id=reviewer_id,
            published_at=now,
        )
    )


def touch(entry: Entry, now: datetime) -> None:
    entry.updated_at = now
    entry.revision = (entry.revision or 0) + 1


def sync_from_catalog(session: Session, *, now: datetime) -> dict[str, int]:
    """Seed entries for catalog items and FAQ that have none yet (published as version 1), and bring catalog-sourced
    entries up to date when the catalog changed (a new published version; the catalog is itself reviewed). Entries
    an editor has taken over (source "editor"/"import") are left alone."""
    repo = EntryRepository(session)
    existing = repo.all_by_code()
    added = updated = 0
    for data in entries_from_catalog(_catalog_document(session)):
        entry = existing.get(data["code"])
        if entry is None:
            entry = Entry(
                code=data["code"],
                kind=data["kind"],
                item_code=data["item_code"],
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                keywords=data["keywords"],
                situations=data["situations"],
                not_this=data["not_this"],
                status="published",
                version=1,
                source="catalog",
                reviewed_at=now,
                created_at=now,
                updated_at=now,
            )
            repo.add(entry)
            session.flush()
            _snapshot(session, entry, author_id=None, reviewer_id=None, now=now)
            added += 1
            continue
        if entry.source != "catalog":
            continue
        fields = ("title", "body", "tags", "keywords", "item_code", "situations", "not_this")
        if all(getattr(entry, f) == data[f] for f in fields):
            continue
        for f in fields:
            setattr(entry, f, data[f])
        entry.version += 1
        entry.reviewed_at = now
        touch(entry, now)
        session.flush()
        _snapshot(session, entry, author_id=None, reviewer_id=None, now=now)
        updated += 1
    return {"added": added, "updated": updated}


def ensure_seeded(session: Session, *, now: datetime) -> None:
    if session.info.get("read_only"):
        return
    if not cached(session, KB, "from_catalog", EntryRepository(session).any_from_catalog, seconds=KB_SECONDS):
        sync_from_catalog(session, now=now)


def entry_read(entry: Entry) -> EntryRead:
    return EntryRead(
        code=entry.code,
        hall_code=entry.hall_code,
        kind=entry.kind,
        item_code=entry.item_code,
        title=entry.title,
        body=entry.body,
        tags=list(entry.tags or []),
        keywords=list(entry.keywords or []),
        situations=list(entry.situations or []),
        not_this=[dict(n) for n in entry.not_this or []],
        status=entry.status,
        version=entry.version,
        effective_from=entry.effective_from,
        expires_at=entry.expires_at,
        source=entry.source,
        reviewer_id=entry.reviewer_id,
        reviewed_at=entry.reviewed_at,
        pending=entry.pending,
        review_note=entry.review_note,
    )


def entry_english(session: Session, entry: Entry) -> dict[str, str] | None:
    """An item guide the knowledge base wrote from the catalog, in English (issue 16): its title the item's
    ``name_en`` and its body written from the catalog's English fields (``guides.guide_text_en``) — when the entry
    still says what the catalog does (an editor's own text, or a catalog with no English for it: ``None``, and the
    page shows the Chinese). An FAQ entry's English is the catalog's ``question_en``/``answer_en``, through the names
    map of the page."""
    if entry.source != "catalog" or entry.kind != "item" or not entry.item_code:
        return None
    item = catalog_service.find_item(session, entry.item_code)
    if item is None or not item.name_en or entry.title != item.name:
        return None
    data = item_dict(item)
    department = org_service.department_names(session).get(item.department_code or "", "")
    if guide_text(data, department) != entry.body:  # the catalog changed since, or the entry is another's words
        return None
    data |= {"name_en": item.name_en, "fee_note_en": item.fee_note_en, "note_en": item.note_en}
    rows = zip(data["materials"], item.materials, strict=True)
    data["materials"] = [{**m, "name_en": r.name_en, "note_en": r.note_en} for m, r in rows]
    department_en = dict(org_names.english_name_pairs(session)).get(department, "") if department else ""
    body = guide_text_en(data, department_en)
    return {"title": item.name_en, "body": body} if body else None


def get_entry(session: Session, code: str, actor: Actor | None = None) -> Entry:
    """The entry named ``code``; with ``actor``, only if it is the platform's or of a hall in the actor's scope
    (another hall's entry is answered as unknown)."""
    repo = EntryRepository(session)
    entry = repo.by_code(code) if actor is None else repo.by_code_in_scope(actor, code)
    if entry is None:
        raise EntryNotFound(detail={"code": code})
    return entry


def list_entries(
    session: Session,
    *,
    status: str | None = None,
    q: str | None = None,
    limit: int = 200,
    offset: int = 0,
    actor: Actor | None = None,
) -> tuple[int, list[Entry]]:
    return EntryRepository(session).listing(status=status, q=q, limit=limit, offset=offset, actor=actor)


def _check_dates(data: EntryIn) -> None:
    if data.effective_from and data.effective_from.tzinfo is None:
        raise QuestionInvalid("日期须带时区", "Dates need a time zone", code="naive_datetime")
    if data.expires_at and data.expires_at.tzinfo is None:
        raise QuestionInvalid("日期须带时区", "Dates need a time zone", code="naive_datetime")
    if data.effective_from and data.expires_at and data.expires_at <= data.effective_from:
        raise QuestionInvalid("失效时间须晚于生效时间", "Expiry must be after the effective date", code="bad_dates")


def _proposal(data: EntryIn) -> dict[str, Any]:
    return {
        "kind": data.kind,
        "item_code": data.item_code,
        "title": data.title,
        "body": data.body,
        "tags": [t[:40] for t in data.tags],
        "keywords": [k[:60] for k in data.keywords],
        "situations": [k[:120] for k in data.situations],
        "not_this": [n.model_dump() for n in data.not_this],
        "effective_from": data.effective_from.isoformat() if data.effective_from else None,
        "expires_at": data.expires_at.isoformat() if data.expires_at else None,
    }


def create_entry(session: Session, actor: Actor, data: EntryIn, *, now: datetime) -> Entry:
    """A new entry starts in review: it is not served until another editor approves it."""
    _check_dates(data)
    suffix = hashlib.sha256(data.title.encode()).hexdigest()[:4]
    code = data.code or f"KB-{now.astimezone(SHANGHAI):%Y%m%d%H%M%S}-{suffix}"
    hall_code = data.hall_code or actor.hall_code
    if hall_code and not EntryRepository(session).hall_in_scope(actor, hall_code):
        raise Forbidden(
            "只能为本大厅及下级大厅建立条目",
            "Entries can be made only for halls in your part of the tree",
            code="hall_out_of_scope",
            detail={"hall_code": hall_code},
        )
    if EntryRepository(session).exists(code):
        raise EntryConflict("条目编号已存在", "The entry code already exists", code="entry_exists")
    entry = Entry(
        code=code,
        hall_code=hall_code,
        kind=data.kind,
        item_code=data.item_code,
        title=data.title,
        body=data.body,
        tags=[],
        keywords=[],
        situations=[],
        not_this=[],
        status="in_review",
        version=0,
        source="editor",
        author_id=actor.id,
        pending=_proposal(data),
        pending_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    EntryRepository(session).add(entry)
    session.flush()
    audit_service.record(session, actor, "consult.entry.create", target_type="consult_entry", target_id=code, now=now)
    return entry


def propose_change(session: Session, actor: Actor, code: str, data: EntryIn, *, now: datetime) -> Entry:
    """Propose new content for an entry; the served text stays as it is until the change is reviewed."""
    _check_dates(data)
    entry = get_entry(session, code, actor)
    if entry.status == "retired":
        raise EntryConflict(detail={"status": entry.status})
    entry.pending = _proposal(data)
    entry.pending_by = actor.id
    if entry.status == "draft":
        entry.status = "in_review"
    touch(entry, now)
    audit_service.record(session, actor, "consult.entry.propose", target_type="consult_entry", target_id=code, now=now)
    return entry


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def review(session: Session, actor: Actor, code: str, *, approve: bool, note: str, now: datetime) -> Entry:
    """Approve (publish as the next version) or reject a pending change. The reviewer may not be its author."""
    entry = get_entry(session, code, actor)
    if entry.pending is None:
        raise EntryConflict("没有待审核的修改", "There is no pending change to review", code="nothing_to_review")
    if entry.pending_by is not None and entry.pending_by == actor.id:
        raise Forbidden("不能审核自己提交的修改", "You cannot review your own change", code="self_review")
    if approve:
        p = entry.pending
        entry.kind = p["kind"]
        entry.item_code = p.get("item_code")
        entry.title = p["title"]
        entry.body = p["body"]
        entry.tags = list(p.get("tags") or [])
        entry.keywords = list(p.get("keywords") or [])
        entry.situations = list(p.get("situations") or [])
        entry.not_this = list(p.get("not_this") or [])
        entry.effective_from = _parse_dt(p.get("effective_from"))
        entry.expires_at = _parse_dt(p.get("expires_at"))
        entry.version += 1
        entry.status = "published"
        entry.reviewer_id = actor.id
        entry.reviewed_at = now
        author = entry.pending_by
        entry.pending = None
        entry.pending_by = None
        session.flush()
        _snapshot(session, entry, author_id=author, reviewer_id=actor.id, now=now)
        events.emit(session, "consult.entry_published", code=entry.code, title=entry.title, item_code=entry.item_code,
                    hall_code=entry.hall_code, from_version=entry.version - 1, to_version=entry.version,
                    at=now)  # fmt: skip
    else:
        entry.pending = None
        entry.pending_by = None
        if entry.version == 0:
            entry.status = "draft"
    entry.review_note = note
    touch(entry, now)
    audit_service.record(
        session,
        actor,
        "consult.entry.review",
        target_type="consult_entry",
        target_id=code,
        detail={"approve": approve, "version": entry.version},
        now=now,
    )
    return entry


def retire(session: Session, actor: Actor, code: str, *, now: datetime) -> Entry:
    entry = get_entry(session, code, actor)
    entry.status = "retired"
    touch(entry, now)
    audit_service.record(session, actor, "consult.entry.retire", target_type="consult_entry", target_id=code, now=now)
    return entry


def versions(session: Session, code: str, actor: Actor | None = None) -> list[EntryVersion]:
    entry = get_entry(session, code, actor)
    return EntryRepository(session).versions(entry.id)


EXPORT_COLUMNS = (
    "code",
    "kind",
    "item_code",
    "title",
    "body",
    "tags",
    "keywords",
    "situations",
    "effective_from",
    "expires_at",
)


def export_entries(session: Session, actor: Actor, fmt: str) -> str:
    """The entries ``actor`` may edit (the platform's and its halls', never another hall's), as JSON or CSV (cells
    that a spreadsheet would run as a formula are neutralised, ``core.export_cells``)."""
    rows = [_content(e) for e in EntryRepository(session).not_retired(actor)]
    if fmt == "json":
        return json.dumps({"entries": rows}, ensure_ascii=False, indent=1)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: safe_cell(v)
                for k, v in {
                    **{k: row[k] for k in EXPORT_COLUMNS if k in row},
                    "tags": "|".join(row["tags"]),
                    "keywords": "|".join(row["keywords"]),
                    "situations": "|".join(row["situations"]),
                }.items()
            }
        )
    return buf.getvalue()


def _parse_import(text: str, fmt: str) -> list[EntryIn]:
    try:
        if fmt == "json":
            doc = json.loads(text)
            raw = doc["entries"] if isinstance(doc, dict) else doc
            if not isinstance(raw, list):
                raise ValueError("entries must be a list")
        else:
            raw = []
            for row in csv.DictReader(io.StringIO(text)):
                row = {k: v for k, v in row.items() if k}
                row["tags"] = [t for t in (row.get("tags") or "").split("|") if t]
                row["keywords"] = [t for t in (row.get("keywords") or "").split("|") if t]
                row["situations"] = [t for t in (row.get("situations") or "").split("|") if t]
                for key in ("item_code", "effective_from", "expires_at"):
                    if not row.get(key):
                        row[key] = None
                raw.append(row)
        return [EntryIn.model_validate(r) for r in raw]
    except Exception as exc:  # any malformed file is the client's error, reported with where it failed
        raise ImportInvalid(detail={"error": str(exc)[:500]})


def import_entries(session: Session, actor: Actor, text: str, fmt: str, *, now: datetime) -> dict[str, int]:
    """Import entries (all or nothing). New ones start in review, changed ones get a pending change; nothing is
    served before a second editor reviews it."""
    rows = _parse_import(text, fmt)
    created = proposed = unchanged = 0
    for data in rows:
        _check_dates(data)
        if data.code is None:
            raise ImportInvalid(detail={"error": "every imported entry needs a code"})
        existing = EntryRepository(session).by_code(data.code)
        if existing is not None and EntryRepository(session).by_code_in_scope(actor, data.code) is None:
            raise EntryNotFound(detail={"code": data.code})  # another hall's entry: no "unchanged" oracle either
        if existing is None:
            entry = create_entry(session, actor, data, now=now)
            entry.source = "import"
            created += 1
        else:
            current = {k: v for k, v in _content(existing).items() if k != "code"}
            if current == _proposal(data):
                unchanged += 1
                continue
            propose_change(session, actor, data.code, data, now=now)
            proposed += 1
    audit_service.record(
        session,
        actor,
        "consult.import",
        detail={"created": created, "proposed": proposed, "unchanged": unchanged},
        now=now,
    )
    return {"created": created, "proposed": proposed, "unchanged": unchanged}
