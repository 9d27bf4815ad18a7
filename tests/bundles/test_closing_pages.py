"""A bundle ends as one thing on the pages too (issue 15 item 3): the window delivers every part at once from the
bundle's status page, the applicant rates the bundle there once (never a part), and the one-time rating link a
bundle's invitation carries opens the rating page and records the bundle's rating."""

from __future__ import annotations

import re
from typing import Any

from smarthall.evaluation import linking
from tests.bundles.helpers import approve_part
from tests.bundles.test_api import _apply
from tests.bundles.test_pages import _browser
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, assert_refused_page
from tests.web.test_portal import ORIGIN


def _finished(client: Any, env: Any) -> tuple[dict[str, str], str, list[dict[str, Any]]]:
    citizen, app = _apply(client, env)
    for part in app["parts"]:
        approve_part(client, part["case_no"], part["department_code"])
    return citizen, app["code"], app["parts"]


def test_the_window_delivers_all_parts_and_the_applicant_rates_the_bundle_once_on_its_page(
    client: Any, env: Any
) -> None:
    citizen, code, parts = _finished(client, env)
    page = f"/bundles/applications/{code}"
    person = _browser(env, DEMO_CITIZEN_ID)
    shown = person.get(page).text
    assert 'data-testid="bundle-deliver-form"' not in shown  # the applicant does not deliver
    assert "待窗口一并送达" in shown and 'data-testid="bundle-rate-form"' in shown

    clerk = _browser(env, "clerk1")
    assert 'data-testid="bundle-deliver-form"' in clerk.get(page).text
    r = clerk.post(f"{page}/deliver", data={"mode": "electronic"}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == page, r.text[:300]
    view = client.get(f"/api/v1/bundle-applications/{code}", headers=citizen).json()
    assert view["delivered"] and {p["status"] for p in view["parts"]} == {"delivered"}
    again = clerk.get(page).text
    assert "已一并送达" in again and 'data-testid="bundle-deliver-form"' not in again

    r = person.post(f"{page}/rate", data={"level": "4", "comment": "一次办好"}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    shown = person.get(page).text
    assert 'data-testid="bundle-rated"' in shown and 'data-testid="bundle-rate-form"' not in shown
    twice = person.post(f"{page}/rate", data={"level": "5"}, headers=ORIGIN, follow_redirects=False)
    assert_refused_page(twice, 409, "evaluation_already_rated")  # one rating for the bundle
    manager = auth(client, "hallmanager1")
    ratings = client.get("/api/v1/evaluations", params={"hall_code": "H-690102"}, headers=manager)
    assert ratings.status_code == 200, ratings.text
    mine = [x for x in ratings.json() if x["subject_ref"] == code]
    assert [(x["subject_kind"], x["level"]) for x in mine] == [("bundle", 4)]
    for part in parts:  # no part carries a rating of its own
        assert not [x for x in ratings.json() if x["subject_ref"] == part["case_no"]]


def test_a_bad_delivery_choice_or_level_is_refused_in_words_and_changes_nothing(client: Any, env: Any) -> None:
    citizen, code, _ = _finished(client, env)
    page = f"/bundles/applications/{code}"
    clerk = _browser(env, "clerk1")
    r = clerk.post(f"{page}/deliver", data={"mode": "drone"}, headers=ORIGIN)
    assert_refused_page(r, 422, "validation_failed")
    assert "请选择送达方式" in r.text
    r = clerk.post(f"{page}/deliver", data={"mode": "post"}, headers=ORIGIN)  # no tracking number: no part moves
    assert_refused_page(r, 422, "case_action_invalid")
    person = _browser(env, DEMO_CITIZEN_ID)
    r = person.post(f"{page}/deliver", data={"mode": "electronic"}, headers=ORIGIN)
    assert_refused_page(r, 403, "bundle_deliver_forbidden")
    view = client.get(f"/api/v1/bundle-applications/{code}", headers=citizen).json()
    assert {p["status"] for p in view["parts"]} == {"approved"}
    r = person.post(f"{page}/rate", data={"level": "9"}, headers=ORIGIN)
    assert_refused_page(r, 422, "validation_failed")
    assert "满意度" in r.text


def test_the_rating_link_of_a_bundle_opens_the_rating_page_and_rates_the_bundle(client: Any, env: Any) -> None:
    _citizen, code, _ = _finished(client, env)
    with env.db.session() as session:
        link = linking.issue_link(session, env.settings, "bundle", code, now=env.clock.now())
        session.commit()
    token = re.search(r"token=([^&\s]+)", link.url).group(1)  # type: ignore[union-attr]
    page = client.get("/evaluation/rate", params={"token": token})
    assert page.status_code == 200, page.text[:300]
    r = client.post("/evaluation/rate", data={"token": token, "level": "5"}, headers=ORIGIN)
    assert r.status_code == 200, r.text[:300]
    manager = auth(client, "hallmanager1")
    ratings = client.get("/api/v1/evaluations", params={"hall_code": "H-690102"}, headers=manager).json()
    assert [(x["subject_kind"], x["level"]) for x in ratings if x["subject_ref"] == code] == [("bundle", 5)]
