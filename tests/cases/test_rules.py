"""The rule engine: verified over declared, contradictions and unknowns never approve, errors never approve."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.cases.rules import Input, evaluate, validate_rules

RULES: list[dict[str, Any]] = [
    {"field": "tax", "op": "in", "value": ["已清税", "无涉税事项"], "message": "清税"},
    {"field": "abnormal", "op": "==", "value": "否", "message": "异常名录"},
    {"field": "age", "op": ">=", "value": 80, "message": "年满80"},
]


def test_all_verified_and_passing_approves() -> None:
    d = evaluate(RULES, {"tax": Input(None, "已清税"), "abnormal": Input("否", "否"), "age": Input(81, 81)})
    assert d.approve and [o.value_source for o in d.outcomes] == ["verified"] * 3


def test_verified_value_wins_and_contradiction_blocks() -> None:
    d = evaluate(RULES, {"tax": Input("无涉税事项", "未清税"), "abnormal": Input("否", "否"), "age": Input(None, 90)})
    assert not d.approve
    assert d.outcomes[0].outcome == "contradiction" and d.outcomes[0].value == "未清税"


def test_contradiction_on_a_field_no_rule_reads_still_blocks() -> None:
    inputs = {
        "tax": Input(None, "已清税"),
        "abnormal": Input(None, "否"),
        "age": Input(None, 85),
        "name": Input("张三", "李四"),
    }
    d = evaluate(RULES, inputs)
    assert not d.approve and any("contradiction" in r for r in d.reasons)


def test_missing_input_is_unknown() -> None:
    d = evaluate(RULES, {"tax": Input(None, "已清税"), "abnormal": Input(None, "否")})
    assert not d.approve and d.outcomes[2].outcome == "unknown"


def test_engine_errors_never_approve() -> None:
    assert not evaluate([{"field": "x", "op": "~", "value": 1, "message": "m"}], {"x": Input(None, 1)}).approve
    assert not evaluate([{"field": "x", "op": ">", "value": 3, "message": "m"}], {"x": Input(None, "abc")}).approve
    assert not evaluate([], {}).approve
    assert not evaluate([None], {}).approve  # type: ignore[list-item]
    assert validate_rules([{"field": "x", "op": "in", "value": 3}])


values = st.one_of(
    st.none(),
    st.integers(-5, 200),
    st.sampled_from(["已清税", "未清税", "否", "是", "", "80"]),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=2),
    st.booleans(),
)
rule_st = st.fixed_dictionaries(
    {
        "field": st.sampled_from(["tax", "abnormal", "age"]),
        "op": st.sampled_from(["==", "!=", ">", ">=", "in", "bad"]),
        "value": values,
        "message": st.just("m"),
    }
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(rule_st, max_size=4),
    st.dictionaries(st.sampled_from(["tax", "abnormal", "age"]), st.tuples(values, values), max_size=3),
)
def test_engine_never_raises_and_approves_only_when_every_rule_passes_on_consistent_data(
    rules: list[dict[str, Any]], raw: dict[str, tuple[Any, Any]]
) -> None:
    inputs = {k: Input(d, v) for k, (d, v) in raw.items()}
    decision = evaluate(rules, inputs)
    if decision.approve:
        assert rules and len(decision.outcomes) == len(rules)
        assert all(o.outcome == "pass" for o in decision.outcomes)
        for o in decision.outcomes:
            given_input = inputs[o.field]
            if given_input.verified is not None:
                assert o.value_source == "verified"
