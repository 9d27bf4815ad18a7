"""The case state machine as a table: states, transitions, who may fire them. Pure: no I/O.

``submitted`` waits for the clerk's acceptance decision; ``supplement`` waits for the applicant's corrections
(一次性告知); ``review`` is the approver's step (the clock runs); ``suspended`` stops the clock (supplements during
review, site inspection, expert review); ``approved`` means the result is issued and waits for delivery.
Final states: ``delivered``, ``rejected``, ``refused``, ``withdrawn``. ``approved`` is *finished* (the decision
is made, ``case.finished`` is emitted) but still has the delivery step.
"""

from __future__ import annotations

from dataclasses import dataclass

STATES = ("submitted", "supplement", "review", "suspended", "approved", "delivered", "rejected", "refused", "withdrawn")
FINAL_STATES = frozenset({"delivered", "rejected", "refused", "withdrawn"})
FINISHED_STATES = frozenset({"approved"}) | FINAL_STATES  # a decision exists: case.finished is emitted on entry
STOPPED_STEPS = frozenset({"supplement", "suspended"})  # the clock stops; leaving them pushes the due dates
RUNNING_STEPS = frozenset({"submitted", "review"})  # the clock runs
CLOCK_STOPPED = STOPPED_STEPS | FINISHED_STATES

# Who may fire a transition: "applicant" (the citizen who owns the case), "clerk", "approver", "system".
Role = str


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    roles: frozenset[Role]
    needs_note: bool = False  # a reason is required (refuse, reject, suspend)


def _t(action: str, source: str, target: str, *roles: Role, note: bool = False) -> Transition:
    return Transition(action, source, target, frozenset(roles), note)


TRANSITIONS: tuple[Transition, ...] = (
    _t("accept", "submitted", "review", "clerk"),
    _t("accept_tolerated", "submitted", "review", "clerk", note=True),  # 容缺受理: gaps tolerated with a deadline
    _t("supplement", "submitted", "supplement", "clerk"),
    _t("refuse", "submitted", "refused", "clerk", note=True),
    _t("withdraw", "submitted", "withdrawn", "applicant"),
    _t("auto_approve", "submitted", "approved", "system"),
    _t("resubmit", "supplement", "submitted", "applicant"),
    _t("refuse", "supplement", "refused", "clerk", note=True),
    _t("withdraw", "supplement", "withdrawn", "applicant"),
    _t("approve", "review", "approved", "approver"),
    _t("approve_part", "review", "review", "approver"),  # one department's part of a joint (parallel) review
    _t("supply", "review", "review", "applicant"),  # hand in the gaps tolerated at acceptance (容缺后补)
    _t("reject", "review", "rejected", "approver", note=True),
    _t("suspend", "review", "suspended", "approver", note=True),
    _t("withdraw", "review", "withdrawn", "applicant"),
    _t("resume", "suspended", "review", "approver"),
    _t("withdraw", "suspended", "withdrawn", "applicant"),
    _t("deliver", "approved", "delivered", "clerk", "system"),
)

ACTIONS = tuple(sorted({t.action for t in TRANSITIONS}))
INTERNAL_ACTIONS = frozenset({"auto_approve", "approve_part"})  # fired by the service, never asked for directly

# Steps with a time limit of their own (办理环节时限), counted in working days from entering the step; the limit is a
# hall rule (``rules.definitions``). The acceptance decision is due within ``cases.acceptance_step_workdays``; when
# the pre-check found gaps, the one-time notice of what to supplement is due within
# ``cases.supplement_notice_workdays`` (行政许可法 第三十二条: 当场或者在五日内一次告知). The review step is bounded
# by the case's own due dates. Items reviewed by several departments in parallel (并联审批) name them in the catalog
# (``joint_review``): each approves its part, the case is approved when every part is, rejected when one is.
STEP_LIMIT_RULES: dict[str, str] = {"submitted": "cases.acceptance_step_workdays"}
STEP_LIMIT_RULES_WITH_GAPS: dict[str, str] = {"submitted": "cases.supplement_notice_workdays"}
_BY_KEY = {(t.source, t.action): t for t in TRANSITIONS}


class NotAllowed(Exception):
    """The action is not possible from the state (``kind='state'``) or not for this role (``kind='role'``)."""

    def __init__(self, kind: str, state: str, action: str, role: Role) -> None:
        super().__init__(f"{action} by {role} from {state}: {kind}")
        self.kind = kind
        self.state = state
        self.action = action
        self.role = role


def transition(state: str, action: str, role: Role) -> Transition:
    """The transition ``action`` fires from ``state`` for ``role``, or ``NotAllowed``."""
    found = _BY_KEY.get((state, action))
    if found is None:
        raise NotAllowed("state", state, action, role)
    if role not in found.roles:
        raise NotAllowed("role", state, action, role)
    return found


def available(state: str, role: Role | None = None) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == state and (role is None or role in t.roles)]


def is_final(state: str) -> bool:
    return state in FINAL_STATES


def reachable(start: str) -> set[str]:
    seen = {start}
    frontier = [start]
    while frontier:
        state = frontier.pop()
        for t in available(state):
            if t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    return seen
