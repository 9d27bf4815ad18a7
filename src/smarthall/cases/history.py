"""Prefill from earlier cases (历史办件复用, issue 15 item 6): a field the applicant gave in an earlier case of their
own — an address, an employer, a bank account — is offered with the case it came from and its date, never
silently (the form shows the source) and never across citizens (only the applicant's own cases are read).

Only fields still empty after the profile, e-licences and data sharing are offered, and only fields whose kind
repeats between errands (free text, addresses, phones, numbers): identity numbers come from the profile, and
choices and dates belong to the case they were made in.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases.repository import CaseRepository
from smarthall.core.clock import service_day

REUSABLE_TYPES = frozenset({"text", "address", "phone", "number"})


def earlier_values(session: Session, citizen_id: int, names: set[str]) -> dict[str, dict[str, Any]]:
    """For each of ``names``, the newest non-empty value in the citizen's own earlier cases: value, case, date."""
    found: dict[str, dict[str, Any]] = {}
    if not names:
        return found
    for case in CaseRepository(session).recent_of_citizen(citizen_id):
        try:
            form = json.loads(case.form_json or "{}")
        except ValueError:
            continue
        for name in names - set(found):
            value = form.get(name)
            if value not in (None, ""):
                found[name] = {"value": value, "case_no": case.case_no, "date": service_day(case.submitted_at)}
        if len(found) == len(names):
            break
    return found
