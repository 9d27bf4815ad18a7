"""The staff score formula (8.2): a safe expression language (own tokenizer and parser, never eval), checked on
save with the position of the problem, previewed and used for the ranking through the real HTTP API and page."""

from __future__ import annotations

import math
import pathlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.core import formula
from smarthall.rules.definitions import STAFF_SCORE_NAMES
from smarthall.staff import scoring
from tests.conftest import auth
from tests.factories import assert_problem
from tests.staff.helpers import HALL, pad_rate, serve
from tests.staff.test_performance import DAY, _served_morning

NAMES = ("a", "b", "c")

# ------------------------------------------------------------------ property: the evaluator agrees with a reference
# A random formula is built as a tree, written out as text, read back by the parser and evaluated; the reference
# computes the tree directly (plain Python arithmetic, no parsing, no eval).

leaf = st.one_of(
    st.integers(min_value=0, max_value=50).map(lambda n: ("num", float(n), str(n))),
    st.sampled_from([0.5, 2.25, 10.0]).map(lambda n: ("num", n, repr(n))),
    st.sampled_from(NAMES).map(lambda n: ("name", n, n)),
)


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!="]), children, children).map(
            lambda t: ("bin", *t)
        ),
        children.map(lambda c: ("neg", c)),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(children, min_size=1, max_size=3)).map(
            lambda t: ("call", t[0], t[1])
        ),
        st.tuples(st.just("clamp"), st.lists(children, min_size=3, max_size=3)).map(lambda t: ("call", *t)),
        st.tuples(st.just("if"), st.lists(children, min_size=3, max_size=3)).map(lambda t: ("call", *t)),
        st.tuples(st.just("ifnull"), st.lists(children, min_size=2, max_size=2)).map(lambda t: ("call", *t)),
        st.tuples(st.just("abs"), st.lists(children, min_size=1, max_size=1)).map(lambda t: ("call", *t)),
    )


trees = st.recursive(leaf, _extend, max_leaves=12)
SPELLING = {"*": ["*", "×"], "/": ["/", "÷"], "-": ["-", "−"]}


def text(tree, style: int) -> str:
    """The tree as formula text, fully bracketed, with the Chinese-keyboard spellings on odd styles."""
    kind = tree[0]
    if kind in ("num", "name"):
        return tree[2]
    if kind == "neg":
        return f"(-{text(tree[1], style)})"
    if kind == "bin":
        op = SPELLING.get(tree[1], [tree[1]])[style % len(SPELLING.get(tree[1], [tree[1]]))]
        return f"({text(tree[2], style)} {op} {text(tree[3], style)})"
    comma = "，" if style % 2 else ", "
    return f"{tree[1]}({comma.join(text(a, style) for a in tree[2])})"


def reference(tree, env):
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "name":
        return env[tree[1]]
    if kind == "neg":
        v = reference(tree[1], env)
        return None if v is None else -v
    if kind == "bin":
        a, b = reference(tree[2], env), reference(tree[3], env)
        if a is None or b is None:
            return None
        op = tree[1]
        if op == "/":
            return None if b == 0 else a / b
        result = {
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "<": lambda: float(a < b),
            "<=": lambda: float(a <= b),
            ">": lambda: float(a > b),
            ">=": lambda: float(a >= b),
            "==": lambda: float(a == b),
            "!=": lambda: float(a != b),
        }[op]()
        return result if math.isfinite(result) else None
    name, args = tree[1], tree[2]
    if name == "if":
        c = reference(args[0], env)
        return None if c is None else reference(args[1] if c else args[2], env)
    vals = [reference(a, env) for a in args]
    if name in ("min", "max"):
        present = [v for v in vals if v is not None]
        return (min if name == "min" else max)(present) if present else None
    if name == "ifnull":
        return vals[1] if vals[0] is None else vals[0]
    if any(v is None for v in vals):
        return None
    if name == "abs":
        return abs(vals[0])
    x, lo, hi = vals
    return None if lo > hi else min(max(x, lo), hi)


