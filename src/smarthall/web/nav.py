"""Role home tiles. Each domain registers the pages its roles use; a tile shows only to actors with its permission."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tile:
    permission: str
    path: str
    title_zh: str
    title_en: str
    note_zh: str = ""
    note_en: str = ""


TILES: list[Tile] = [
    Tile(
        "catalog.browse",
        "/admin/catalog",
        "事项目录与大厅",
        "Catalog and halls",
        "查看大厅分布、窗口与服务事项材料清单",
        "Hall tree, windows, items and their materials",
    ),
    Tile("audit.read", "/audit", "安全审计", "Security audit", "审计日志与哈希链校验", "Audit trail and chain check"),
    Tile("staff.read", "/admin/staff", "人员名册", "Staff list", "本大厅及下级站点人员", "Staff in your scope"),
]


def register(tile: Tile) -> None:
    if tile not in TILES:
        TILES.append(tile)


def tiles_for(permissions: frozenset[str]) -> list[Tile]:
    return [t for t in TILES if t.permission in permissions]
