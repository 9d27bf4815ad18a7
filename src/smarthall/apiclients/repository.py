"""Every query of API clients and their keys. Client rows are hall-owned: admins see them through the scope filter;
authenticating a presented key is a lookup by its hash (the key is the credential, no actor exists yet)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smarthall.apiclients.models import ApiClient, ApiKey
from smarthall.core.repository import Repository
from smarthall.core.tenancy import Actor


class ClientRepository(Repository[ApiClient]):
    model = ApiClient

    def listing(self, actor: Actor, *, limit: int, offset: int) -> list[ApiClient]:
        stmt = self.scoped(actor).order_by(ApiClient.id).limit(limit).offset(offset)
        return list(self.session.execute(stmt).scalars())

    def by_id(self, client_id: int) -> ApiClient | None:
        """A client by id for its own key (authentication) and the event relay (system work, no actor)."""
        return self.session.get(ApiClient, client_id)

    def by_ids(self, ids: list[int]) -> dict[int, ApiClient]:
        if not ids:
            return {}
        rows = self.session.execute(select(ApiClient).where(ApiClient.id.in_(ids))).scalars()
        return {row.id: row for row in rows}


class KeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return self.session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash)).scalar_one_or_none()

    def of_client(self, client_id: int) -> list[ApiKey]:
        stmt = select(ApiKey).where(ApiKey.client_id == client_id).order_by(ApiKey.id)
        return list(self.session.execute(stmt).scalars())

    def of_client_for_update(self, client_id: int) -> list[ApiKey]:
        """The client's keys, locked on PostgreSQL so two rotations cannot both see one live key."""
        stmt = select(ApiKey).where(ApiKey.client_id == client_id).order_by(ApiKey.id).with_for_update()
        return list(self.session.execute(stmt).scalars())

    def add(self, key: ApiKey) -> None:
        self.session.add(key)
        self.session.flush()

    def touch(self, key_id: int, when: datetime) -> None:
        self.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=when))