values = st.fixed_dictionaries(
    {n: st.one_of(st.none(), st.integers(min_value=-5, max_value=20).map(float), st.just(0.25)) for n in NAMES}
)


@settings(max_examples=400, deadline=None)
@given(trees, values, st.integers(min_value=0, max_value=3))
def test_the_evaluator_agrees_with_a_reference_on_random_formulas(tree, env, style):
    source = text(tree, style)
    got = formula.evaluate(formula.parse(source, NAMES), env)
    want = reference(tree, env)
    assert (got is None) == (want is None), source
    if want is not None:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), source


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab1.+-*/()<>=!, xyzmin_()$'\"", max_size=30))
def test_any_text_parses_or_fails_with_a_position_never_anything_else(source):
    try:
        formula.parse(source, NAMES)
    except formula.FormulaError as exc:
        assert 0 <= exc.position <= len(source)


def test_precedence_and_the_errors_say_where():
    tree = formula.parse("1 + 2 * 3 - 4 / 2", ())
    assert formula.evaluate(tree, {}) == 5.0
    assert formula.evaluate(formula.parse("-(2 + 3) × 2 ÷ 5", ()), {}) == -2.0
    assert formula.evaluate(formula.parse("if(a > 1, 10, 20)", NAMES), {"a": 2}) == 10.0
    cases = {
        "weighted + ": ("unexpected_end", 11),
        "weighted + bogus": ("unknown_name", 11),
        "__import__('os')": ("unexpected_character", 11),  # the quote: read before parsing
        "__import__(1)": ("unknown_function", 0),
        "open(1)": ("unknown_function", 0),
        "min(handled": ("expected_close", 11),
        "clamp(weighted, 0)": ("wrong_arguments", 0),
        "weighted $ 2": ("unexpected_character", 9),
        "1 < 2 < 3": ("chained_comparison", 6),
        "weighted handled": ("unexpected_token", 9),
        "": ("empty", 0),
        "(" * 60 + "1" + ")" * 60: ("too_deep", 40),
    }
    for source, (problem, position) in cases.items():
        with pytest.raises(formula.FormulaError) as caught:
            formula.parse(source, STAFF_SCORE_NAMES)
        assert (caught.value.problem, caught.value.position) == (problem, position), source


