"""Queries of staff, citizens and devices.

Staff and devices are hall-owned: their lists start from ``Repository.scoped`` (the SQL twin of
``Actor.can_see_hall``) and are paged in SQL after it. Citizens belong to no hall; they are found by id or by the
keyed blind index of their ID number, never by scanning. The actor reads (``ActorRows``) are prebuilt Core
statements: a cache miss of the request's actor costs one round trip and no ORM work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, func, select, update
from sqlalchemy.orm import Session, joinedload

from smarthall.core.repository import Page, Repository
from smarthall.core.tenancy import Actor
from smarthall.identity.models import Citizen, Device, PhoneCode, Staff
from smarthall.org.models import Hall

# A row of a Core select, its columns read by name.
AnyRow = Row[*tuple[Any, ...]]


class StaffRepository(Repository[Staff]):
    model = Staff

    def list_in_scope(self, actor: Actor, *, limit: int = 100, offset: int = 0) -> Page[Staff]:
        """The staff of the halls ``actor`` may see, by code, one page (with each member's hall loaded)."""
        stmt = self.scoped(actor).options(joinedload(Staff.hall)).order_by(Staff.code)
        return self.page(stmt, limit=limit, offset=offset)

    def by_id(self, staff_id: int) -> Staff | None:
        return self.session.get(Staff, staff_id)

    def by_ids(self, ids: Iterable[int]) -> list[Staff]:
        wanted = sorted(set(ids))
        if not wanted:
            return []
        return list(self.session.execute(select(Staff).where(Staff.id.in_(wanted))).scalars())

    def by_username(self, username: str) -> Staff | None:
        return self.session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()

    def by_usernames(self, usernames: Iterable[str]) -> list[Staff]:
        wanted = sorted(set(usernames))
        if not wanted:
            return []
        return list(self.session.execute(select(Staff).where(Staff.username.in_(wanted))).scalars())

    def by_code(self, code: str) -> Staff | None:
        return self.session.execute(select(Staff).where(Staff.code == code)).scalar_one_or_none()

    def active_of_person(self, person_index: str) -> list[Staff]:
        """The active accounts of one person (by the blind index of the ID number), in every hall."""
        stmt = select(Staff).where(Staff.id_number_index == person_index, Staff.active.is_(True)).order_by(Staff.code)
        return list(self.session.execute(stmt).scalars())

    def active_in_hall(self, hall_id: int, roles: Iterable[str]) -> list[Staff]:
        """The active staff of one hall in ``roles``, by code."""
        stmt = (
            select(Staff)
            .where(Staff.hall_id == hall_id, Staff.role.in_(list(roles)), Staff.active.is_(True))
            .order_by(Staff.code)
        )
        return list(self.session.execute(stmt).scalars())

    def active_in_scope(
        self, actor: Actor, *, hall_id: int | None = None, roles: Iterable[str] | None = None
    ) -> list[Staff]:
        """The active staff of the halls ``actor`` may see (of one hall, in ``roles`` if given), by hall and code."""
        stmt = self.scoped(actor).where(Staff.active.is_(True))
        if hall_id is not None:
            stmt = stmt.where(Staff.hall_id == hall_id)
        if roles is not None:
            stmt = stmt.where(Staff.role.in_(list(roles)))
        return list(self.session.execute(stmt.order_by(Staff.hall_id, Staff.code)).scalars())


class CitizenRepository(Repository[Citizen]):
    model = Citizen

    def by_id(self, citizen_id: int) -> Citizen | None:
        return self.session.get(Citizen, citizen_id)

    def by_ids(self, citizen_ids: Iterable[int]) -> list[Citizen]:
        ids = sorted(set(citizen_ids))
        if not ids:
            return []
        return list(self.session.execute(select(Citizen).where(Citizen.id.in_(ids))).scalars())

    def by_id_number_index(self, index: str) -> Citizen | None:
        stmt = select(Citizen).where(Citizen.id_number_index == index)
        return self.session.execute(stmt).scalar_one_or_none()

    def id_by_id_number_index(self, index: str) -> int | None:
        stmt = select(Citizen.id).where(Citizen.id_number_index == index)
        return self.session.execute(stmt).scalar_one_or_none()

    def id_number_index_of(self, citizen_id: int) -> str | None:
        stmt = select(Citizen.id_number_index).where(Citizen.id == citizen_id)
        return self.session.execute(stmt).scalar_one_or_none()


class DeviceRepository(Repository[Device]):
    model = Device

    def list_in_scope(self, actor: Actor, *, limit: int = 100, offset: int = 0) -> Page[Device]:
        """The devices of the halls ``actor`` may see, by code, one page."""
        stmt = self.scoped(actor).options(joinedload(Device.hall)).order_by(Device.code)
        return self.page(stmt, limit=limit, offset=offset)

    def by_code(self, code: str) -> Device | None:
        return self.session.execute(select(Device).where(Device.code == code)).scalar_one_or_none()

    def by_key_hash(self, key_hash: str) -> Device | None:
        return self.session.execute(select(Device).where(Device.key_hash == key_hash)).scalar_one_or_none()

    def zone_of(self, device_id: int) -> str | None:
        return self.session.execute(select(Device.zone_code).where(Device.id == device_id)).scalar_one_or_none()


_STAFF_T, _CITIZEN_T, _DEVICE_T, _HALL_T = (cast(Table, m.__table__) for m in (Staff, Citizen, Device, Hall))
_STAFF_ROW = (
    select(
        _STAFF_T.c.id,
        _STAFF_T.c.role,
        _STAFF_T.c.username,
        _STAFF_T.c.hall_id,
        _STAFF_T.c.department_code,
        _STAFF_T.c.window_code,
        _STAFF_T.c.active,
        _HALL_T.c.code.label("hall_code"),
        _HALL_T.c.region_path,
    )
    .join(_HALL_T, _HALL_T.c.id == _STAFF_T.c.hall_id)
    .where(_STAFF_T.c.id == bindparam("id"))
)
_CITIZEN_ROW = select(_CITIZEN_T.c.id, _CITIZEN_T.c.active).where(_CITIZEN_T.c.id == bindparam("id"))
_DEVICE_ROW = (
    select(
        _DEVICE_T.c.id,
        _DEVICE_T.c.kind,
        _DEVICE_T.c.code,
        _DEVICE_T.c.hall_id,
        _DEVICE_T.c.window_code,
        _DEVICE_T.c.active,
        _HALL_T.c.code.label("hall_code"),
        _HALL_T.c.region_path,
    )
    .join(_HALL_T, _HALL_T.c.id == _DEVICE_T.c.hall_id)
    .where(_DEVICE_T.c.key_hash == bindparam("key_hash"))
)


class ActorRows:
    """The account behind a credential, as one row with its hall's code and path."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def staff(self, staff_id: int) -> AnyRow | None:
        return self.session.execute(_STAFF_ROW, {"id": staff_id}).one_or_none()

    def citizen(self, citizen_id: int) -> AnyRow | None:
        return self.session.execute(_CITIZEN_ROW, {"id": citizen_id}).one_or_none()

    def device(self, key_hash: str) -> AnyRow | None:
        return self.session.execute(_DEVICE_ROW, {"key_hash": key_hash}).one_or_none()


class PhoneCodeRepository(Repository[PhoneCode]):
    """Registration codes by the blind index of the number (no hall: anyone may ask for one)."""

    model = PhoneCode

    def latest(self, phone_index: str) -> PhoneCode | None:
        stmt = select(PhoneCode).where(PhoneCode.phone_index == phone_index).order_by(PhoneCode.id.desc()).limit(1)
        return self.session.execute(stmt).scalar_one_or_none()

    def sent_since(self, phone_index: str, since: Any) -> int:
        stmt = select(func.count()).where(PhoneCode.phone_index == phone_index, PhoneCode.sent_at >= since)
        return int(self.session.execute(stmt).scalar_one())

    def add(self, row: PhoneCode) -> PhoneCode:
        self.session.add(row)
        self.session.flush()
        return row

    def count_wrong(self, code_id: int) -> int:
        """One more wrong try, counted in SQL (parallel tries do not lose counts); the count afterwards."""
        self.session.execute(update(PhoneCode).where(PhoneCode.id == code_id).values(attempts=PhoneCode.attempts + 1))
        return int(self.session.execute(select(PhoneCode.attempts).where(PhoneCode.id == code_id)).scalar_one())

    def use(self, code_id: int, now: Any) -> bool:
        """Mark the code used, once: of two parallel registrations with one code only one gets True."""
        result = self.session.execute(
            update(PhoneCode).where(PhoneCode.id == code_id, PhoneCode.used_at.is_(None)).values(used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
