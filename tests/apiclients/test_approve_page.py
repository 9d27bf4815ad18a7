"""The approve button of the API clients page (issue 12): offered only to whom the four-eyes rule lets approve —
another administrator or a hall manager in scope, never who registered the client — by the same function
(``apiclients.service.may_approve``) that ``approve`` applies; a clerk is refused the page with a code."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import assert_refused_page, make_staff

HALL = "H-690102"
PAGE = "/admin/api-clients"


def _login(client: Any, username: str) -> None:
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": "smarthall-demo", "next": "/"})
    assert r.status_code in (200, 303), r.text[:300]


def _register(client: Any, scopes: list[str]) -> int:
    body = {"name": "不动产登记系统", "hall_code": HALL, "scopes": scopes, "department_codes": ["SC"]}
    made = client.post("/api/v1/api-clients", json=body, headers=auth(client, "admin1"))
    assert made.status_code == 201, made.text
    return int(made.json()["client"]["id"])


def test_only_a_second_person_sees_the_approve_button(env, client):
    make_staff(env, username="admin2", role="admin", hall_code=HALL)
    sensitive, plain = _register(client, ["cases.act"]), _register(client, ["catalog.read"])

    _login(client, "admin1")  # the registrant: the client waits, but not for them
    page = client.get(PAGE)
    assert page.status_code == 200
    assert f'data-testid="awaiting-{sensitive}"' in page.text
    assert f'data-testid="approve-{sensitive}"' not in page.text
    refused = client.post(f"{PAGE}/{sensitive}/approve", headers={"Origin": "http://testserver"})
    assert_refused_page(refused, 403, "api_client_four_eyes")  # and the form, sent anyway, is refused

    _login(client, "admin2")
    page = client.get(PAGE)
    assert f'data-testid="approve-{sensitive}"' in page.text
    assert f'data-testid="approve-{plain}"' not in page.text  # nothing to approve: no four eyes on it
    done = client.post(f"{PAGE}/{sensitive}/approve", headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert done.status_code == 303, done.text[:300]
    page = client.get(PAGE)
    assert f'data-testid="approve-{sensitive}"' not in page.text and "admin2" in page.text

    _login(client, "hallmanager1")  # after the approval there is nothing left for a third person either
    assert f'data-testid="approve-{sensitive}"' not in client.get(PAGE).text


def test_a_hall_manager_in_scope_sees_it_and_a_clerk_is_refused(env, client):
    sensitive = _register(client, ["personal.read"])
    _login(client, "hallmanager1")
    assert f'data-testid="approve-{sensitive}"' in client.get(PAGE).text
    _login(client, "clerk1")
    assert_refused_page(client.get(PAGE), 403, "forbidden_role")
    refused = client.post(f"{PAGE}/{sensitive}/approve", headers={"Origin": "http://testserver"})
    assert_refused_page(refused, 403, "forbidden_role")