def test_no_eval_or_exec_anywhere_in_the_source():
    src = pathlib.Path(__file__).resolve().parents[2] / "src" / "smarthall"
    pattern = re.compile(r"(?<![\w.])(eval|exec|compile)\s*\(|\bast\.literal_eval|import ast\b")
    offenders = [str(p) for p in src.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_default_formula_is_the_weighted_score():
    figures = {1: scoring.Figures(3, 1800, 0, 0, 3, 2, 1), 2: scoring.Figures(1, 1200, 0, 0, 0, 0, 0)}
    by_default = scoring.rank(figures, scoring.DEFAULT_WEIGHTS)
    explicit = scoring.rank(figures, scoring.DEFAULT_WEIGHTS, scoring.usable_formula("weighted"))
    assert by_default == explicit
    # a stored formula that no longer parses falls back to the default
    assert scoring.usable_formula("weighted + gone") == scoring.usable_formula("weighted")


# ------------------------------------------------------------------------------------------- through the HTTP API


def test_preview_save_and_rank_with_a_formula(env, client):
    _served_morning(env, client)
    admin, manager = auth(client, "admin1"), auth(client, "hallmanager1")
    params = {"hall_code": HALL, **DAY}
    base = client.get("/api/v1/staff-performance", params=params, headers=manager).json()
    assert base["formula"] == "weighted" and base["preview"] is False
    served = {r["window_code"]: r for r in base["rows"] if r["handled"]}
    # a preview: one point per service minus ten per complaint — clerk1 3 − 10 = −7, clerk2 1
    preview = client.get(
        "/api/v1/staff-performance",
        params={**params, "formula": "handled_count − 10 × complaints_count"},
        headers=manager,
    )
    assert preview.status_code == 200, preview.text
    rows = {r["window_code"]: r for r in preview.json()["rows"] if r["handled"]}
    assert rows["H-690102-W01"]["score"] == -7.0 and rows["H-690102-W02"]["score"] == 1.0
    assert preview.json()["rows"][0]["window_code"] == "H-690102-W02" and preview.json()["preview"] is True
    # nothing was saved by the preview
    again = client.get("/api/v1/staff-performance", params=params, headers=manager).json()
    assert {r["window_code"]: r["score"] for r in again["rows"] if r["handled"]} == {
        k: v["score"] for k, v in served.items()
    }
    # a preview that does not parse: 422 with where
    bad = client.get("/api/v1/staff-performance", params={**params, "formula": "weighted + nope"}, headers=manager)
    body = assert_problem(bad, 422, "performance_bad_formula")
    assert body["detail"]["position"] == 11 and body["detail"]["problem"] == "unknown_name"

    # saving: checked first (nothing saved when it does not parse), then used for the ranking
    for source, position in (("clamp(weighted, 0", 17), ("max(good_rating,, 1)", 16), ("eval(1)", 0)):
        refused = client.put(
            "/api/v1/staff-performance/formula", json={"scope_code": HALL, "formula": source}, headers=admin
        )
        assert assert_problem(refused, 422, "performance_bad_formula")["detail"]["position"] == position, source
    assert_problem(
        client.put("/api/v1/staff-performance/formula", json={"scope_code": HALL, "formula": "1"}, headers=manager),
        403,
        "forbidden_role",
    )
    saved = client.put(
        "/api/v1/staff-performance/formula",
        json={"scope_code": HALL, "formula": "if(ratings_count > 0, 100 * good_rating, 50)", "note": "好评为主"},
        headers=admin,
    )
    assert saved.status_code == 200, saved.text
    ranked = client.get("/api/v1/staff-performance", params=params, headers=manager).json()
    assert ranked["saved_formula"] == "if(ratings_count > 0, 100 * good_rating, 50)"
    rows = {r["window_code"]: r for r in ranked["rows"] if r["handled"]}
    assert rows["H-690102-W01"]["score"] == round(100 * 2 / 3, 1) and rows["H-690102-W02"]["score"] == 50.0
    # the generic rules API checks it the same way, with the position
    via_rules = client.put(
        "/api/v1/rules/staff.score_formula", json={"scope_code": HALL, "value": "weighted * (1"}, headers=admin
    )
    assert assert_problem(via_rules, 422, "rule_value_invalid")["detail"]["position"] == 13
    # one's own record uses it too
    mine = client.get("/api/v1/staff-performance/me", params=DAY, headers=auth(client, "clerk1")).json()
    assert mine["record"]["score"] == round(100 * 2 / 3, 1)


def test_the_performance_page_edits_and_previews_the_formula(env, client):
    pad_rate(client, serve(env, client, minutes=5), 5)
    admin = auth(client, "admin1")
    page = client.get("/staff/performance", params={"hall_code": HALL, **DAY}, headers=admin)
    assert page.status_code == 200 and 'data-testid="formula-input"' in page.text and "weighted" in page.text
    preview = client.get(
        "/staff/performance", params={"hall_code": HALL, **DAY, "formula": "handled_count * 7"}, headers=admin
    )
    assert 'data-testid="previewing"' in preview.text and ">7.0<" in preview.text
    bad = client.get("/staff/performance", params={"hall_code": HALL, **DAY, "formula": "1 +* 2"}, headers=admin)
    assert bad.status_code == 422 and 'data-testid="formula-error"' in bad.text and "第 4 个字符" in bad.text
    refused = client.post(
        "/staff/performance/formula", data={"hall_code": HALL, "formula": "weighted +"}, headers=admin
    )
    assert refused.status_code == 422 and 'data-testid="formula-caret"' in refused.text
    saved = client.post(
        "/staff/performance/formula",
        data={"hall_code": HALL, "formula": "clamp(weighted - 5 * complaints_count, 0, 100)"},
        headers=admin,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    shown = client.get(saved.headers["location"], headers=admin)
    assert 'data-testid="formula-saved"' in shown.text
    assert "clamp(weighted - 5 * complaints_count, 0, 100)" in shown.text
