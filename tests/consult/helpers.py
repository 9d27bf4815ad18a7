"""What several consultation tests share: the demo catalog's knowledge-base entries as the engine indexes them."""

from __future__ import annotations

import json
from pathlib import Path

from smarthall.consult import qa
from smarthall.consult.guides import entries_from_catalog


def demo_docs() -> list[qa.KbDoc]:
    """The entries the demo catalog gives the knowledge base (items, situations, "not this" hints, FAQs)."""
    path = Path(qa.__file__).resolve().parents[1] / "data" / "catalog.json"
    catalog = json.loads(path.read_text(encoding="utf-8"))
    return [
        qa.KbDoc(
            key=e["code"],
            kind=e["kind"],
            title=e["title"],
            body=e["body"],
            item_code=e["item_code"],
            tags=tuple(e["tags"]),
            keywords=tuple(e["keywords"]),
            situations=tuple(e["situations"]),
            not_this=tuple((n["when"], n.get("instead")) for n in e["not_this"]),
        )
        for e in entries_from_catalog(catalog)
    ]
