"""The instant-approval rule engine (秒批). Pure: no I/O.

A rule is data (``{"field", "op", "value", "message"}`` from the catalog). Each rule reads the *verified* value
of its field when one exists (a data-sharing lookup, a held licence, the age from the ID number) and the declared
(typed) value only otherwise. The decision is ``approve`` only when every rule passes on a known value and no
declared value contradicts a verified one; anything else — a failing rule, an unknown input, a contradiction,
an engine error — sends the case to a human with the reasons. An engine error never approves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

OPS = ("==", "!=", ">", ">=", "<", "<=", "in", "not_in")


@dataclass(frozen=True)
class Input:
    declared: Any = None
    verified: Any = None
    source: str | None = None  # e.g. "share.税务.clearance_status", "id_number", "licence.营业执照.uscc"

    @property
    def has_verified(self) -> bool:
        return self.verified is not None


@dataclass(frozen=True)
class RuleOutcome:
    field: str
    op: str
    expected: Any
    message: str
    value: Any
    value_source: str  # "verified" | "declared" | "missing"
    outcome: str  # "pass" | "fail" | "unknown" | "contradiction" | "error"
    note: str = ""


@dataclass(frozen=True)
class Decision:
    approve: bool
    outcomes: list[RuleOutcome] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def as_evidence(self) -> dict[str, Any]:
        return {"approve": self.approve, "outcomes": [asdict(o) for o in self.outcomes], "reasons": self.reasons}


class RuleError(ValueError):
    pass


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        try:
            return float(stripped) if stripped and stripped.lstrip("-").replace(".", "", 1).isdigit() else stripped
        except ValueError:  # pragma: no cover - guarded above
            return stripped
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def same(a: Any, b: Any) -> bool:
    return bool(_norm(a) == _norm(b))


def apply_op(op: str, value: Any, expected: Any) -> bool:
    v = _norm(value)
    if op == "==":
        return bool(v == _norm(expected))
    if op == "!=":
        return bool(v != _norm(expected))
    if op in ("in", "not_in"):
        if not isinstance(expected, list | tuple):
            raise RuleError(f"operator {op} needs a list")
        inside = any(v == _norm(e) for e in expected)
        return inside if op == "in" else not inside
    if op in (">", ">=", "<", "<="):
        if not isinstance(v, float) or isinstance(expected, bool) or not isinstance(expected, int | float):
            raise RuleError(f"operator {op} needs numbers")
        e = float(expected)
        return {">": v > e, ">=": v >= e, "<": v < e, "<=": v <= e}[op]
    raise RuleError(f"unknown operator {op!r}")


def validate_rules(rules: list[Mapping[str, Any]]) -> list[str]:
    """Faults in a rule list (used on import and before evaluation)."""
    faults = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            faults.append(f"rule {i}: not an object")
            continue
        if not isinstance(rule.get("field"), str) or not rule.get("field"):
            faults.append(f"rule {i}: field missing")
        op = rule.get("op")
        if op not in OPS:
            faults.append(f"rule {i}: unknown operator {op!r}")
        if op in ("in", "not_in") and not isinstance(rule.get("value"), list):
            faults.append(f"rule {i}: operator {op} needs a list")
        if op in (">", ">=", "<", "<=") and (
            isinstance(rule.get("value"), bool) or not isinstance(rule.get("value"), int | float)
        ):
            faults.append(f"rule {i}: operator {op} needs a number")
    return faults


def evaluate(rules: list[Mapping[str, Any]], inputs: Mapping[str, Input]) -> Decision:
    """Decide. Never raises: a malformed rule or input is an ``error`` outcome, which never approves."""
    try:
        return _evaluate(rules, inputs)
    except Exception as exc:  # an engine fault sends the case to a human
        return Decision(False, [], [f"规则引擎错误 rule engine error: {type(exc).__name__}"])


def _evaluate(rules: list[Mapping[str, Any]], inputs: Mapping[str, Input]) -> Decision:
    if not rules:
        return Decision(False, [], ["没有可用的审批规则 no rules"])
    faults = validate_rules(rules)
    if faults:
        return Decision(False, [], ["规则定义错误 invalid rules: " + "; ".join(faults)])
    outcomes: list[RuleOutcome] = []
    contradicted: set[str] = set()
    for name, given in inputs.items():
        if given.has_verified and given.declared not in (None, "") and not same(given.declared, given.verified):
            contradicted.add(name)
    for rule in rules:
        name = str(rule["field"])
        op = str(rule["op"])
        expected = rule.get("value")
        message = str(rule.get("message", ""))
        given = inputs.get(name, Input())
        if given.has_verified:
            value, source = given.verified, "verified"
        elif given.declared not in (None, ""):
            value, source = given.declared, "declared"
        else:
            outcomes.append(RuleOutcome(name, op, expected, message, None, "missing", "unknown", "无可用数据"))
            continue
        if name in contradicted:
            outcomes.append(
                RuleOutcome(
                    name,
                    op,
                    expected,
                    message,
                    value,
                    source,
                    "contradiction",
                    f"申报值“{given.declared}”与核验值“{given.verified}”不一致",
                )
            )
            continue
        try:
            ok = apply_op(op, value, expected)
        except RuleError as exc:
            outcomes.append(RuleOutcome(name, op, expected, message, value, source, "error", str(exc)))
            continue
        outcomes.append(RuleOutcome(name, op, expected, message, value, source, "pass" if ok else "fail"))
    reasons = [f"{o.message}({o.outcome}{':' + o.note if o.note else ''})" for o in outcomes if o.outcome != "pass"]
    # A contradiction on a field no rule reads is still a finding: it blocks the automatic decision.
    for name in sorted(contradicted - {str(r["field"]) for r in rules}):
        given = inputs[name]
        reasons.append(f"字段{name}申报值“{given.declared}”与核验值“{given.verified}”不一致(contradiction)")
    approve = not reasons and all(o.outcome == "pass" for o in outcomes)
    return Decision(approve, outcomes, reasons)
