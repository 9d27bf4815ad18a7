"""The words of a case: status and action names, the paragraphs of the documents it produces (受理通知书,
一次性告知书, 不予受理/不予许可决定书 with appeal rights, 准予决定书), what the applicant is told after each step,
and the warning levels. Every text is an entry of ``cases/messages.toml``; this module picks the entry and fills it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from smarthall.cases.models import Case
from smarthall.cases.shapes import ItemSpec
from smarthall.cases.workflow import STATES
from smarthall.core.clock import format_local
from smarthall.core.i18n import Lang, label, translate
from smarthall.core.masking import mask_name


def text(key: str, lang: Lang = "zh", **params: Any) -> str:
    return translate(f"case.{key}", lang, **params)


def status_word(status: str, lang: Lang = "zh") -> str:
    return label("case.status", status, lang)


def action_word(action: str, lang: Lang = "zh") -> str:
    return label("case.action", action, lang)


def status_words(lang: Lang = "zh") -> dict[str, str]:
    """Every status with its word (for page tables)."""
    return {s: status_word(s, lang) for s in STATES}


# --- documents --------------------------------------------------------------------------------------------------


def item_line(item: ItemSpec) -> str:
    return text("doc.item", name=item.name, code=item.code)


def header_lines(case: Case, item: ItemSpec, department: str) -> list[tuple[str, str]]:
    """The facts every notice starts with: applicant (masked), item, department, when applied."""
    return [
        (text("doc.line.applicant"), mask_name(case.applicant_name)),
        (text("doc.line.item"), item_line(item)),
        (text("doc.line.department"), department),
        (text("doc.line.submitted"), format_local(case.submitted_at)),
    ]


def acceptance(case: Case, *, tolerated: bool, tolerated_until: date | None, gaps: list[str]) -> tuple[str, list[str]]:
    """(title, paragraphs) of the 受理通知书, or of the 容缺受理通知书 with the gaps and their deadline."""
    accepted_at = format_local(case.accepted_at) if case.accepted_at else ""
    paragraphs = [
        text(
            "doc.accepted",
            accepted_at=accepted_at,
            promised=case.promised_due.isoformat(),
            legal=case.legal_due.isoformat(),
        )
    ]
    if tolerated:
        paragraphs.append(text("doc.tolerated", until=tolerated_until, gaps=";".join(gaps)))
    return text("doc.acceptance_tolerated" if tolerated else "doc.acceptance"), paragraphs


def supplement(listed: list[dict[str, Any]], note: str | None) -> tuple[str, list[str]]:
    """(title, paragraphs) of the one-time notice (一次性告知书): everything to supplement, at once."""
    paragraphs = [text("doc.supplement_intro")]
    paragraphs += [
        text("doc.supplement_line", n=i, label=m["label"], reason=m["reason"]) for i, m in enumerate(listed, 1)
    ]
    if note:
        paragraphs.append(text("doc.note", note=note))
    paragraphs.append(text("doc.clock_stopped"))
    return text("doc.supplement"), paragraphs


def refusal(note: str | None, *, at_acceptance: bool) -> tuple[str, list[str]]:
    """(title, paragraphs) of the decision not to accept (不予受理) or not to grant (不予许可), with appeal rights."""
    title = text("doc.refusal" if at_acceptance else "doc.rejection")
    return title, [text("doc.reason", note=note), text("doc.appeal_rights")]


def result_title(item: ItemSpec, licence_type: str | None) -> str:
    if licence_type:
        return text("doc.result_licence", type=licence_type)
    return text("doc.approval_permit" if item.type == "行政许可" else "doc.approval_other", item=item.name)


def result_lines(case: Case, item: ItemSpec, decided_on: date, uscc: str | None) -> list[tuple[str, str]]:
    lines = [
        (text("doc.line.applicant"), mask_name(case.applicant_name)),
        (text("doc.line.item"), item_line(item)),
        (text("doc.line.decision"), text("doc.granted_instantly" if case.auto_decided else "doc.granted")),
        (text("doc.line.decided_on"), decided_on.isoformat()),
    ]
    if uscc:
        lines.append((text("doc.line.uscc"), uscc))
    return lines


def result_paragraphs() -> list[str]:
    return [text("doc.granted_text")]


def result_record_type(item: ItemSpec) -> str:
    """The wallet type of a result that is no typed licence."""
    return text("doc.result_record", item=item.name)


def supplement_label(names: dict[str, str], labels: dict[str, str], material: str | None, field: str | None) -> str:
    return names.get(material or "", "") or labels.get(field or "", "") or text("supplement.other")


# --- what people are told ---------------------------------------------------------------------------------------


def told(key: str, **params: Any) -> str:
    """The line added to the applicant's status message after a step (``case.told.<key>``)."""
    return text(f"told.{key}", **params)


def delivery_message(mode: str, **params: Any) -> str:
    return text(f"delivery.{mode}", **params)


def warning_words(level: str) -> tuple[str, str]:
    """(Chinese, English) of a warning level for the staff message."""
    return text(f"warning.{level}"), text(f"warning.{level}", "en")


def step_overdue_words(status: str, days: int) -> tuple[str, str]:
    return text("warning.step_overdue", step=action_word("accept"), days=days), text("warning.step_overdue", "en")
