"""The demo data carries every demo bundle end to end: in a fresh demo (``smarthall seed``), the demo citizen 李明
applies for each of the catalog's six bundles with the prefilled merged form, his wallet's e-licences and an
upload for what no licence covers; each part is accepted at the comprehensive window and decided by its own
department's demo approver; the bundle finishes with one combined result."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smarthall.bundles.demo import APPROVERS
from smarthall.demo import demo_catalog_text
from tests.bundles.helpers import filled, merged_form
from tests.cases.helpers import act, li_ming
from tests.conftest import auth

BUNDLES = [b["code"] for b in json.loads(demo_catalog_text())["bundles"]]
CATALOG_APPROVERS = {"SC": "approver1", "MZ": "approver2"}


def approver_of(department: str) -> str:
    return CATALOG_APPROVERS.get(department) or f"approver_{department.lower()}1"


def test_every_department_of_the_demo_bundles_has_an_approver() -> None:
    catalog = json.loads(demo_catalog_text())
    items = {i["code"]: i for i in catalog["items"]}
    needed = {items[c]["department_code"] for b in catalog["bundles"] for c in b["item_codes"]}
    assert needed <= set(APPROVERS) | set(CATALOG_APPROVERS)


@pytest.mark.parametrize("bundle", BUNDLES)
def test_the_demo_citizen_applies_for_each_demo_bundle_end_to_end(client: Any, env: Any, bundle: str) -> None:
    citizen = li_ming(client)
    form = merged_form(client, citizen, bundle)
    body = filled(client, citizen, form, env.clock.now().date())
    held = [m["key"] for m in form["materials"] if m["held_licence_id"]]
    assert held, "the demo wallet covers at least one material of every demo bundle"
    r = client.post("/api/v1/bundle-applications", headers=citizen, json=body)
    assert r.status_code == 201, r.text
    app = r.json()
    clerk = auth(client, "clerk1")
    for part in app["parts"]:
        if part["status"] == "submitted":
            assert act(client, clerk, part["case_no"], "accept").status_code == 200
        if part["status"] in ("submitted", "review"):
            r = act(client, auth(client, approver_of(part["department_code"])), part["case_no"], "approve")
            assert r.status_code == 200, r.text
    done = client.get(f"/api/v1/bundle-applications/{app['code']}", headers=citizen).json()
    assert done["status"] == "done", done
    assert done["granted"] == len(done["parts"]) == len(form["parts"])


def test_a_bundle_application_carries_one_errand_code_shared_by_its_department_tasks(client: Any, env: Any) -> None:
    citizen = li_ming(client)
    body = filled(client, citizen, merged_form(client, citizen, "YJS-01"), env.clock.now().date())
    app = client.post("/api/v1/bundle-applications", headers=citizen, json=body).json()
    code = app["errand_code"]
    assert code and code.startswith("YJ")
    errand = client.get(f"/api/v1/errands/{code}", headers=citizen).json()
    assert errand["item_name"] == "新生儿出生一件事" and errand["bundle_application"] == app["code"]
    filed = [s["ref"] for s in errand["steps"] if s["step"] == "case"]
    assert sorted(filed) == sorted(p["case_no"] for p in app["parts"])  # four departments, one errand
    assert errand["steps"][0]["step"] == "bundle"
    assert errand["steps"][0]["href"] == f"/bundles/applications/{app['code']}"
    mine = client.get("/api/v1/errands", headers=citizen).json()
    assert [e["code"] for e in mine].count(code) == 1
    # Each part's case page links to the same errand.
    for part in app["parts"]:
        page = client.get(f"/errands/of/case/{part['case_no']}", headers=citizen)
        assert code in page.text
    # Approving parts one by one leaves the errand open until the last.
    clerk = auth(client, "clerk1")
    for part in app["parts"]:
        assert act(client, clerk, part["case_no"], "accept").status_code == 200
        r = act(client, auth(client, approver_of(part["department_code"])), part["case_no"], "approve")
        assert r.status_code == 200, r.text
    after = client.get(f"/api/v1/errands/{code}", headers=citizen).json()
    assert sum(1 for s in after["steps"] if s["step"] == "result") == 4
