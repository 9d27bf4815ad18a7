"""Item guides (办事指南) written from a catalog item, and the tailored material checklist (pure).

A guide answers "what do I bring, what does it cost, how long, can I do it online, do I book" in one text, so
the assistant can cite it. The checklist asks one yes/no question per optional material whose note says when it
applies ("委托他人办理时提交" becomes "是否委托他人办理?"), which is how the catalog expresses an item's variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from smarthall.core.i18n import Lang, translate


def guide_text(item: dict[str, Any], department_name: str = "") -> str:
    """The body of an item's guide entry, in Chinese, from its catalog fields."""
    return _guide(item, department_name, "zh", {})


def guide_text_en(item: dict[str, Any], department_name_en: str = "") -> str | None:
    """The same guide in English, from the catalog's English fields (``name_en``/``note_en`` of the materials, the
    item's ``fee_note_en`` and ``note_en``, the department's ``name_en``; issue 16) — ``None`` when a text the
    Chinese guide says has no English in the catalog (the page then shows the Chinese one)."""
    mats = item.get("materials") or []
    if any(not m.get("name_en") or (m.get("note") and not m.get("required") and not m.get("note_en")) for m in mats):
        return None
    if (item.get("fee_note") and not item.get("fee_note_en")) or (item.get("note") and not item.get("note_en")):
        return None
    if item.get("department_code") and not department_name_en:
        return None
    english = {"name": "name_en", "note": "note_en", "fee_note": "fee_note_en"}
    return _guide(item, department_name_en, "en", english).strip()


def _guide(item: dict[str, Any], department_name: str, lang: Lang, field: dict[str, str]) -> str:
    """The guide in ``lang``, reading each catalog text from ``field.get(name, name)`` (its English field)."""

    def say(key: str, **params: Any) -> str:
        return translate(f"consult.guide.{key}", lang, **params)

    def of(row: dict[str, Any], name: str) -> str:
        return str(row.get(field.get(name, name)) or "")

    parts: list[str] = []
    if department_name:
        parts.append(say("department", name=department_name))
    mats = item.get("materials") or []
    required = [of(m, "name") for m in mats if m.get("required")]
    optional = [
        say("with_note", name=of(m, "name"), note=of(m, "note")) if m.get("note") else of(m, "name")
        for m in mats
        if not m.get("required")
    ]
    if required:
        parts.append(say("required", names=say("list_sep").join(required)))
    if optional:
        parts.append(say("optional", names=say("list_sep").join(optional)))
    fee = float(item.get("fee") or 0)
    fee_words = say("fee_free") if fee == 0 else say("fee", fee=f"{fee:g}")
    parts.append(fee_words + of(item, "fee_note") + (" " if lang == "en" and item.get("fee_note") else ""))
    promised, legal = item.get("promised_limit_workdays"), item.get("legal_limit_workdays")
    if promised is not None:
        plural = {"promised_s": "" if promised == 1 else "s", "legal_s": "" if legal == 1 else "s"}  # English's
        key = "limit_instant" if promised == 0 else "limit"
        parts.append(say(key, promised=promised, legal=legal, **plural))
    depth = int(item.get("online_depth") or 1)
    parts.append(say(f"online_depth.{min(max(depth, 1), 4)}"))
    parts.append(say("appointment_needed" if item.get("appointment") else "appointment_optional"))
    counters = [say(f"counter.{c}") if c in COUNTERS else c for c in item.get("counters") or []]
    if counters:
        parts.append(say("counters", places=say("list_sep").join(counters)))
    if item.get("instant_approval_eligible"):
        parts.append(say("instant"))
    if item.get("note"):
        parts.append(of(item, "note"))
    return "".join(parts)


COUNTERS = ("city", "county", "township")  # where an item is done (``counters``), in words: consult.guide.counter.*


@dataclass(frozen=True)
class ChecklistQuestion:
    material_code: str
    question: str
    question_en: str = ""  # issue 16: from the material's English name and note (catalog 1.4/1.5)

    def as_dict(self) -> dict[str, str]:
        return {"material_code": self.material_code, "question": self.question, "question_en": self.question_en}


