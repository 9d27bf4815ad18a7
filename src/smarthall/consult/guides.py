"""Item guides (办事指南) written from a catalog item, and the tailored material checklist (pure).

A guide answers "what do I bring, what does it cost, how long, can I do it online, do I book" in one text, so
the assistant can cite it. The checklist asks one yes/no question per optional material whose note says when it
applies ("委托他人办理时提交" becomes "是否委托他人办理?"), which is how the catalog expresses an item's variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

ONLINE_DEPTH_TEXT = {
    1: "需到现场办理",
    2: "可网上预约或查询,需到现场办理",
    3: "可网上申报,需到现场核验或领取一次",
    4: "可全程网上办理,无需到现场",
}
COUNTER_TEXT = {"city": "市级政务服务中心", "county": "县(区)政务服务中心", "township": "乡镇(街道)便民服务站"}


def guide_text(item: dict[str, Any], department_name: str = "") -> str:
    """The body of an item's guide entry, in Chinese, from its catalog fields."""
    parts: list[str] = []
    if department_name:
        parts.append(f"主管部门:{department_name}。")
    mats = item.get("materials") or []
    required = [m["name"] for m in mats if m.get("required")]
    optional = [f"{m['name']}({m['note']})" if m.get("note") else m["name"] for m in mats if not m.get("required")]
    if required:
        parts.append("需要带的材料:" + "、".join(required) + "。")
    if optional:
        parts.append("视情况提供:" + "、".join(optional) + "。")
    fee = float(item.get("fee") or 0)
    parts.append("收费:" + ("免费" if fee == 0 else f"{fee:g}元") + "。" + (item.get("fee_note") or ""))
    promised = item.get("promised_limit_workdays")
    if promised is not None:
        parts.append(
            "办理时限:"
            + ("即办" if promised == 0 else f"承诺{promised}个工作日")
            + f"(法定{item.get('legal_limit_workdays')}个工作日)。"
        )
    depth = int(item.get("online_depth") or 1)
    parts.append("办理方式:" + ONLINE_DEPTH_TEXT.get(depth, "") + "。")
    parts.append("预约:" + ("需要提前预约" if item.get("appointment") else "可直接取号,也可预约") + "。")
    counters = [COUNTER_TEXT.get(c, c) for c in item.get("counters") or []]
    if counters:
        parts.append("办理地点:" + "、".join(counters) + "。")
    if item.get("instant_approval_eligible"):
        parts.append("符合条件的可秒批。")
    if item.get("note"):
        parts.append(str(item["note"]))
    return "".join(parts)


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
        return f"/kiosk/{hall_code}" if hall_code else "/"
    if route in ("online", "self_service"):
        return f"/cases/new?{urlencode({'item_code': item_code or '', 'hall_code': hall_code or ''})}"
    if route in ("help", "guide_desk"):
        return f"/ask/help?{q}"
    return "/ask"
