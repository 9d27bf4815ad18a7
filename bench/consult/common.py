"""Shared loading for the consultation benchmarks: the demo catalog as knowledge base, the question set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from smarthall.consult.guides import entries_from_catalog
from smarthall.consult.qa import Index, KbDoc

HERE = Path(__file__).parent
CATALOG = Path(__file__).resolve().parents[2] / "src" / "smarthall" / "data" / "catalog.json"


@dataclass
class Question:
    n: int
    expect: frozenset[str]
    style: str
    text: str

    @property
    def answerable(self) -> bool:
        return bool(self.expect)

    @property
    def split(self) -> str:
        # Every third question is held out: never looked at while tuning synonyms, stop words or calibration.
        return "heldout" if self.n % 3 == 2 else "tune"


def questions() -> list[Question]:
    out = []
    for line in (HERE / "questions.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        expect, style, text = line.split("\t", 2)
        codes = frozenset() if expect == "-" else frozenset(c.strip() for c in expect.split(","))
        out.append(Question(len(out), codes, style, text))
    return out


def docs() -> list[KbDoc]:
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    return [
        KbDoc(
            key=e["code"],
            kind=e["kind"],
            title=e["title"],
            body=e["body"],
            item_code=e["item_code"],
            tags=tuple(e["tags"]),
            keywords=tuple(e["keywords"]),
            situations=tuple(e.get("situations") or ()),
            not_this=tuple((n["when"], n.get("instead")) for n in e.get("not_this") or ()),
        )
        for e in entries_from_catalog(catalog)
    ]


def correct(q: Question, doc: KbDoc) -> bool:
    return doc.key in q.expect or (doc.item_code is not None and doc.item_code in q.expect)


def build(*, dense: bool = False, concepts: object = None) -> Index:
    from smarthall.consult.qa import load_dense

    encoder = load_dense(str(HERE / ".cache")) if dense else None
    if dense and encoder is None:
        print("dense retrieval unavailable (install the 'dense' extra)")
    if concepts is None:  # (also runs against revisions whose Index has no concepts: build_speed.py, baselines)
        return Index(docs(), dense=encoder)
    return Index(docs(), dense=encoder, concepts=concepts)  # type: ignore[arg-type]