def _question_from_note(note: str, name: str) -> str:
    note = note.strip().rstrip("。")
    for marker in ("时提交", "时提供", "的提交", "的提供", "时需要", "时"):
        if marker in note:
            return "是否" + note.split(marker)[0].lstrip("如若") + "?"
    return f"是否需要提供{name}?({note})" if note else f"是否需要提供{name}?"


def _question_en(material: dict[str, Any]) -> str:
    """The question in English: the material's English name, and its English note as when it applies."""
    name = material.get("name_en") or ""
    note = (material.get("note_en") or "").rstrip(".")
    if not name:
        return ""
    return f"{name}: {note}. Does this apply to you?" if note else f"Do you need to bring {name}?"


def with_english(materials: list[dict[str, Any]], rows: Any) -> list[dict[str, Any]]:
    """The materials with their English name and note (the catalog's rows, in the same order)."""
    return [{**m, "name_en": r.name_en, "note_en": r.note_en} for m, r in zip(materials, rows, strict=False)]


def checklist_questions(materials: list[dict[str, Any]]) -> list[ChecklistQuestion]:
    return [
        ChecklistQuestion(m["code"], _question_from_note(m.get("note") or "", m["name"]), _question_en(m))
        for m in materials
        if not m.get("required")
    ]


def tailored_checklist(materials: list[dict[str, Any]], answers: dict[str, bool]) -> list[dict[str, Any]]:
    """Required materials, plus the optional ones whose question was answered yes (unanswered: shown as maybe)."""
    out = []
    for m in materials:
        if m.get("required"):
            status = "required"
        elif m["code"] in answers:
            if not answers[m["code"]]:
                continue
            status = "required"
        else:
            status = "maybe"
        out.append(
            {
                "code": m["code"],
                "name": m["name"],
                "status": status,
                "copies": m.get("copies", 1),
                "original_needed": bool(m.get("original_needed")),
                "e_licence_type": m.get("e_licence_type"),
                "note": m.get("note") or "",
            }
        )
    return out


def entries_from_catalog(catalog: dict[str, Any]) -> list[dict[str, Any]]:
    """Knowledge-base entries seeded from a catalog document: one guide per item, one entry per FAQ."""
    departments = {d["code"]: d["name"] for d in catalog.get("departments", [])}
    out: list[dict[str, Any]] = []
    for item in catalog.get("items", []):
        dept = departments.get(item.get("department_code", ""), "")
        out.append(
            {
                "code": f"ITEM-{item['code']}",
                "kind": "item",
                "item_code": item["code"],
                "title": item["name"],
                "body": guide_text(item, dept),
                "tags": [t for t in (dept, item.get("type")) if t],
                "keywords": list(item.get("keywords") or []),
                "situations": list(item.get("situations") or []),
                "not_this": [dict(n) for n in item.get("not_this") or []],
            }
        )
    for faq in catalog.get("faq", []):
        out.append(
            {
                "code": faq["id"],
                "kind": "faq",
                "item_code": faq.get("item_code"),
                "title": faq["question"],
                "body": faq["answer"],
                "tags": list(faq.get("tags") or []),
                "keywords": [],
                "situations": list(faq.get("situations") or []),
                "not_this": [],
            }
        )
    return out


ROUTE_TARGETS = {"book", "ticket", "online", "self_service", "help", "guide_desk", "hotline"}


def route_target(route: str, *, item_code: str | None, hall_code: str | None) -> str:
    """Where a next step (Annex A route) leads."""
    q = urlencode({"hall_code": hall_code or "", "item_code": item_code or ""})
    if route == "book":
        return f"/appointments/book?{q}"
    if route == "ticket":
        return f"/take/{hall_code}?{urlencode({'item_code': item_code or ''})}" if hall_code else "/"
    if route in ("online", "self_service"):
        return f"/cases/new?{urlencode({'item_code': item_code or '', 'hall_code': hall_code or ''})}"
    if route in ("help", "guide_desk"):
        return f"/ask/help?{q}"
    return "/ask"
