"""API client shapes (in and out); a plain key appears once, in the answer that made it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    hall_code: str = Field(min_length=1, max_length=32, description="the hall that registers the client")
    scope_code: str | None = Field(
        default=None, max_length=32, description="a region code: the client may reach halls beneath it; unset: its hall"
    )
    scopes: list[str] = Field(default_factory=list, max_length=10)
    department_codes: list[str] = Field(default_factory=list, max_length=50)
    rate_per_minute: int = Field(default=120, ge=1, le=100_000)
    expires_at: datetime | None = None


class KeyRead(BaseModel):
    id: int
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    live: bool
    approved: bool = Field(description="false: waits for a second person's approval (four eyes) and is refused")


class ClientRead(BaseModel):
    id: int
    name: str
    hall_code: str
    region_limit: str | None
    scopes: list[str]
    department_codes: list[str]
    rate_per_minute: int
    expires_at: datetime | None
    active: bool
    keys: list[KeyRead]
    four_eyes: bool = Field(description="sensitive scopes: the client and each key work once someone else approved")
    awaiting_approval: bool
    approved_by: str | None


class ClientWithKey(BaseModel):
    client: ClientRead
    key: str = Field(description="the new key, shown this once; store it in the department system")


class KeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_hours: int = Field(default=168, ge=0, le=24 * 90, description="how long the old key stays live")


class WhoAmI(BaseModel):
    client_id: int
    name: str
    hall_code: str
    scopes: list[str]
    department_codes: list[str]
