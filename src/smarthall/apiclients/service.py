"""API clients for department systems (开放平台接入): register, rotate and revoke keys, authenticate a call.

An admin registers a client for a hall it manages, with scopes (``policy.SCOPES``), the departments whose cases it
may reach, a hall or region limit, an expiry and a rate per minute. The plain key is shown once. Every call made
with a key is audited (``apiclient.call``: method, path, outcome), refused ones too; a client over its rate gets
429 with Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from smarthall.apiclients import policy
from smarthall.apiclients.errors import (
    ApiKeyRefused,
    ClientNotFound,
    KeyNotFound,
    NothingToApprove,
    RegionOutOfReach,
    SameApprover,
    ScopeTooSmall,
    TooManyLiveKeys,
    UnknownScope,
)
from smarthall.apiclients.models import ApiClient, ApiKey
from smarthall.apiclients.repository import ClientRepository, KeyRepository
from smarthall.apiclients.schemas import ClientCreate, ClientRead, KeyRead, WhoAmI
from smarthall.audit import service as audit_service
from smarthall.core.errors import HallError, Unauthorized
from smarthall.core.repository import MAX_PAGE
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service


def _key_read(key: ApiKey, now: datetime) -> KeyRead:
    return KeyRead(
        id=key.id,
        prefix=key.prefix,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
        live=policy.key_live(key, now),
        approved=key.approved_at is not None,
    )


def client_read(session: Session, client: ApiClient, now: datetime) -> ClientRead:
    keys = KeyRepository(session).of_client(client.id)
    four_eyes = policy.sensitive(client.scopes)
    return ClientRead(
        id=client.id,
        name=client.name,
        hall_code=client.hall_code,
        region_limit=client.region_limit,
        scopes=list(client.scopes),
        department_codes=list(client.department_codes),
        rate_per_minute=client.rate_per_minute,
        expires_at=client.expires_at,
        active=client.active,
        keys=[_key_read(k, now) for k in keys],
        four_eyes=four_eyes,
        awaiting_approval=four_eyes and any(k.approved_at is None and policy.key_live(k, now) for k in keys),
        approved_by=client.approved_by,
    )


def _issue_key(session: Session, actor: Actor, client: ApiClient, now: datetime) -> str:
    """A new key, plain (shown once to ``actor``); a sensitive client's waits for another person's approval."""
    plain = policy.new_key()
    approved = None if policy.sensitive(client.scopes) else now
    KeyRepository(session).add(
        ApiKey(
            client_id=client.id,
            prefix=policy.display_prefix(plain),
            key_hash=policy.hash_key(plain),
            created_at=now,
            expires_at=client.expires_at,
            issued_by_id=actor.id if actor.kind == "staff" else None,
            approved_at=approved,
        )
    )
    return plain


def create_client(session: Session, actor: Actor, data: ClientCreate, *, now: datetime) -> tuple[ApiClient, str]:
    """Register a client for a hall ``actor`` manages; its first key (plain, shown once) comes back with it."""
    unknown = policy.unknown_scopes(data.scopes)
    if unknown:
        raise UnknownScope(detail={"scopes": unknown, "known": sorted(policy.SCOPES)})
    hall = org_service.managed_scope(session, actor, data.hall_code)
    if hall.kind != "hall" or hall.hall_id is None:
        raise ClientNotFound("请选择一个大厅", "Choose a hall", detail={"hall_code": data.hall_code})
    region_limit: str | None = None
    if data.scope_code:
        limit = org_service.managed_scope(session, actor, data.scope_code)
        if limit.kind != "region":
            raise RegionOutOfReach(detail={"scope_code": data.scope_code})
        region_limit = limit.region_path
    client = ApiClient(
        name=data.name,
        hall_id=hall.hall_id,
        hall_code=hall.code,
        region_path=hall.region_path,
        region_limit=region_limit,
        scopes=sorted(set(data.scopes)),
        department_codes=sorted(set(data.department_codes)),
        rate_per_minute=data.rate_per_minute,
        expires_at=data.expires_at,
        created_by=actor.label,
        created_at=now,
        approved_at=None if policy.sensitive(data.scopes) else now,
    )
    repo = ClientRepository(session)
    repo.add(client)
    repo.flush()
    plain = _issue_key(session, actor, client, now)
    audit_service.record(
        session, actor, "apiclient.create", target_type="apiclient", target_id=client.id, hall_code=hall.code,
        detail={"scopes": client.scopes, "region_limit": region_limit, "four_eyes": policy.sensitive(client.scopes)},
        now=now,
    )  # fmt: skip
    return client, plain


def list_clients(session: Session, actor: Actor, *, limit: int = 100, offset: int = 0) -> list[ApiClient]:
    return ClientRepository(session).listing(actor, limit=min(limit, MAX_PAGE), offset=offset)


def get_client(session: Session, actor: Actor, client_id: int) -> ApiClient:
    client = ClientRepository(session).get_in_scope(actor, id=client_id)
    if client is None:
        raise ClientNotFound(detail={"client_id": client_id})
    return client


def rotate_key(session: Session, actor: Actor, client_id: int, *, grace_hours: int, now: datetime) -> str:
    """A new key; the live old one stays live for ``grace_hours`` more (two live keys while the system changes)."""
    client = get_client(session, actor, client_id)
    keys = KeyRepository(session).of_client_for_update(client.id)
    live = [k for k in keys if policy.key_live(k, now)]
    if len(live) >= policy.MAX_LIVE_KEYS:
        raise TooManyLiveKeys(detail={"live_keys": [k.prefix for k in live]})
    until = now + timedelta(hours=grace_hours)
    for old in live:
        if old.expires_at is None or old.expires_at > until:
            old.expires_at = until
    plain = _issue_key(session, actor, client, now)
    audit_service.record(
        session, actor, "apiclient.rotate", target_type="apiclient", target_id=client.id, hall_code=client.hall_code,
        detail={"old_keys_until": until.isoformat()}, now=now,
    )  # fmt: skip
    return plain


APPROVE = "apiclient.approve"


def _approval_refusal(session: Session, actor: Actor, client: ApiClient, waiting: list[ApiKey]) -> HallError | None:
    """Why ``actor`` may not approve ``client`` with its ``waiting`` keys now (None: they may) — the four-eyes
    rule, in one place for the approval itself and for the page that offers it."""
    if not policy.sensitive(client.scopes) or not (waiting or client.approved_at is None):
        return NothingToApprove(detail={"client_id": client.id})
    if actor.kind != "staff" or actor.id is None:
        return SameApprover(detail={"reason": "not_staff"})
    if not actor.has(APPROVE):
        return SameApprover(detail={"reason": "role"})
    registrant = client.approved_at is None and client.created_by == actor.label
    if registrant or any(k.issued_by_id == actor.id for k in waiting):
        return SameApprover()
    issuers = {k.issued_by_id for k in waiting if k.issued_by_id is not None}
    people = identity_service.staff_by_ids(session, issuers | {actor.id})
    mine = people[actor.id].id_number_index if actor.id in people else None
    if mine is not None and any(people[i].id_number_index == mine for i in issuers if i in people):
        return SameApprover(detail={"reason": "same_person"})
    return None


def may_approve(session: Session, actor: Actor, client: ApiClient) -> bool:
    """Whether ``actor`` may approve ``client`` (one in their scope, from ``list_clients``) now, by the rule that
    ``approve`` applies: the page offers the approve button only then."""
    waiting = [k for k in KeyRepository(session).of_client(client.id) if k.approved_at is None]
    return _approval_refusal(session, actor, client, waiting) is None


def approve(session: Session, actor: Actor, client_id: int, *, now: datetime) -> ApiClient:
    """Four eyes: a second person (another administrator or a hall manager of the client's halls) approves a
    sensitive client and its waiting keys — never the one who registered it or was shown a waiting key."""
    client = get_client(session, actor, client_id)
    waiting = [k for k in KeyRepository(session).of_client_for_update(client.id) if k.approved_at is None]
    if (refusal := _approval_refusal(session, actor, client, waiting)) is not None:
        raise refusal
    client.approved_at, client.approved_by = client.approved_at or now, client.approved_by or actor.label
    for key in waiting:
        key.approved_at, key.approved_by = now, actor.label
    audit_service.record(
        session, actor, "apiclient.approve", target_type="apiclient", target_id=client.id, hall_code=client.hall_code,
        detail={"scopes": client.scopes, "keys": [k.prefix for k in waiting]}, now=now,
    )  # fmt: skip
    return client


def revoke_key(session: Session, actor: Actor, client_id: int, key_id: int, *, now: datetime) -> ApiClient:
    client = get_client(session, actor, client_id)
    key = next((k for k in KeyRepository(session).of_client(client.id) if k.id == key_id), None)
    if key is None:
        raise KeyNotFound(detail={"key_id": key_id})
    if key.revoked_at is None:
        key.revoked_at = now
        audit_service.record(
            session, actor, "apiclient.revoke_key", target_type="apiclient", target_id=client.id,
            hall_code=client.hall_code, detail={"key": key.prefix}, now=now,
        )  # fmt: skip
    return client


def set_active(session: Session, actor: Actor, client_id: int, *, active: bool, now: datetime) -> ApiClient:
    client = get_client(session, actor, client_id)
    if client.active != active:
        client.active = active
        audit_service.record(
            session, actor, "apiclient.enable" if active else "apiclient.disable", target_type="apiclient",
            target_id=client.id, hall_code=client.hall_code, now=now,
        )  # fmt: skip
    return client


@dataclass(frozen=True)
class ClientFacts:
    """What other domains (webhooks) need of a client, without its rows."""

    id: int
    name: str
    hall_id: int
    hall_code: str
    region_path: str
    region_limit: str | None
    scopes: frozenset[str]
    department_codes: frozenset[str]
    active: bool
    expires_at: datetime | None
    approved: bool = True  # a sensitive client approved by a second person (four eyes)

    def reaches(self, hall_id: int, region_path: str) -> bool:
        """Whether the client may see a hall (the ``client_actor``'s scope, for system work such as events)."""
        return hall_id == self.hall_id or (self.region_limit is not None and region_path.startswith(self.region_limit))

    def usable(self, now: datetime) -> bool:
        return self.approved and self.active and (self.expires_at is None or self.expires_at > now)


def facts(client: ApiClient) -> ClientFacts:
    return ClientFacts(
        client.id, client.name, client.hall_id, client.hall_code, client.region_path, client.region_limit,
        frozenset(client.scopes), frozenset(client.department_codes), client.active, client.expires_at,
        not policy.sensitive(client.scopes) or client.approved_at is not None,
    )  # fmt: skip


def client_facts(session: Session, client_ids: list[int]) -> dict[int, ClientFacts]:
    return {cid: facts(row) for cid, row in ClientRepository(session).by_ids(client_ids).items()}


def client_in_scope(session: Session, actor: Actor, client_id: int) -> ClientFacts:
    return facts(get_client(session, actor, client_id))


def client_actor(client: ApiClient) -> Actor:
    departments = sorted(client.department_codes)
    return Actor(
        kind="client",
        id=client.id,
        role="api_client",
        username=f"client:{client.id}",
        hall_id=client.hall_id,
        hall_code=client.hall_code,
        region_path=client.region_limit,
        department_code=departments[0] if len(departments) == 1 else None,
        permissions=policy.permissions(client.scopes),
    )


@dataclass(frozen=True)
class Verdict:
    actor: Actor | None
    refusal: str | None
    client: ApiClient | None
    rate_per_minute: int


def authenticate(session: Session, presented: str, *, now: datetime) -> Verdict:
    """The actor of a presented key, or why it is refused (nothing is raised: the caller audits first)."""
    if not policy.looks_like_key(presented):
        return Verdict(None, "api_key_unknown", None, 0)
    key = KeyRepository(session).by_hash(policy.hash_key(presented))
    client = ClientRepository(session).by_id(key.client_id) if key is not None else None
    why = policy.refusal(
        client.active if client else False, client.expires_at if client else None, key, now,
        four_eyes=client is not None and policy.sensitive(client.scopes),
    )  # fmt: skip
    if why is not None or client is None or key is None:
        return Verdict(None, why or "api_key_unknown", client, 0)
    KeyRepository(session).touch(key.id, now)
    return Verdict(client_actor(client), None, client, client.rate_per_minute)


def audit_call(session: Session, verdict: Verdict, *, method: str, path: str, outcome: str, now: datetime) -> None:
    """Every call with a key is one audit event: who (the client, or the refused key), what, and how it ended."""
    actor = verdict.actor or SYSTEM
    audit_service.record(
        session,
        actor,
        "apiclient.call",
        target_type="apiclient",
        target_id=verdict.client.id if verdict.client else None,
        hall_code=verdict.client.hall_code if verdict.client else None,
        outcome=outcome,
        detail={"method": method, "path": path[:200]},
        now=now,
    )


def whoami(session: Session, actor: Actor) -> WhoAmI:
    if actor.kind == "anonymous":
        raise Unauthorized()
    client = ClientRepository(session).by_id(actor.id) if actor.kind == "client" and actor.id else None
    if client is None:
        raise ScopeTooSmall("仅供接入系统调用", "Only for API clients")
    return WhoAmI(
        client_id=client.id,
        name=client.name,
        hall_code=client.hall_code,
        scopes=list(client.scopes),
        department_codes=list(client.department_codes),
    )


def require_scope(actor: Actor, scope: str) -> None:
    """For endpoints made for department systems: the client's scopes must include ``scope``."""
    if actor.kind == "anonymous":
        raise Unauthorized()
    if not policy.SCOPES[scope] <= actor.permissions:
        raise ScopeTooSmall(detail={"scope": scope})


def departments_of(session: Session, actor: Actor) -> frozenset[str]:
    """The departments whose cases a client actor may act on (its registration), empty for any other actor."""
    client = ClientRepository(session).by_id(actor.id) if actor.kind == "client" and actor.id else None
    return frozenset(client.department_codes) if client is not None else frozenset()


def refused(code: str) -> ApiKeyRefused:
    return ApiKeyRefused(code=code)
