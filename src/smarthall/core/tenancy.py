"""Who is acting, and over which part of the hall tree (row-level tenancy by region path)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from smarthall.core.errors import Forbidden

ActorKind = Literal["anonymous", "staff", "citizen", "device", "system", "client"]

# The one table of roles that supervise: they see their hall and every hall in the regions beneath it (e.g. a county
# hall manager oversees the township stations of the county). Front-line roles see their own hall only. Both twins
# of the scope rule read it: ``Actor.can_see_hall`` here and ``core.repository.hall_scope`` in SQL.
SUPERVISING_ROLES = frozenset({"hall_manager", "admin", "auditor"})


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None
    role: str | None = None
    username: str | None = None
    hall_id: int | None = None
    hall_code: str | None = None
    region_path: str | None = None
    department_code: str | None = None
    window_code: str | None = None
    device_kind: str | None = None
    via_cookie: bool = False
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        if self.kind == "staff":
            return f"staff:{self.username}"
        if self.kind in ("citizen", "device", "client"):
            return f"{self.kind}:{self.id}"
        return self.kind

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    def can_see_hall(self, hall_id: int, region_path: str) -> bool:
        if self.kind == "system":
            return True
        if self.kind not in ("staff", "device", "client") or self.hall_id is None:
            return False
        if hall_id == self.hall_id:
            return True
        if supervises(self):
            assert self.region_path is not None
            return region_path.startswith(self.region_path)
        return False

    def ensure_hall(self, hall_id: int, region_path: str) -> None:
        if not self.can_see_hall(hall_id, region_path):
            raise Forbidden("该大厅不在您的管辖范围内", "This hall is outside your scope", code="out_of_scope")


def supervises(actor: Actor) -> bool:
    """Whether ``actor`` sees the halls beneath its own (a staff member in a supervising role with a known region, or
    a department system's API client limited to a region rather than to its hall)."""
    if actor.kind == "client":
        return bool(actor.region_path)
    return actor.kind == "staff" and actor.role in SUPERVISING_ROLES and bool(actor.region_path)


ANONYMOUS = Actor(kind="anonymous")
SYSTEM = Actor(kind="system", permissions=frozenset({"*"}))
