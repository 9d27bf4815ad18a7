"""An item's workflow steps (办理环节) as the catalog declares them, and the default every item without its own gets.
Pure: no I/O.

A step is ``{"code", "name", "name_en", "stage", "role", "department_code", "limit_workdays", "clock_paused"}``:

- ``stage``: the case state the step is worked in (``submitted`` 受理, ``supplement`` 补正, ``review`` 审查,
  ``suspended`` 中止/公示/现场核查, ``approved`` 送达); each stage names the role that works it (``STAGE_ROLES``).
- ``department_code``: the department whose work list shows the step (``None``: the item's own department).
  Several ``review`` steps of different departments are reviewed in parallel (并联审批): each department approves
  its part, the case is approved when every part is, rejected when one is — the joint review of earlier revisions.
- ``limit_workdays``: the working days the step may take (``None``: no limit of its own — the acceptance step then
  takes the hall rule ``cases.acceptance_step_workdays``, a review step is bounded by the case's due dates).
- ``clock_paused``: the case's time limit stops while the case is on the step (补正, 中止, 公示…).

The default (``default_steps``) is the behaviour before items declared steps: acceptance by a clerk, supplements
by the applicant (clock paused), review by the item's department (or by each ``joint_review`` department in
parallel), suspension (clock paused), delivery by a clerk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

STAGES = ("submitted", "supplement", "review", "suspended", "approved")
# Who works a step of each stage (the state machine's transitions out of the stage are theirs).
STAGE_ROLES: dict[str, str] = {
    "submitted": "clerk",
    "supplement": "applicant",
    "review": "approver",
    "suspended": "approver",
    "approved": "clerk",
}
ROLES = frozenset(STAGE_ROLES.values())
# Who works a step of each stage, in words.
ROLE_ZH: dict[str, str] = {
    "submitted": "窗口受理员",
    "supplement": "申请人",
    "review": "审批人员",
    "suspended": "审批人员",
    "approved": "窗口受理员",
}
STEP_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

Step = dict[str, Any]
Fault = tuple[tuple[str | int, ...], str]


def step(
    code: str,
    name: str,
    name_en: str,
    stage: str,
    *,
    department_code: str | None = None,
    limit_workdays: int | None = None,
    clock_paused: bool = False,
) -> Step:
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "stage": stage,
        "role": STAGE_ROLES[stage],
        "department_code": department_code,
        "limit_workdays": limit_workdays,
        "clock_paused": clock_paused,
    }


def default_steps(department_code: str, joint_review: Sequence[str] = ()) -> list[Step]:
    """Today's behaviour as steps: one review step per reviewing department (the item's own when none is named)."""
    reviewers = list(joint_review) or [department_code]
    reviews = [
        step(
            "review" if len(reviewers) == 1 else f"review_{code.lower()}",
            "审查决定" if len(reviewers) == 1 else "并联审查",
            "Review and decision" if len(reviewers) == 1 else "Parallel review",
            "review",
            department_code=code,
        )
        for code in reviewers
    ]
    return [
        step("accept", "受理", "Acceptance", "submitted", department_code=department_code),
        step("supplement", "补正材料", "Supplements", "supplement", clock_paused=True),
        *reviews,
        step("suspended", "中止(特别程序)", "Suspended (special procedure)", "suspended", clock_paused=True),
        step("deliver", "送达", "Delivery", "approved", department_code=department_code),
    ]


def effective_steps(
    declared: Iterable[Step] | None, department_code: str, joint_review: Sequence[str] = ()
) -> list[Step]:
    """The item's steps with every field filled: its own when it declares them, else the default."""
    own = list(declared or [])
    if not own:
        return default_steps(department_code, joint_review)
    out = []
    for s in own:
        filled = {**step(s["code"], s["name"], s.get("name_en") or s["name"], s["stage"]), **s}
        filled["role"] = s.get("role") or STAGE_ROLES[s["stage"]]
        filled.setdefault("department_code", None)
        out.append(filled)
    return out


SETTABLE = ("role", "limit_workdays")  # what a hall may set itself on a step of an item


def with_settings(steps: Sequence[Step], settings: dict[str, dict[str, Any]] | None) -> list[Step]:
    """``steps`` with a hall's own settings (step code → {"role", "limit_workdays"}) applied; a step the settings
    do not name, or a setting of a step the item no longer has, changes nothing."""
    own = settings or {}
    return [{**s, **{k: v for k, v in own.get(s["code"], {}).items() if k in SETTABLE}} for s in steps]


def department_of(s: Step, item_department: str) -> str:
    return str(s.get("department_code") or item_department)


def review_departments(steps: Sequence[Step], item_department: str) -> tuple[str, ...]:
    """The departments deciding the case: one per review step, in order, without repeats."""
    seen: list[str] = []
    for s in steps:
        if s["stage"] == "review" and department_of(s, item_department) not in seen:
            seen.append(department_of(s, item_department))
    return tuple(seen) or (item_department,)


def departments(steps: Sequence[Step], item_department: str) -> set[str]:
    """Every department with a step of the item (whose work lists show its cases)."""
    return {department_of(s, item_department) for s in steps} | {item_department}


def paused_stages(steps: Sequence[Step]) -> frozenset[str]:
    """The stages on which the case's clock stops."""
    return frozenset(s["stage"] for s in steps if s.get("clock_paused"))


def faults(
    declared: Sequence[Step], item_department: str, known_departments: set[str], base: tuple[str | int, ...]
) -> list[Fault]:
    """What is wrong with an item's declared steps (each fault with its path)."""
    out: list[Fault] = []
    seen: set[str] = set()
    for j, s in enumerate(declared):
        here = (*base, j)
        code = s.get("code", "")
        if code in seen:
            out.append(((*here, "code"), f"duplicate step code {code!r}"))
        seen.add(code)
        stage = s.get("stage")
        role = s.get("role")
        if role is not None and role not in ROLES:
            out.append(((*here, "role"), f"unknown role {role!r}"))
        elif role is not None and stage in STAGE_ROLES and STAGE_ROLES[stage] != role:
            out.append(((*here, "role"), f"a {stage} step is worked by the {STAGE_ROLES[stage]}, not the {role}"))
        department = s.get("department_code")
        if department is not None and department not in known_departments:
            out.append(((*here, "department_code"), f"unknown department {department!r}"))
    if not declared:
        return out
    stages = {s.get("stage") for s in declared}
    for needed in ("submitted", "review", "approved"):
        if needed not in stages:
            out.append((base, f"the workflow needs a {needed} step"))
    reviewers = [department_of(s, item_department) for s in declared if s.get("stage") == "review"]
    if len(set(reviewers)) != len(reviewers):
        out.append((base, "two review steps name the same department"))
    if reviewers and item_department not in reviewers:
        out.append((base, f"the item's own department {item_department!r} must review"))
    for stage in ("submitted", "supplement", "suspended", "approved"):
        if sum(1 for s in declared if s.get("stage") == stage) > 1:
            out.append((base, f"only review steps may share a stage ({stage} twice)"))
    return out
