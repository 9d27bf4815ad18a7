"""A bundle ends as ONE thing (issue 15 item 3) through the real API: one combined result whatever order the parts
finish in, one delivery choice, one archive package holding every part (verifiable), one rating for the bundle —
under each refusal rule."""

from __future__ import annotations

from typing import Any

from tests.bundles.helpers import approve_part
from tests.bundles.test_api import _apply, _bundle_messages, _with_rule
from tests.cases.helpers import act, refused
from tests.conftest import auth

RATING = {"level": 5, "channel": "web"}


def _view(client: Any, headers: dict[str, str], code: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/bundle-applications/{code}", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _result(view: dict[str, Any]) -> tuple[Any, ...]:
    """The combined result without what differs by application (numbers, times)."""
    return (
        view["status"],
        view["granted"],
        tuple(p["status"] for p in view["parts"]),
        tuple(sorted((d["item_name"], d["kind"]) for d in view["documents"])),
    )


def _deliver(client: Any, code: str) -> dict[str, Any]:
    r = client.post(f"/api/v1/bundle-applications/{code}/delivery", headers=auth(client, "clerk1"),
                    json={"mode": "electronic"})  # fmt: skip
    assert r.status_code == 200, r.text
    return dict(r.json())


def _package(client: Any, code: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    manager = auth(client, "hallmanager1")
    r = client.get(f"/api/v1/archives/{code}", headers=manager)
    assert r.status_code == 200, r.text
    package = r.json()
    assert package["status"] == "complete"
    names = [f["name"] for f in package["files"]]
    for part in parts:  # every part inside the one package, none packaged on its own
        assert f"data/parts/{part['case_no']}/form/form.json" in names
        assert f"data/parts/{part['case_no']}/record/case.json" in names
        refused(client.get(f"/api/v1/archives/{part['case_no']}", headers=manager), 404, "archive_not_found")
    check = client.post(f"/api/v1/archives/{code}/checks", headers=auth(client, "auditor1")).json()
    assert check["properties"]["integrity"] and check["properties"]["authenticity"], check
    return dict(package)


def _rate_once(client: Any, citizen: dict[str, str], code: str, parts: list[dict[str, Any]]) -> None:
    for part in parts:  # a part is not rated on its own
        r = client.post("/api/v1/evaluations", headers=citizen, json={"case_no": part["case_no"], **RATING})
        refused(r, 409, "evaluation_rate_the_whole")
        assert r.json()["detail"] == {"subject_kind": "bundle", "subject_ref": code}
    r = client.post("/api/v1/evaluations", headers=citizen, json={"bundle_code": code, **RATING})
    assert r.status_code == 201, r.text
    assert (r.json()["subject_kind"], r.json()["subject_ref"]) == ("bundle", code)
    refused(client.post("/api/v1/evaluations", headers=citizen, json={"bundle_code": code, **RATING}), 409,
            "evaluation_already_rated")  # fmt: skip


def test_parts_finishing_in_any_order_end_as_one_result_one_package_one_rating(client: Any, env: Any) -> None:
    results = set()
    for order in [(0, 1, 2, 3), (3, 2, 1, 0), (2, 0, 3, 1)]:  # the pure property runs every permutation
        citizen, app = _apply(client, env)
        parts, code = app["parts"], app["code"]
        for i in order:
            refused(client.post("/api/v1/evaluations", headers=citizen, json={"bundle_code": code, **RATING}), 422,
                    "evaluation_not_finished")  # fmt: skip
            approve_part(client, parts[i]["case_no"], parts[i]["department_code"])
        view = _view(client, citizen, code)
        results.add(_result(view))
        assert view["rateable"] and not view["delivered"]
        assert len([d for d in view["documents"] if d["kind"] == "licence"]) == 4  # all licences listed together
        refused(client.get(f"/api/v1/archives/{code}", headers=auth(client, "hallmanager1")), 404, "archive_not_found")
        delivered = _deliver(client, code)  # one delivery choice for all four
        assert delivered["delivered"] and [p["status"] for p in delivered["parts"]] == ["delivered"] * 4
        told = [m["template"] for m in _bundle_messages(client, citizen, code)]
        assert sorted(told) == ["bundle.delivered", "bundle.finished.done"]  # one result notice, one delivery
        _package(client, code, parts)
        _rate_once(client, citizen, code, parts)
    assert len(results) == 1


def test_the_bundle_is_delivered_only_when_finished_and_by_window_staff(client: Any, env: Any) -> None:
    citizen, app = _apply(client, env)
    code = app["code"]
    r = client.post(f"/api/v1/bundle-applications/{code}/delivery", headers=auth(client, "clerk1"),
                    json={"mode": "electronic"})  # fmt: skip
    refused(r, 422, "bundle_not_finished")
    r = client.post(f"/api/v1/bundle-applications/{code}/delivery", headers=citizen, json={"mode": "electronic"})
    refused(r, 403, "bundle_deliver_forbidden")
    for part in app["parts"]:
        approve_part(client, part["case_no"], part["department_code"])
    r = client.post(f"/api/v1/bundle-applications/{code}/delivery", headers=auth(client, "clerk1"),
                    json={"mode": "post"})  # fmt: skip  (no tracking number and address: no part moves)
    assert r.status_code == 422 and "tracking_required" in r.text, r.text
    assert [p["status"] for p in _view(client, citizen, code)["parts"]] == ["approved"] * 4


def test_stop_rule_one_package_with_the_refused_and_withdrawn_parts_and_one_rating(client: Any, env: Any) -> None:
    _with_rule(env, "stop")
    citizen, app = _apply(client, env)
    parts, code = app["parts"], app["code"]
    approve_part(client, parts[0]["case_no"], "WJ")
    assert act(client, auth(client, "clerk1"), parts[1]["case_no"], "accept").status_code == 200
    assert act(client, auth(client, "approver_ga"), parts[1]["case_no"], "reject", note="不符").status_code == 200
    view = _view(client, citizen, code)
    assert view["status"] == "stopped" and view["rateable"]
    delivered = _deliver(client, code)
    assert [p["status"] for p in delivered["parts"]] == ["delivered", "rejected", "withdrawn", "withdrawn"]
    _package(client, code, parts)
    _rate_once(client, citizen, code, parts)


def test_continue_rule_a_partial_result_in_one_package_and_one_rating(client: Any, env: Any) -> None:
    citizen, app = _apply(client, env)
    parts, code = app["parts"], app["code"]
    assert act(client, auth(client, "clerk1"), parts[2]["case_no"], "refuse", note="已在外地参保").status_code == 200
    for i in (0, 1, 3):
        approve_part(client, parts[i]["case_no"], parts[i]["department_code"])
    delivered = _deliver(client, code)
    assert (delivered["status"], delivered["granted"], delivered["delivered"]) == ("partial", 3, True)
    assert [p["status"] for p in delivered["parts"]] == ["delivered", "delivered", "refused", "delivered"]
    _package(client, code, parts)
    _rate_once(client, citizen, code, parts)
