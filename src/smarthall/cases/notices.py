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
    """The facts every notice starts with: the applicant's full name (the document is theirs; lists and the public
    verification page mask it), item, department, when applied."""
    return [
        (text("doc.line.applicant"), case.applicant_name),
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
    return title, [
        text("doc.line.decision") + ":" + text("doc.decision.refusal" if at_acceptance else "doc.decision.rejection"),
        text("doc.line.opinion") + ":" + (note or ""),
        text("doc.line.basis") + ":" + text("doc.refusal_basis"),
        text("doc.line.appeal") + ":" + text("doc.appeal_rights"),
    ]


def result_title(item: ItemSpec, licence_type: str | None) -> str:
    if licence_type:
        return text("doc.result_licence", type=licence_type)
    return text("doc.approval_permit" if item.type == "行政许可" else "doc.approval_other", item=item.name)


BUSINESS_LICENCE = "营业执照"


def result_lines(
    case: Case,
    item: ItemSpec,
    decided_on: date,
    uscc: str | None,
    *,
    form: dict[str, Any] | None = None,
    authority: str = "",
    opinion: str | None = None,
) -> list[tuple[str, str]]:
    """The facts of the result document: a business licence carries the fields of one (名称, 统一社会信用代码, 类型,
    法定代表人/经营者, 住所, 经营范围, 成立日期, 登记机关); any other result is a decision letter with the applicant's
    full name, the decision, its legal basis, the appeal route and the approver's opinion when one was given."""
    spec = item.result_licence or {}
    if spec.get("type") == BUSINESS_LICENCE:
        return licence_lines(spec, form or {}, decided_on, uscc, authority)
    lines = [
        (text("doc.line.applicant"), case.applicant_name),
        (text("doc.line.item"), item_line(item)),
        (text("doc.line.decision"), text("doc.granted_instantly" if case.auto_decided else "doc.granted")),
        (text("doc.line.decided_on"), decided_on.isoformat()),
    ]
    if uscc:
        lines.append((text("doc.line.uscc"), uscc))
    if opinion:
        lines.append((text("doc.line.opinion"), opinion))
    basis = "doc.basis.permit" if item.type == "行政许可" else "doc.basis.other"
    lines.append((text("doc.line.basis"), text(basis)))
    return lines


def licence_lines(
    spec: dict[str, Any], form: dict[str, Any], established: date, uscc: str | None, authority: str
) -> list[tuple[str, str]]:
    """The fields of a 营业执照, each read from the form through the catalog's mapping (``result_licence.fields``)."""
    mapping: dict[str, str] = dict(spec.get("fields") or {})

    def value(key: str) -> str:
        source = mapping.get(key)
        return str(form.get(source, "")) if source else ""

    individual = "operator" in mapping
    lines = [
        (text("doc.licence.name"), value("name")),
        (text("doc.licence.uscc"), uscc or ""),
        (text("doc.licence.type"), value("type") or (text("doc.licence.individual") if individual else "")),
        (text("doc.licence.operator" if individual else "doc.licence.legal_rep"), value("legal_rep")),
        (text("doc.licence.address"), value("address")),
        (text("doc.licence.scope"), value("scope")),
        (text("doc.licence.established"), established.isoformat()),
        (text("doc.licence.authority"), authority),
    ]
    return lines


def result_paragraphs(item: ItemSpec | None = None) -> list[str]:
    spec = (item.result_licence or {}) if item is not None else {}
    if spec.get("type") == BUSINESS_LICENCE:
        return [text("doc.licence_text"), text("doc.line.basis") + ":" + text("doc.basis.business_licence")]
    return [text("doc.granted_text"), text("doc.line.appeal") + ":" + text("doc.appeal_rights")]


def result_record_type(item: ItemSpec) -> str:
    """The wallet type of a result that is no typed licence."""
    return text("doc.result_record", item=item.name)


def supplement_label(names: dict[str, str], labels: dict[str, str], material: str | None, field: str | None) -> str:
    return names.get(material or "", "") or labels.get(field or "", "") or text("supplement.other")


# --- what people are told ---------------------------------------------------------------------------------------


def told(key: str, **params: Any) -> str:
    """The line added to the applicant's status message after a step (``case.told.<key>``)."""
    return text(f"told.{key}", **params)


def delivery_message(mode: str, lang: Lang = "zh", **params: Any) -> str:
    return text(f"delivery.{mode}", lang, **params)


def delivery_message_en(record: dict[str, Any]) -> str:
    """The English words of a delivery record (``actions.delivery_record``), for pages read in English."""
    mode = record["mode"] if record["mode"] in ("window", "locker", "post") else "electronic"
    params = {k: v for k, v in record.items() if k in ("pickup_code", "tracking_no")}
    return delivery_message(mode, "en", **params)


def warning_words(level: str) -> tuple[str, str]:
    """(Chinese, English) of a warning level for the staff message."""
    return text(f"warning.{level}"), text(f"warning.{level}", "en")


def step_overdue_words(status: str, days: int, step_name: str | None = None) -> tuple[str, str]:
    step = step_name or action_word("accept")
    return text("warning.step_overdue", step=step, days=days), text("warning.step_overdue", "en")


_FIXED_TITLES = ("acceptance", "acceptance_tolerated", "supplement", "refusal", "rejection")
_ITEM_TITLES = ("approval_permit", "approval_other", "result_record")
_LICENCE_SUFFIX = "(电子)"


def title_words(title: str, item_name: str | None = None) -> tuple[str, dict[str, str]] | None:
    """The catalog key and parameters a document's (Chinese) title was made from, so a page read in English can
    say it in English (the stored title stays the official Chinese one); ``None`` for a title made otherwise.
    Without ``item_name`` (a page that has the document but not its case: the wallet, the verification page) the
    item's name is read from the title, between the words its pattern puts around it."""
    for key in _FIXED_TITLES:
        if text(f"doc.{key}") == title:
            return f"case.doc.{key}", {}
    for key in _ITEM_TITLES:
        item = item_name if item_name is not None else _between(f"doc.{key}", title)
        if item and text(f"doc.{key}", item=item) == title:
            return f"case.doc.{key}", {"item": item}
    if title.endswith(_LICENCE_SUFFIX) and text("doc.result_licence", type=title[: -len(_LICENCE_SUFFIX)]) == title:
        return "case.doc.result_licence", {"type": title[: -len(_LICENCE_SUFFIX)]}
    return None


def _between(key: str, title: str) -> str | None:
    """What stands in ``title`` where the pattern ``key`` puts its ``{item}`` (``None`` when it is not of it)."""
    head, _, tail = text(key, item="\x00").partition("\x00")
    if len(title) > len(head) + len(tail) and title.startswith(head) and title.endswith(tail):
        return title[len(head) : len(title) - len(tail)]
    return None
