"""Smart declaration (智能申报, requirements §6.5): the item's form with values prefilled (免填) from the citizen's
profile, held e-licences and data sharing; the materials the wallet can stand in for (免证); drafts (草稿).

A prefill source is named by its prefix (``profile.name``, ``licence.营业执照.uscc``, ``share.税务.clearance_status``,
the catalog's ``prefill_from``). The sources are contributed by ``cases.register`` (point ``cases.prefill_source``),
so a deployment can add one (e.g. an earlier case's form) without touching this module; the ``share`` source asks
the data-sharing adapter the registry provides.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import forms, history, ownership, sharing
from smarthall.cases.errors import DraftsForCitizensOnly, FormInvalid
from smarthall.cases.models import CaseDraft
from smarthall.cases.precheck import Finding, as_dicts, auto_satisfied
from smarthall.cases.repository import DraftRepository
from smarthall.cases.shapes import Applicant, FieldSpec, ItemSpec
from smarthall.catalog import service as catalog_service
from smarthall.core.clock import service_day
from smarthall.core.registry import registry_of
from smarthall.core.tenancy import Actor
from smarthall.core.validators import age_on
from smarthall.identity import service as identity_service
from smarthall.licences import service as licence_service

POINT = "cases.prefill_source"


@dataclass(frozen=True)
class PrefillContext:
    session: Session
    actor: Actor
    applicant: Applicant | None
    now: datetime
    case_no: str | None = None

    @property
    def today(self) -> date:
        return service_day(self.now)


Resolve = Callable[[PrefillContext, list[str], Mapping[str, Any] | None], Any]


@dataclass(frozen=True)
class PrefillSource:
    prefix: str
    resolve: Resolve  # (context, the source's parts after the prefix, the form so far) -> value or None


def _profile(ctx: PrefillContext, parts: list[str], form: Mapping[str, Any] | None) -> Any:
    citizen = ctx.applicant
    if citizen is None or len(parts) != 1:
        return None
    name = parts[0]
    if name == "age":
        return age_on(citizen.id_number, ctx.today)
    if name in ("name", "id_number", "phone", "address"):
        return getattr(citizen, name)
    if name == "household_address":
        return citizen.address
    return None


def _licence(ctx: PrefillContext, parts: list[str], form: Mapping[str, Any] | None) -> Any:
    if ctx.applicant is None or len(parts) != 2:
        return None
    return licence_service.held_value(ctx.session, ctx.applicant.id, parts[0], parts[1], ctx.today)


def share_subjects(ctx: PrefillContext, form: Mapping[str, Any] | None) -> list[str]:
    """Whom a data-sharing lookup is about: the applicant's ID number, a USCC in the form, the held licence's."""
    out = [ctx.applicant.id_number] if ctx.applicant else []
    typed = form.get("uscc") if form else None
    if ctx.applicant and isinstance(typed, str):
        # a typed code is asked about only when it is the applicant's own (never another person's records)
        if ownership.owns(ctx.session, ctx.actor, ctx.applicant, "营业执照", "uscc", typed, now=ctx.now):
            out.append(typed)
    if ctx.applicant:
        uscc = licence_service.held_value(ctx.session, ctx.applicant.id, "营业执照", "uscc", ctx.today)
        if uscc:
            out.append(str(uscc))
    return out


def _share(ctx: PrefillContext, parts: list[str], form: Mapping[str, Any] | None) -> Any:
    if len(parts) != 2:
        return None
    try:
        adapter: sharing.DataSharing = registry_of(ctx.session).provided(sharing.POINT)
    except LookupError:  # no exchange platform wired: nothing is verified
        return None
    return adapter.lookup(
        ctx.session,
        ctx.actor,
        source=f"share.{parts[0]}.{parts[1]}",
        subjects=share_subjects(ctx, form),
        now=ctx.now,
        case_no=ctx.case_no,
    )


SOURCES = (PrefillSource("profile", _profile), PrefillSource("licence", _licence), PrefillSource("share", _share))


@dataclass
class Resolver:
    """Resolves prefill sources for one applicant, each once per request."""

    context: PrefillContext
    sources: Mapping[str, Resolve]
    _seen: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls, session: Session, actor: Actor, applicant: Applicant | None, *, now: datetime, case_no: str | None = None
    ) -> Resolver:
        contributed = registry_of(session).contributions(POINT)
        return cls(PrefillContext(session, actor, applicant, now, case_no), {s.prefix: s.resolve for s in contributed})

    @property
    def today(self) -> date:
        return self.context.today

    def value(self, source: str, form: Mapping[str, Any] | None = None) -> Any:
        if source in self._seen:
            return self._seen[source]
        prefix, _, rest = source.partition(".")
        resolve = self.sources.get(prefix)
        result = resolve(self.context, rest.split(".") if rest else [], form) if resolve else None
        self._seen[source] = result
        return result


def _offer_earlier(session: Session, citizen: Applicant | None, item: ItemSpec, fields: list[dict[str, Any]]) -> None:
    """Empty reusable fields get the applicant's own earlier value, shown with its case and date (``history``)."""
    if citizen is None:
        return
    types = {f.name: f.type for f in item.form_fields}
    empty = {f["name"] for f in fields if f["value"] is None and types.get(f["name"]) in history.REUSABLE_TYPES}
    earlier = history.earlier_values(session, citizen.id, empty)
    for f in fields:
        if (hit := earlier.get(f["name"])) is not None:
            f.update(value=hit["value"], value_source="history", value_case_no=hit["case_no"], value_date=hit["date"])


