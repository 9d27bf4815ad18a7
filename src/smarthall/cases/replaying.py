"""Replaying an item's current rules against the stored inputs of past cases (秒批 rule changes, checked before they
go live; split out of ``cases.service``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import precheck, rules
from smarthall.cases.repository import CaseRepository
from smarthall.catalog import service as catalog_service
from smarthall.core.tenancy import Actor


def replay(session: Session, actor: Actor, *, item_code: str, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
    """Re-run the item's current rules against the stored inputs of past cases in scope, changing nothing."""
    item = catalog_service.get_item(session, item_code)
    out = []
    for case in CaseRepository(session).with_evidence(actor, item_code, limit=limit):
        stored = case.evidence or {}
        decision = rules.evaluate(list(item.rules), precheck.replay_inputs(stored.get("inputs") or {}))
        out.append(
            {
                "case_no": case.case_no,
                "rule_version_then": stored.get("rule_version"),
                "rule_version_now": item.version,
                "approve_then": stored.get("approve"),
                "approve_now": decision.approve,
                "changed": bool(stored.get("approve")) != decision.approve,
            }
        )
    return out

