"""The data-sharing ledger through the HTTP API: every lookup in another department's data (prefill, verification
of a case) is recorded with purpose, requester, legal basis, case and fields; the citizen sees the lookups about
them and nobody else's; a case's lookups are read in the case's scope."""

from __future__ import annotations

from tests.cases.helpers import li_ming, prefilled, sc003
from tests.conftest import auth
from tests.factories import assert_problem, make_staff, register_citizen
from tests.queueing.helpers import problem


def test_lookups_are_ledgered_and_shown_to_their_citizen(env, client):
    citizen = li_ming(client)
    assert client.get("/api/v1/me/data-lookups", headers=citizen).json() == []
    prefilled(client, citizen, "SC-003")  # the form asks 税务 and 市场监管 for the clearance and listings
    rows = client.get("/api/v1/me/data-lookups", headers=citizen).json()
    assert rows, "prefill looked up shared data"
    assert all(
        r["purpose"] == "prefill" and r["case_no"] is None and r["requester"].startswith("citizen:") for r in rows
    )
    assert all("国发〔2016〕51号" in r["legal_basis"] and r["fields"] for r in rows)

    case_no = sc003(client, citizen)["case_no"]
    rows = client.get("/api/v1/me/data-lookups", headers=citizen).json()
    verified = [r for r in rows if r["case_no"] == case_no]
    assert verified and all(r["purpose"] == "verification" for r in verified)
    assert "690102199003071232" not in str(rows)  # never the subject in clear

    # the case's lookups: its applicant and staff in scope; another hall's staff is refused
    by_case = client.get(f"/api/v1/cases/{case_no}/data-lookups", headers=auth(client, "clerk1"))
    assert by_case.status_code == 200 and len(by_case.json()) == len(verified)
    make_staff(env, username="farclerk2", role="clerk", hall_code="H-690200")
    assert_problem(
        client.get(f"/api/v1/cases/{case_no}/data-lookups", headers=auth(client, "farclerk2")), 403, "out_of_scope"
    )

    # another citizen sees none of it; staff have no "my lookups"
    _, other = register_citizen(client)
    assert client.get("/api/v1/me/data-lookups", headers=other).json() == []
    assert_problem(client.get(f"/api/v1/cases/{case_no}/data-lookups", headers=other), 404, "case_not_found")
    problem(client.get("/api/v1/me/data-lookups", headers=auth(client, "clerk1")), 403, "ledger_citizens_only")

    page = client.get("/me/data-lookups", headers=citizen)
    assert page.status_code == 200 and "申报表预填" in page.text and "办件审查核验" in page.text
