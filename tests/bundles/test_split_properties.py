"""Properties of the bundle split (高效办成一件事), for any bundle: a field asked once on the merged form reaches
every item that has it, with the same value; every item field is asked exactly once; a material needed by several
items is asked once and reaches each of them; the combined result does not depend on the order the parts finish in.
Then through the API, for the demo bundles: each department task has its own department, approver and time limit."""

from __future__ import annotations

from itertools import permutations
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smarthall.bundles import merge
from tests.bundles.helpers import filled, merged_form
from tests.bundles.test_demo import BUNDLES, approver_of
from tests.cases.helpers import act, li_ming, refused
from tests.conftest import auth

# A field name fixes its type (a catalog without clashes); the map renames an item's field to a shared name.
NAMES = ("name", "phone", "id_number", "address", "birth_date", "bank", "kind", "count")
TYPES = {"name": "text", "phone": "phone", "id_number": "id_number", "address": "address", "birth_date": "date",
         "bank": "select", "kind": "select", "count": "number"}  # fmt: skip
LICENCES = ("居民身份证", "户口簿", "出生医学证明", "社会保障卡", None)


def _field(name: str, required: bool) -> merge.Field:
    options = ("甲", "乙", "丙") if TYPES[name] == "select" else None
    return merge.Field(name, name, TYPES[name], required, options)


item_fields = st.dictionaries(st.sampled_from(NAMES), st.booleans(), min_size=1, max_size=6).map(
    lambda d: [_field(n, r) for n, r in d.items()]
)
items = st.lists(item_fields, min_size=2, max_size=5).map(lambda fs: [(f"IT-{i:03d}", f) for i, f in enumerate(fs)])
shared = st.lists(st.sampled_from(NAMES), unique=True, max_size=4).map(lambda ns: [_field(n, True) for n in ns])


def _value(f: merge.MergedField) -> Any:
    return {"select": f.options[0] if f.options else "甲", "number": 3, "date": "2026-11-18"}.get(f.type, f"v-{f.name}")


@settings(deadline=None)  # no timing in unit tests (the machine may be busy)
@given(shared=shared, items=items, data=st.data())
def test_a_field_asked_once_maps_to_every_item_that_needs_it(
    shared: list[merge.Field], items: list[tuple[str, list[merge.Field]]], data: st.DataObject
) -> None:
    merged, clashes = merge.merge_form(shared, items)
    assert clashes == []
    names = [f.name for f in merged]
    assert len(names) == len(set(names))  # each field asked once
    targets = [(t.item_code, t.name) for f in merged for t in f.targets]
    assert sorted(targets) == sorted((code, f.name) for code, fs in items for f in fs)  # every item field, once
    answered = data.draw(st.sets(st.sampled_from(names)))
    values = {f.name: _value(f) for f in merged if f.name in answered}
    forms = merge.split_form(merged, values)
    for code, fields in items:
        expected = {f.name: values[f.name] for f in fields if f.name in values}
        assert forms.get(code, {}) == expected
    for f in merged:  # a field is required on the merged form when any item requires it
        assert f.required == (
            any(s.name == f.name for s in shared) or any(g.required for _, fs in items for g in fs if g.name == f.name)
        )


@settings(deadline=None)  # no timing in unit tests (the machine may be busy)
@given(items=items, renames=st.dictionaries(st.sampled_from(NAMES), st.just("alias"), max_size=1))
def test_a_field_map_asks_an_items_field_under_the_shared_name(
    items: list[tuple[str, list[merge.Field]]], renames: dict[str, str]
) -> None:
    code, fields = items[0]
    renamed = {f.name: "alias" for f in fields if f.name in renames}
    alias = [merge.Field("alias", "alias", TYPES[n], True, _field(n, True).options) for n in renamed]
    merged, clashes = merge.merge_form(alias, items, {code: renamed})
    assert clashes == []
    forms = merge.split_form(merged, {f.name: _value(f) for f in merged})
    for item_field in renamed:
        assert forms[code][item_field] == _value(next(f for f in merged if f.name == "alias"))


materials = st.lists(
    st.lists(st.tuples(st.sampled_from(LICENCES), st.booleans()), min_size=1, max_size=4), min_size=2, max_size=5
)


@settings(deadline=None)  # no timing in unit tests (the machine may be busy)
@given(materials=materials)
def test_a_material_needed_by_several_items_is_asked_once(materials: list[list[tuple[str | None, bool]]]) -> None:
    per_item = [
        (
            f"IT-{i:03d}",
            [merge.Material(f"M{i}-{j}", lic or "表", "other", req, lic) for j, (lic, req) in enumerate(ms)],
        )
        for i, ms in enumerate(materials)
    ]
    merged = merge.merge_materials(per_item)
    keys = [m.key for m in merged]
    assert len(keys) == len(set(keys))
    for licence in {lic for ms in materials for lic, _ in ms if lic}:
        asked = [m for m in merged if m.e_licence_type == licence and m.key == f"licence:{licence}"]
        assert len(asked) == 1  # once, however many items need it
        needing = {code for code, ms in per_item for m in ms if m.e_licence_type == licence}
        assert {t.item_code for t in asked[0].targets} == needing
    given_files = {m.key: {"file_id": f"f-{m.key}"} for m in merged}
    split = merge.split_materials(merged, given_files)
    for code, ms in per_item:  # every item gets one entry per material of its own
        assert sorted(e["material_code"] for e in split[code]) == sorted(m.code for m in ms)


@settings(deadline=None)  # no timing in unit tests (the machine may be busy)
@given(
    rule=st.sampled_from(merge.RULES),
    statuses=st.lists(
        st.sampled_from(("approved", "delivered", "rejected", "refused", "withdrawn")), min_size=1, max_size=5
    ),  # fmt: skip
)
def test_the_combined_result_is_the_same_in_any_order(rule: str, statuses: list[str]) -> None:
    results = {merge.combined(rule, list(order)) for order in permutations(statuses)}
    assert len(results) == 1 and results <= merge.FINISHED


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bundle=st.sampled_from(BUNDLES))
def test_each_department_task_has_its_own_approver_and_time_limit(client: Any, env: Any, bundle: str) -> None:
    citizen = li_ming(client)
    form = merged_form(client, citizen, bundle)
    r = client.post(
        "/api/v1/bundle-applications", headers=citizen, json=filled(client, citizen, form, env.clock.now().date())
    )
    assert r.status_code == 201, r.text
    parts = r.json()["parts"]
    limits = {p["item_code"]: p["promised_limit_workdays"] for p in form["parts"]}
    assert [p["department_code"] for p in parts] == [p["department_code"] for p in form["parts"]]
    for a in parts:  # the due date follows each item's own limit
        for b in parts:
            if limits[a["item_code"]] < limits[b["item_code"]]:
                assert a["promised_due_date"] <= b["promised_due_date"]
            if limits[a["item_code"]] == limits[b["item_code"]]:
                assert a["promised_due_date"] == b["promised_due_date"]
    clerk = auth(client, "clerk1")
    for part in parts:
        if part["status"] != "submitted":
            continue
        assert act(client, clerk, part["case_no"], "accept").status_code == 200
        others = [p["department_code"] for p in parts if p["department_code"] != part["department_code"]]
        if others:  # another department's approver may not decide this task
            refused(act(client, auth(client, approver_of(others[0])), part["case_no"], "approve"), 403,
                    "out_of_department")  # fmt: skip
        assert (
            act(client, auth(client, approver_of(part["department_code"])), part["case_no"], "approve").status_code
            == 200
        )
