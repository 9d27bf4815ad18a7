"""A licence number or credit code typed into a form must belong to the applicant (证照归属核验).

The fields checked are the identifying ones: a field of type ``uscc``, and a field prefilled from a licence's
identifying field (``licence.<type>.uscc|cert_no|number``). A typed value belongs to the applicant when a usable
licence of that type in their wallet holds it, or when data sharing names them as its holder (``share.<licence
type>.holder`` looked up by the code answers the keyed blind index of the holder's ID number). Otherwise it is a
``code_not_owned`` finding: the case is never decided automatically, a clerk cannot accept it while the finding
stands, and the code is not used to look up anyone's data-sharing records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import sharing
from smarthall.cases.precheck import Finding
from smarthall.cases.shapes import Applicant, ItemSpec
from smarthall.core.registry import registry_of
from smarthall.core.tenancy import Actor
from smarthall.licences import service as licence_service

IDENTIFYING = frozenset({"uscc", "cert_no", "number", "licence_no"})
FINDING = "code_not_owned"


def checked_fields(item: ItemSpec) -> Iterator[tuple[str, str, str, str]]:
    """(form field, its label, licence type, licence field) of every identifying field of the item's form. Pure."""
    for spec in item.form_fields:
        source = spec.prefill_from or ""
        parts = source.split(".")
        if len(parts) == 3 and parts[0] == "licence" and parts[2] in IDENTIFYING:
            yield spec.name, spec.label, parts[1], parts[2]
        elif spec.type == "uscc":
            yield spec.name, spec.label, "营业执照", "uscc"


def _norm(value: Any) -> str:
    return str(value).strip().upper()


def held(session: Session, applicant: Applicant, licence_type: str, field: str, today: date) -> set[str]:
    return {_norm(v) for v in licence_service.held_values(session, applicant.id, licence_type, field, today)}


def shared_holder(
    session: Session, actor: Actor, applicant: Applicant, licence_type: str, code: str, *, now: datetime
) -> bool:
    try:
        adapter: sharing.DataSharing = registry_of(session).provided(sharing.POINT)
    except LookupError:
        return False
    holder = adapter.lookup(
        session, actor, source=f"share.{licence_type}.holder", subjects=[code], now=now, case_no=None
    )
    return holder is not None and holder == applicant.id_number_index


def owns(
    session: Session, actor: Actor, applicant: Applicant, licence_type: str, field: str, code: str, *, now: datetime
) -> bool:
    """Whether ``code`` (a credit code, a licence number) belongs to the applicant: wallet first, then sharing."""
    if _norm(code) in held(session, applicant, licence_type, field, now.date()):
        return True
    return shared_holder(session, actor, applicant, licence_type, _norm(code), now=now)


def findings(
    session: Session, actor: Actor, applicant: Applicant, item: ItemSpec, form: Mapping[str, Any], *, now: datetime
) -> list[Finding]:
    """One blocking finding per typed identifying value that does not belong to the applicant."""
    out: list[Finding] = []
    for name, label, licence_type, field in checked_fields(item):
        value = form.get(name)
        if value in (None, ""):
            continue
        if not owns(session, actor, applicant, licence_type, field, str(value), now=now):
            out.append(Finding.of(FINDING, f"form.{name}", label=label, licence_type=licence_type))
    return out


def blocking(precheck: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ownership findings a case still carries (a clerk may not accept it while any stands)."""
    return [f for f in precheck.get("findings", []) if f.get("code") == FINDING]
