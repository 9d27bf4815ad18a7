"""The case state machine: no dead ends, every path ends in a final state, roles are enforced."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.cases import workflow

ROLES = ["applicant", "clerk", "approver", "system"]


def test_every_state_is_known_and_every_non_final_state_has_a_way_out() -> None:
    for t in workflow.TRANSITIONS:
        assert t.source in workflow.STATES and t.target in workflow.STATES
        assert t.source not in workflow.FINAL_STATES
    for state in workflow.STATES:
        if state in workflow.FINAL_STATES:
            assert workflow.available(state) == []
        else:
            assert workflow.available(state), f"{state} is a dead end"


def test_a_final_state_is_reachable_from_every_state() -> None:
    for state in workflow.STATES:
        assert workflow.reachable(state) & workflow.FINAL_STATES


def test_every_state_is_reachable_from_submission() -> None:
    assert workflow.reachable("submitted") == set(workflow.STATES)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(workflow.ACTIONS), st.sampled_from(ROLES)), max_size=40))
def test_random_action_sequences_stay_in_the_table(steps: list[tuple[str, str]]) -> None:
    state = "submitted"
    for action, role in steps:
        try:
            t = workflow.transition(state, action, role)
        except workflow.NotAllowed as exc:
            assert exc.kind in ("state", "role")
            if exc.kind == "role":
                assert (state, action) in {(x.source, x.action) for x in workflow.TRANSITIONS}
            continue
        assert role in t.roles and t.source == state
        state = t.target
        if workflow.is_final(state):
            assert workflow.available(state) == []
    assert state in workflow.STATES


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_always_taking_some_allowed_action_ends_in_a_final_state(data: st.DataObject) -> None:
    """Any walk that follows allowed transitions, avoiding loops beyond a bound, terminates in a final state."""
    state = "submitted"
    for _ in range(50):
        options = workflow.available(state)
        if not options:
            break
        # loops (supplement/resubmit, suspend/resume) may repeat; prefer leaving them eventually
        t = data.draw(st.sampled_from(options))
        state = t.target
    if not workflow.is_final(state):
        # from wherever the walk stopped, a final state is still reachable
        assert workflow.reachable(state) & workflow.FINAL_STATES


def test_roles_guard_transitions() -> None:
    with pytest.raises(workflow.NotAllowed) as err:
        workflow.transition("review", "approve", "clerk")
    assert err.value.kind == "role"
    with pytest.raises(workflow.NotAllowed) as err:
        workflow.transition("submitted", "approve", "approver")
    assert err.value.kind == "state"
    assert workflow.transition("submitted", "withdraw", "applicant").target == "withdrawn"
    assert workflow.transition("review", "reject", "approver").needs_note
