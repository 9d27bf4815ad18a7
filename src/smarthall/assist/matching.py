"""Choosing the helper for a help request (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

HELPER_ROLES = ("guide", "hall_manager")


class Helper(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def department_code(self) -> str | None: ...
    @property
    def duty(self) -> str | None: ...
    @property
    def zone_code(self) -> str | None: ...


H = TypeVar("H", bound=Helper)


def best_helper(staff: Sequence[H], loads: Mapping[int, int], *, skill: str | None, zone_code: str | None) -> H | None:
    """The lightest load, where a matching skill (the item's department, or a 帮办 duty) and working in the request's
    zone each count as one request less, so specialists are preferred but not swamped; guides before managers."""
    if not staff:
        return None

    def rank(s: H) -> tuple[int, int, int]:
        skilled = 1 if (skill and s.department_code == skill) or "帮办" in (s.duty or "") else 0
        zoned = 1 if zone_code and s.zone_code == zone_code else 0
        guide = 1 if s.role == "guide" else 0
        return (loads.get(s.id, 0) - skilled - zoned, -guide, s.id)

    return min(staff, key=rank)
