"""Every hall rule the platform knows: its type, bounds, platform default and unit (pure data).

The defaults are the figures of ``../shared/docs/requirements.md`` (what a hall gets on day one). Each rule may be
overridden at province, city, county (and township) level and for one hall; the nearest override wins
(``rules.service.effective``). A domain reads its rules by key; this table is where a new rule is added, with its
name in ``rules/messages.toml`` (``rule.<key>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["int", "float", "bool", "map", "formula"]


@dataclass(frozen=True)
class RuleDef:
    key: str
    kind: Kind
    default: Any
    unit: str = ""  # a unit code, worded by ``unit.<code>`` in the message catalog
    minimum: float | None = None
    maximum: float | None = None
    source: str = ""  # where the default comes from (law, standard, local practice)
    zero: str = ""  # what a value of 0 means, worded by ``rules.zero.<code>`` (e.g. "permanent" retention)
    names: tuple[str, ...] = ()  # a formula rule: the names its expression may use (``core.formula``)

    @property
    def domain(self) -> str:
        return self.key.split(".", 1)[0]


def _int(key: str, default: int, unit: str, lo: int, hi: int, source: str = "") -> RuleDef:
    return RuleDef(key, "int", default, unit, lo, hi, source)


# What the staff score formula (``staff.score_formula``) may name: the five measures normalised to 0–1, the
# weighted mean of them by ``staff.score_weights`` (0–100, the default score), and raw counts of the period
# (with the waits caused, overdue cases and one-time-notice compliance).
STAFF_SCORE_NAMES = (
    "handled",
    "service_time",
    "on_time_rate",
    "good_rating",
    "complaints",
    "weighted",
    "handled_count",
    "cases_count",
    "ratings_count",
    "complaints_count",
    "mean_minutes",
    "help_count",
    "waits_caused_minutes",
    "mean_wait_minutes",
    "overdue_count",
    "notice_compliance",
    "notice_violations",
)

_RULES: tuple[RuleDef, ...] = (
    _int("appointment.horizon_days", 7, "days", 1, 60, source="§6.3"),
    _int("appointment.cutoff_minutes", 30, "minutes", 0, 1440, source="§6.3"),
    _int("appointment.slot_minutes", 60, "minutes", 10, 240, source="§6.3"),
    _int("appointment.slot_capacity", 6, "people", 1, 500, source="§6.3"),
    _int("appointment.grace_minutes", 15, "minutes", 0, 120, source="§6.3"),
    _int("appointment.early_checkin_minutes", 60, "minutes", 0, 240, source="§6.3"),
    _int("appointment.extended_before_minutes", 0, "minutes", 0, 240, source="§6.3"),
    _int("appointment.extended_after_minutes", 0, "minutes", 0, 240, source="§6.3"),
    _int("appointment.credit_window_days", 30, "days", 1, 365, source="§6.3"),
    _int("appointment.credit_max_no_shows", 2, "times", 1, 50, source="§6.3"),
    _int("appointment.credit_max_cancellations", 5, "times", 1, 100, source="§6.3"),
    _int("appointment.credit_block_days", 30, "days", 1, 365, source="§6.3"),
    RuleDef("appointment.max_live_bookings", "int", 5, "bookings", 0, 100, "§9 abuse limits", zero="unlimited"),
    _int("queue.quiet_call_ahead", 3, "people", 1, 50, source="§6.4"),
    _int("queue.max_priority_streak", 3, "times", 1, 50, source="§6.4"),
    _int("queue.max_ordinary_wait_minutes", 30, "minutes", 1, 480),
    _int("queue.long_wait_minutes", 30, "minutes", 1, 480, source="§6.4"),
    _int("queue.long_wait_alert_count", 5, "people", 1, 1000, source="§6.4"),
    _int("queue.priority_age", 60, "years", 50, 100, source="§6.4"),
    RuleDef("queue.remote_live_per_citizen", "int", 1, "tickets", 0, 20, "§9 abuse limits", zero="unlimited"),
    _int("cases.yellow_within_workdays", 3, "workdays", 1, 30, source="§6.7"),
    _int("cases.supplement_notice_workdays", 5, "workdays", 0, 30, source="§6.6"),
    _int("cases.acceptance_step_workdays", 5, "workdays", 1, 30, source="§6.6"),
    _int("cases.tolerated_gap_workdays", 5, "workdays", 1, 60, source="§6.6"),
    _int("evaluation.invite_after_days", 3, "days", 1, 30, source="§6.10"),
    _int("evaluation.rating_window_days", 30, "days", 1, 365, source="§6.10, issue 15 item 7"),
    _int("evaluation.follow_up_workdays", 1, "workdays", 1, 10, source="§6.10"),
    _int("evaluation.fix_workdays", 15, "workdays", 1, 60, source="§6.10"),
    _int("evaluation.reratings_allowed", 1, "times", 0, 3, source="§6.10"),
    _int("evaluation.device_link_minutes", 10, "minutes", 1, 120),
    _int("audit.retention_days", 180, "days", 180, 3650, source="§9 (≥ 180 days)"),
    _int("identity.session_minutes", 480, "minutes", 5, 1440, source="§9"),
    _int("identity.staff_idle_minutes", 30, "minutes", 1, 480, source="§9"),
    _int("identity.lockout_threshold", 5, "times", 3, 50, source="§9"),
    _int("identity.lockout_minutes", 30, "minutes", 1, 1440, source="§9"),
    _int("webhooks.pause_after_failures", 5, "times", 1, 100, source="§11.1"),
    RuleDef(
        "archive.retention_years",
        "map",
        {"行政许可": 0, "行政裁决": 0, "行政确认": 30, "行政备案": 30, "行政给付": 30, "default": 10},
        "years",
        minimum=0,
        maximum=100,
        source="DA/T 70-2018 practice",
        zero="permanent",
    ),
    RuleDef("consult.confidence_threshold", "float", 0.5, "", 0.05, 0.95, "§6.1"),
    _int("operations.target_mean_wait_minutes", 15, "minutes", 1, 240, source="§10.4"),
    _int("operations.target_p95_wait_minutes", 30, "minutes", 1, 480, source="§10.4"),
    _int("operations.target_priority_p95_wait_minutes", 10, "minutes", 1, 240, source="§10.4"),
    _int("operations.push_weekly_cap", 3, "times", 1, 50, source="§10.6"),
    _int("assist.proxy_code_minutes", 10, "minutes", 2, 60, source="§6.2, §9"),
    _int("assist.proxy_code_attempts", 5, "times", 1, 10, source="§6.2, §9"),
    _int("assist.proxy_max_validity_days", 366, "days", 1, 1830, source="§6.2"),
    _int("venue.heartbeat_seconds", 30, "seconds", 5, 3600, source="§7"),
    _int("venue.missed_heartbeats", 3, "times", 1, 100, source="§7"),
    _int("venue.paper_low_percent", 15, "percent", 0, 100, source="§7"),
    _int("venue.pairing_code_minutes", 15, "minutes", 1, 1440, source="§7, §9"),
    _int("venue.locker_code_attempts", 5, "times", 1, 20, source="§6.9, §9"),
    _int("venue.kiosk_idle_seconds", 90, "seconds", 15, 1800, source="Annex B, 适老化"),
    RuleDef(
        "staff.score_weights",
        "map",
        {"handled": 30, "service_time": 10, "on_time": 20, "good_rating": 30, "complaints": 10},
        "",
        minimum=0,
        maximum=100,
        source="§8.2",
    ),
    RuleDef("staff.score_formula", "formula", "weighted", "", maximum=500, source="§8.2", names=STAFF_SCORE_NAMES),
    _int("staff.long_service_minutes", 30, "minutes", 1, 480, source="§8.1"),
    RuleDef("staff.long_handling_factor", "float", 3.0, "", 1.5, 20.0, "§8.1"),
    _int("staff.idle_alert_minutes", 10, "minutes", 1, 240, source="§8.1"),
    _int("staff.help_unanswered_minutes", 10, "minutes", 1, 240, source="§8.1"),
    _int("staff.pause_alert_minutes", 20, "minutes", 1, 480, source="§8.1"),
    _int("staff.yellow_card_alerts", 3, "times", 1, 100, source="§8.1"),
    _int("staff.red_card_alerts", 6, "times", 1, 200, source="§8.1"),
)

RULES: dict[str, RuleDef] = {rule.key: rule for rule in _RULES}


class RuleValueError(ValueError):
    """A value that does not fit its rule (type or bounds); ``detail`` says more (a formula: where)."""

    def __init__(self, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.detail = detail or {}


def coerce(rule: RuleDef, value: Any) -> Any:
    """``value`` as the rule's type within its bounds, or ``RuleValueError``."""
    if rule.kind == "bool":
        if not isinstance(value, bool):
            raise RuleValueError("expected true or false")
        return value
    if rule.kind == "formula":
        return _formula(rule, value)
    if rule.kind == "map":
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise RuleValueError("expected an object")
        return {k: _number(rule, v, integer=True) for k, v in value.items()}
    return _number(rule, value, integer=rule.kind == "int")


def _number(rule: RuleDef, value: Any, *, integer: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleValueError("expected a number")
    if integer and (isinstance(value, float) and not value.is_integer()):
        raise RuleValueError("expected a whole number")
    number: int | float = int(value) if integer else float(value)
    if rule.minimum is not None and number < rule.minimum:
        raise RuleValueError(f"at least {rule.minimum:g}")
    if rule.maximum is not None and number > rule.maximum:
        raise RuleValueError(f"at most {rule.maximum:g}")
    return number


def _formula(rule: RuleDef, value: Any) -> str:
    """The formula text when it parses with the rule's names, or ``RuleValueError`` saying where it does not."""
    from smarthall.core import formula

    if not isinstance(value, str):
        raise RuleValueError("expected a formula (text)")
    text = value.strip()
    if rule.maximum is not None and len(text) > rule.maximum:
        raise RuleValueError(f"at most {rule.maximum:g} characters", {"position": int(rule.maximum)})
    try:
        formula.parse(text, rule.names)
    except formula.FormulaError as exc:
        raise RuleValueError(str(exc), {"position": exc.position, "formula_problem": exc.problem,
                                        "near": exc.text}) from exc  # fmt: skip
    return text
