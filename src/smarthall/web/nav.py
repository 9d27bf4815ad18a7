"""Role home tiles. Each domain contributes the pages its roles use, in its ``register()``
(``registry.contribute(TILES_POINT, tile(...))``); a tile shows only to actors holding its permission.

``TILES`` and ``register(tile)`` are the older way, a list filled when a domain's pages module is imported; the
home page still shows those, after the contributed ones, until every domain has moved (``tests/test_house.py``
lists the modules that still do).
"""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.core.i18n import message
from smarthall.core.registry import Registry

TILES_POINT = "web.tiles"


@dataclass(frozen=True)
class Tile:
    permission: str
    path: str
    title_zh: str
    title_en: str
    note_zh: str = ""
    note_en: str = ""


def tile(permission: str, path: str, key: str) -> Tile:
    """A tile worded by the message catalog: ``<key>.title`` and ``<key>.note`` (zh and en)."""
    title = message(f"{key}.title")
    if title is None:
        raise LookupError(f"no message {key}.title for the tile of {path}")
    note = message(f"{key}.note") or ("", "")
    return Tile(permission, path, title[0], title[1], note[0], note[1])


TILES: list[Tile] = []


def register(tile: Tile) -> None:
    """Older: add a tile at import time. Contribute it in the domain's ``register()`` instead."""
    if tile not in TILES:
        TILES.append(tile)


def tiles_for(permissions: frozenset[str], registry: Registry | None = None) -> list[Tile]:
    """The tiles an actor with ``permissions`` sees: the contributed ones in wiring order, then the older ones."""
    contributed: list[Tile] = registry.contributions(TILES_POINT) if registry is not None else []
    seen = {t.path for t in contributed}
    every = contributed + [t for t in TILES if t.path not in seen]
    return [t for t in every if t.permission in permissions]
