"""The kiosk's menu (pure, no I/O): items grouped by life event (人生事件 / 主题服务), searched by name, keyword or
situation, and the popular ones first — so a citizen finds an item in one or two taps, not by scrolling 45 buttons.

The catalog has no life-event field; the grouping below is ours (``docs/decisions.md``), by item code, with
everything not named falling into "other services" so no item is ever unreachable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LifeEvent:
    key: str
    zh: str
    en: str
    icon: str  # a short glyph shown on the tile (text, no image files)
    codes: tuple[str, ...]


LIFE_EVENTS: tuple[LifeEvent, ...] = (
    LifeEvent(
        "documents", "身份证件", "ID and travel documents", "证", ("GA-001", "GA-002", "GA-006", "GA-007", "GA-008")
    ),
    LifeEvent("birth", "生育落户", "A new baby", "婴", ("GA-003", "WJ-001", "YB-001")),
    LifeEvent("family", "婚姻户口", "Marriage and household", "家", ("MZ-001", "GA-004")),
    LifeEvent(
        "business",
        "创业开店",
        "Starting or closing a business",
        "商",
        ("SC-001", "SC-002", "SC-003", "SC-004", "SC-005", "SW-001", "GJ-001", "WJ-002", "JT-001"),
    ),
    LifeEvent(
        "social",
        "社保医保",
        "Social and health insurance",
        "保",
        ("RS-001", "RS-002", "RS-003", "YB-002", "YB-003", "YB-004", "YB-005"),
    ),
    LifeEvent(
        "housing",
        "住房置业",
        "Housing",
        "房",
        ("GJ-002", "GJ-003", "GJ-004", "BD-001", "BD-002", "BD-003", "SW-002", "ZJ-002", "GY-001", "ZJ-001"),
    ),
    LifeEvent(
        "elderly",
        "养老助困",
        "Retirement, care and assistance",
        "老",
        ("RS-004", "MZ-002", "MZ-003", "MZ-005", "CL-001", "CL-002"),
    ),
    LifeEvent("bereavement", "身后事务", "After a death", "念", ("GA-005", "RS-005", "MZ-004")),
)
OTHER = LifeEvent("other", "其他服务", "Other services", "更", ())
EVENTS_BY_KEY = {e.key: e for e in (*LIFE_EVENTS, OTHER)}


@dataclass(frozen=True)
class MenuItem:
    code: str
    name: str
    department: str
    words: str = ""  # keywords and situations, searched too


def events_with_items(items: Sequence[MenuItem]) -> list[tuple[LifeEvent, list[MenuItem]]]:
    """Each life event with the hall's items in it (events without any are left out); the rest under "other"."""
    by_code = {i.code: i for i in items}
    placed: set[str] = set()
    out: list[tuple[LifeEvent, list[MenuItem]]] = []
    for event in LIFE_EVENTS:
        found = [by_code[c] for c in event.codes if c in by_code]
        placed.update(i.code for i in found)
        if found:
            out.append((event, found))
    rest = [i for i in items if i.code not in placed]
    if rest:
        out.append((OTHER, rest))
    return out


def search(items: Iterable[MenuItem], query: str, *, limit: int = 12) -> list[MenuItem]:
    """Items whose name, keywords or situations contain the query (or each of its characters' words), best first:
    a name match before a keyword match."""
    q = "".join(query.split())
    if not q:
        return []
    named = [i for i in items if q in i.name]
    worded = [i for i in items if i not in named and q in i.words]
    return (named + worded)[:limit]


def popular_first(items: Sequence[MenuItem], counts: dict[str, int], *, limit: int = 8) -> list[MenuItem]:
    """The most taken items of recent days; a hall without history gets the catalog's everyday ones."""
    ranked = sorted((i for i in items if counts.get(i.code)), key=lambda i: (-counts[i.code], i.code))
    if len(ranked) < limit:
        everyday = [c for c in EVERYDAY if c not in {r.code for r in ranked}]
        by_code = {i.code: i for i in items}
        ranked += [by_code[c] for c in everyday if c in by_code]
    return ranked[:limit]


# What most people come for on an ordinary day (ID cards, social security cards, household, business licences).
EVERYDAY = ("GA-001", "GA-002", "RS-002", "RS-001", "SC-002", "GA-003", "GJ-002", "YB-002")
