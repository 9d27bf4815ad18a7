"""Automatic pre-check (智能预审, requirements §6.6): the materials offered for an item (files and e-licences),
what is missing or expired, and the instant-approval rules' inputs and findings (秒批, §6.7).

A finding is a ``Finding`` (code, target, Chinese and English text from ``cases/messages.toml``); it is stored with
the case as a plain dict (``as_dict``). Pure except for reading the offered files and licences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import rules
from smarthall.cases.repository import FileRepository
from smarthall.cases.schemas import MaterialIn
from smarthall.cases.shapes import ItemSpec
from smarthall.core.i18n import label, translate
from smarthall.core.tenancy import Actor
from smarthall.licences import service as licence_service

IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
DOC_TYPES = frozenset({"application/pdf"}) | IMAGE_TYPES
# Materials satisfied without an upload when applying online: the online form is the application form, and
# the real-name login is the identity card (实名认证免交身份证复印件).
AUTO_LICENCE_TYPES = frozenset({"居民身份证"})


@dataclass(frozen=True)
class Finding:
    code: str
    target: str | None
    message_zh: str
    message_en: str

    @classmethod
    def of(cls, code: str, target: str | None, /, *, key: str | None = None, **params: Any) -> Finding:
        """A finding worded by the message ``key`` (``case.finding.<code>`` unless given), filled with ``params``."""
        key = key or f"case.finding.{code}"
        return cls(code, target, translate(key, "zh", **params), translate(key, "en", **params))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def as_dicts(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [f.as_dict() for f in findings]


def auto_satisfied(kind: str, e_licence_type: str | None) -> bool:
    """Materials an online applicant never uploads: the form itself, and the identity card (real-name login)."""
    return kind == "form" or e_licence_type in AUTO_LICENCE_TYPES


# --- materials --------------------------------------------------------------------------------------------------


def check_materials(
    session: Session, actor: Actor, item: ItemSpec, given: Sequence[MaterialIn], holder_id: int | None = None
) -> tuple[list[dict[str, Any]], list[Finding]]:
    """(normalised material list, faults). Unknown codes, foreign files, wrong types and foreign licences fault.

    ``holder_id``: whose licences may be offered (the applicant; by default the acting citizen)."""
    by_code = {m.code: m for m in item.materials}
    files = FileRepository(session)
    holder = holder_id if holder_id is not None else (actor.id if actor.kind == "citizen" else None)
    faults: list[Finding] = []
    out: list[dict[str, Any]] = []
    for i, m in enumerate(given):
        where = f"materials.{i}"
        spec = by_code.get(m.material_code)
        if spec is None:
            faults.append(Finding.of("unknown_material", where))
            continue
        if (m.file_id is None) == (m.licence_id is None):
            faults.append(Finding.of("material_source", where))
            continue
        if m.file_id is not None:
            file = files.get(m.file_id)
            if file is None or file.owner_kind != actor.kind or file.owner_id != actor.id:
                faults.append(Finding.of("file_not_found", where))
                continue
            photo = spec.kind == "photo"
            if file.content_type not in (IMAGE_TYPES if photo else DOC_TYPES):
                key = "case.finding.material_type." + ("photo" if photo else "document")
                faults.append(Finding.of("material_type", where, key=key, name=spec.name, code=spec.code))
                continue
            out.append({"material_code": spec.code, "name": spec.name, "file_id": file.id, "sha256": file.sha256})
            continue
        assert m.licence_id is not None
        licence = licence_service.get_licence(session, m.licence_id)
        if licence is None or holder is None or licence.citizen_id != holder:
            faults.append(Finding.of("licence_not_found", where))
            continue
        if spec.e_licence_type != licence.type:
            faults.append(Finding.of("licence_type", where, licence_type=spec.e_licence_type, code=spec.code))
            continue
        out.append(
            {
                "material_code": spec.code,
                "name": spec.name,
                "licence_id": licence.id,
                "licence_type": licence.type,
                "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
            }
        )
    return out, faults


def material_findings(item: ItemSpec, materials: list[dict[str, Any]], today: date, *, online: bool) -> list[Finding]:
    """Missing required materials and expired licences. (Rule outcomes are added by ``rule_findings``.)"""
    findings: list[Finding] = []
    provided = {m["material_code"] for m in materials}
    for m in materials:
        if m.get("valid_until") and date.fromisoformat(m["valid_until"]) < today:
            findings.append(Finding.of("licence_expired", m["material_code"], name=m["name"], code=m["material_code"]))
    for spec in item.materials:
        if not spec.required or spec.code in provided:
            continue
        if online and auto_satisfied(spec.kind, spec.e_licence_type):
            continue
        findings.append(Finding.of("material_missing", spec.code, name=spec.name, code=spec.code))
    return findings


# --- instant-approval rules -------------------------------------------------------------------------------------

Lookup = Callable[[str, Mapping[str, Any]], Any]  # (prefill source, the form) -> the verified value


def rule_inputs(item: ItemSpec, form: Mapping[str, Any], lookup: Lookup) -> dict[str, rules.Input]:
    """Declared and verified values of every field a rule reads (verified wins in the engine)."""
    sources = {f.name: f.prefill_from for f in item.form_fields}
    inputs: dict[str, rules.Input] = {}
    names = {str(r.get("field")) for r in item.rules} | {n for n, s in sources.items() if s}
    for name in names:
        source = sources.get(name)
        if name.startswith(("profile.", "licence.", "share.")):
            inputs[name] = rules.Input(None, lookup(name, form), name)
            continue
        verified = lookup(source, form) if source else None
        inputs[name] = rules.Input(form.get(name), verified, source)
    return inputs


def instant_decision(item: ItemSpec, form: Mapping[str, Any], lookup: Lookup) -> tuple[rules.Decision, dict[str, Any]]:
    """The decision and the inputs it saw (stored as evidence, replayable). A failing lookup never approves."""
    try:
        inputs = rule_inputs(item, form, lookup)
    except Exception as exc:
        reason = translate("case.finding.lookup_failed", "zh", error=type(exc).__name__)
        return rules.Decision(False, [], [reason]), {}
    stored = {k: {"declared": v.declared, "verified": v.verified, "source": v.source} for k, v in inputs.items()}
    return rules.evaluate(list(item.rules), inputs), stored


def replay_inputs(stored: Mapping[str, Any]) -> dict[str, rules.Input]:
    return {k: rules.Input(v.get("declared"), v.get("verified"), v.get("source")) for k, v in stored.items()}


def rule_findings(decision: rules.Decision, item: ItemSpec | None = None) -> list[Finding]:
    """One finding per rule that did not pass; the engine's own reasons when it produced no outcomes. In English a
    finding says the rule's English message (catalog 1.5 ``message_en``; else the field's English label) and the
    outcome in words."""
    out: list[Finding] = []
    english = {str(r.get("message")): str(r["message_en"]) for r in (item.rules if item else []) if r.get("message_en")}
    labels = {f.name: getattr(f, "label_en", None) or f.label for f in (item.form_fields if item else [])}
    for o in decision.outcomes:
        if o.outcome == "pass":
            continue
        note = o.note or label("case.rule_outcome", o.outcome, "zh")
        finding = Finding.of(
            f"rule_{o.outcome}",
            o.field,
            key="case.finding.rule",
            message=o.message,
            note=note,
            field=labels.get(o.field, o.field),
            outcome=label("case.rule_outcome", o.outcome, "en"),
        )
        if o.message in english:
            text = translate("case.finding.rule_en", "en", message=english[o.message], outcome=label(
                "case.rule_outcome", o.outcome, "en"))  # fmt: skip
            finding = Finding(finding.code, finding.target, finding.message_zh, text)
        out.append(finding)
    if not decision.outcomes:
        out += [Finding.of("rule_engine", None, key="case.finding.reason", text=r) for r in decision.reasons]
    else:
        for r in decision.reasons:
            if "contradiction" in r and not any(r.startswith(o.message) for o in decision.outcomes):
                out.append(Finding.of("rule_contradiction", None, key="case.finding.reason", text=r))
    return out