def field_specs(item: ItemSpec) -> list[forms.FieldSpec]:
    return [_spec(f) for f in item.form_fields]


def _spec(f: FieldSpec) -> forms.FieldSpec:
    return forms.FieldSpec(f.name, f.label, f.type, f.required, list(f.options) if f.options else None, f.prefill_from)


def _field(f: FieldSpec, value: Any, value_source: str | None) -> dict[str, Any]:
    return {
        "name": f.name,
        "label": f.label,
        "type": f.type,
        "required": f.required,
        "options": list(f.options) if f.options else None,
        "prefill_from": f.prefill_from,
        "value": value,
        "value_source": value_source,
    }


def item_form(
    session: Session,
    actor: Actor,
    *,
    item_code: str,
    now: datetime,
    applicant_id: int | None = None,
    as_agent: bool = False,
) -> dict[str, Any]:
    """The item's form, each field with its draft or prefilled value and where it came from, and its materials
    with the held e-licence that can stand in for each (at the counter: for the applicant the clerk serves; for an
    agent whose authorization the caller checked (``as_agent``): the entrustor's profile and e-licences only — no
    draft of the agent's own, no values of the entrustor's earlier cases)."""
    item = catalog_service.get_item(session, item_code)
    citizen = identity_service.get_citizen(session, actor.id) if actor.kind == "citizen" and actor.id else None
    if applicant_id is not None and (actor.kind == "staff" or as_agent):
        citizen = identity_service.get_citizen(session, applicant_id)
    resolver = Resolver.of(session, actor, citizen, now=now)
    draft = (None if as_agent else get_draft(session, actor, item_code=item.code)) or {"form": {}}
    fields = []
    for f in item.form_fields:
        if f.name in draft["form"]:
            fields.append(_field(f, draft["form"][f.name], "draft"))
            continue
        value = resolver.value(f.prefill_from) if f.prefill_from else None
        source = f.prefill_from.split(".")[0] if value is not None and f.prefill_from else None
        fields.append(_field(f, value, source))
    if not as_agent:
        _offer_earlier(session, citizen, item, fields)
    wallet = licence_service.wallet(session, citizen.id) if citizen else []
    materials = []
    for m in item.materials:
        held = next(
            (
                lic.id
                for lic in reversed(wallet)
                if m.e_licence_type and lic.type == m.e_licence_type and licence_service.usable(lic, resolver.today)
            ),
            None,
        )
        materials.append(
            {
                "code": m.code,
                "name": m.name,
                "kind": m.kind,
                "required": m.required,
                "e_licence_type": m.e_licence_type,
                "held_licence_id": held,
                "auto_satisfied": auto_satisfied(m.kind, m.e_licence_type),
                "note": m.note or "",
            }
        )
    return {
        "item_code": item.code,
        "item_name": item.name,
        "version": item.version,
        "instant_approval_eligible": item.instant_approval_eligible,
        "fields": fields,
        "materials": materials,
    }


# --- drafts -----------------------------------------------------------------------------------------------------


def draft_faults(names: set[str], form: Mapping[str, Any]) -> Sequence[Finding]:
    unknown = [Finding.of("unknown_field", f"form.{k}") for k in form if k not in names]
    return unknown + [Finding.of("too_long", f"form.{k}") for k, v in form.items() if len(str(v)) > forms.MAX_TEXT]


def save_draft(
    session: Session, actor: Actor, *, item_code: str, form: dict[str, Any], hall_code: str | None, now: datetime
) -> dict[str, Any]:
    """Keep an unfinished form. Only known fields, text up to the field limit; validation waits for submission."""
    if actor.kind != "citizen" or actor.id is None:
        raise DraftsForCitizensOnly()
    item = catalog_service.get_item(session, item_code)
    faults = draft_faults({f.name for f in item.form_fields}, form)
    if faults:
        raise FormInvalid(detail={"faults": as_dicts(faults)})
    clean = {k: v for k, v in form.items() if v not in (None, "")}
    drafts = DraftRepository(session)
    draft = drafts.get(actor.id, item.code)
    if draft is None:
        draft = drafts.add(
            CaseDraft(citizen_id=actor.id, item_code=item.code, hall_code=hall_code, form_json="{}", saved_at=now)
        )
    draft.form_json = json.dumps(clean, ensure_ascii=False)
    draft.hall_code = hall_code
    draft.saved_at = now
    session.flush()
    return {"item_code": item.code, "hall_code": hall_code, "form": clean, "saved_at": now.isoformat()}


def get_draft(session: Session, actor: Actor, *, item_code: str) -> dict[str, Any] | None:
    """The citizen's saved draft for an item (None for anyone else, or when there is none)."""
    if actor.kind != "citizen" or actor.id is None:
        return None
    draft = DraftRepository(session).get(actor.id, item_code)
    if draft is None:
        return None
    return {
        "item_code": draft.item_code,
        "hall_code": draft.hall_code,
        "form": json.loads(draft.form_json),
        "saved_at": draft.saved_at.isoformat(),
    }


def discard_draft(session: Session, citizen_id: int, item_code: str) -> None:
    """The draft goes with the submission."""
    drafts = DraftRepository(session)
    if (draft := drafts.get(citizen_id, item_code)) is not None:
        drafts.delete(draft)
