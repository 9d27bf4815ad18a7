"""Contracts between domains that are built separately.

- ``ServedSubject``: "who was served, where, by whom, when" (evaluation, performance). Queueing resolves it for a
  ticket, cases for a case, assist for a help request; each registers a resolver at import with
  ``register_subject_resolver``; consumers call ``resolve_subject``.
- ``ArchivalInput``: everything the archive needs to package a finished case. Cases registers the source with
  ``register_archival_source``; the archive calls ``archival_input``. A whole made of parts (a one-thing bundle)
  registers a source of its own: its input carries the parts' inputs and is None until every part is closed.
- Wholes: a record served as a part of a whole (a bundle's part case) is delivered, archived and rated as the whole
  (one package, one rating). The whole's domain registers ``register_whole``; consumers ask ``whole_of``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class ServedSubject:
    kind: str  # "ticket" | "case" | "help_request"
    ref: str  # ticket id, case number, help request id
    hall_id: int
    hall_code: str
    finished_at: datetime | None  # None while the service is not finished (it cannot be rated yet)
    citizen_id: int | None = None  # the registered citizen served, when known
    id_number_index: str | None = None  # blind index of the served person's ID number, when known
    phone: str | None = None
    window_code: str | None = None
    staff_id: int | None = None
    department_code: str | None = None
    item_code: str | None = None
    channel: str = "onsite"  # "onsite" | "online": decides the evaluation indicators


SubjectResolver = Callable[[Session, str], ServedSubject | None]
_subject_resolvers: dict[str, SubjectResolver] = {}


def register_subject_resolver(kind: str, resolver: SubjectResolver) -> None:
    _subject_resolvers[kind] = resolver


def resolve_subject(session: Session, kind: str, ref: str) -> ServedSubject | None:
    resolver = _subject_resolvers.get(kind)
    return resolver(session, ref) if resolver else None


def subject_kinds() -> list[str]:
    return sorted(_subject_resolvers)


@dataclass(frozen=True)
class ArchivalFile:
    role: str  # "form" | "material" | "notice" | "decision" | "result"
    name: str  # file name inside the package, unique within it
    path: Path  # where the bytes are now
    content_type: str
    sha256: str
    # For signed result documents: the signed key fields and the signature (``core.crypto.canonical_bytes``).
    signed_fields: dict[str, Any] | None = None
    signature: str | None = None
    # The name the citizen's upload came with (it may hold personal data: "张三身份证.jpg"): never a path in the
    # package; the archive keeps it only sealed (field cipher) in the core metadata.
    original_name: str | None = None


@dataclass(frozen=True)
class ArchivalInput:
    case_no: str
    title: str
    item_code: str
    item_name: str
    item_type: str
    hall_code: str
    department_code: str
    applicant_name: str  # in clear: the archive masks it in the metadata it writes
    submitted_at: datetime
    finished_at: datetime
    final_status: str
    form: dict[str, Any]
    files: list[ArchivalFile]
    events: list[dict[str, Any]] = field(default_factory=list)  # the case timeline, oldest first
    # The errand's thread (一件一码): its code and every record's step, time and reference — no personal data.
    thread: dict[str, Any] | None = None
    # A whole's package (a bundle): each part's own input, packaged under ``parts/<case_no>/`` in the one bag.
    parts: list[ArchivalInput] = field(default_factory=list)


ArchivalSource = Callable[[Session, str], ArchivalInput | None]
_archival_source: dict[str, ArchivalSource] = {}


def register_archival_source(source: ArchivalSource, kind: str = "case") -> None:
    _archival_source[kind] = source


def archival_input(session: Session, case_no: str) -> ArchivalInput | None:
    for source in _archival_source.values():
        found = source(session, case_no)
        if found is not None:
            return found
    return None


WholeResolver = Callable[[Session, str, str], tuple[str, str] | None]
_wholes: dict[str, WholeResolver] = {}


def register_whole(kind: str, resolver: WholeResolver) -> None:
    """``resolver(session, part_kind, part_ref)`` → (whole kind, whole ref) when the part belongs to a ``kind``."""
    _wholes[kind] = resolver


def whole_of(session: Session, kind: str, ref: str) -> tuple[str, str] | None:
    """The whole (kind, ref) the record ``kind``/``ref`` is a part of, or None for a record on its own."""
    for resolver in _wholes.values():
        found = resolver(session, kind, ref)
        if found is not None:
            return found
    return None
