"""The data-sharing adapter (数据共享): ``share.<dept>.<field>`` lookups for prefill and verified rule inputs.

``DataSharing`` is the interface a deployment implements against the provincial exchange platform (共享交换平台);
``cases.register`` provides ``DemoSharing``, which reads local demo records keyed by the blind index of the
subject's ID number or USCC. Every lookup is audited (who asked, which field, whether a value was found — never the
value or the subject in clear).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.cases.repository import ShareRepository
from smarthall.core.crypto import blind_index
from smarthall.core.tenancy import Actor

POINT = "cases.data_sharing"  # the registry point that provides the adapter


class DataSharing(Protocol):
    def lookup(
        self, session: Session, actor: Actor, *, source: str, subjects: list[str], now: datetime, case_no: str | None
    ) -> str | None:
        """The value of ``share.<dept>.<field>`` for the first subject (ID number, USCC) that has one."""
        ...


def subject_index(value: str) -> str:
    return blind_index(value.strip().upper(), "share_subject")


def split_source(source: str) -> tuple[str, str]:
    parts = source.split(".")
    if len(parts) != 3 or parts[0] != "share":
        raise ValueError(f"not a share source: {source}")
    return parts[1], parts[2]


class DemoSharing:
    """Local demo records (``cases_share_record``) standing in for the exchange platform."""

    def lookup(
        self, session: Session, actor: Actor, *, source: str, subjects: list[str], now: datetime, case_no: str | None
    ) -> str | None:
        department, field = split_source(source)
        indexes = [subject_index(s) for s in subjects if s]
        value: str | None = None
        if indexes:
            by_index = ShareRepository(session).values(department, field, indexes)
            value = next((by_index[i] for i in indexes if i in by_index), None)
        audit_service.record(
            session,
            actor,
            "share.lookup",
            target_type="share",
            target_id=f"{department}.{field}",
            detail={"found": value is not None, "case_no": case_no},
            now=now,
        )
        return value

    def put(self, session: Session, *, department: str, field: str, subject: str, value: str) -> None:
        """Write one demo record (seeding)."""
        ShareRepository(session).put(department, field, subject_index(subject), value)
