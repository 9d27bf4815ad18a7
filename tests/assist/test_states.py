"""The help-request and proxy state machines (pure), property-tested: final states are final, and every reachable
state is one the tables name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from smarthall.assist.states import (
    HELP_FINAL,
    HELP_TRANSITIONS,
    PROXY_ACTIVE,
    PROXY_FINAL,
    PROXY_TRANSITIONS,
    next_state,
)

HELP_STATES = {"open"} | {t for m in HELP_TRANSITIONS.values() for t in m.values()}
PROXY_STATES = {"pending_confirmation"} | {t for m in PROXY_TRANSITIONS.values() for t in m.values()}


@given(st.lists(st.sampled_from(sorted(HELP_TRANSITIONS)), max_size=12))
def test_help_requests_never_leave_a_final_state(actions: list[str]) -> None:
    state = "open"
    for action in actions:
        nxt = next_state(HELP_TRANSITIONS, action, state)
        if state in HELP_FINAL:
            assert nxt is None
        if nxt is not None:
            state = nxt
        assert state in HELP_STATES


@given(st.lists(st.sampled_from(sorted(PROXY_TRANSITIONS)), max_size=12))
def test_proxy_agents_act_only_after_confirmation(actions: list[str]) -> None:
    state = "pending_confirmation"
    confirmed = False
    for action in actions:
        nxt = next_state(PROXY_TRANSITIONS, action, state)
        if state in PROXY_FINAL:
            assert nxt is None
        if nxt is not None:
            confirmed = confirmed or action in ("confirm", "register_paper")  # the entrustor: login, code or paper
            state = nxt
        if state in PROXY_ACTIVE:
            assert confirmed
        assert state in PROXY_STATES
