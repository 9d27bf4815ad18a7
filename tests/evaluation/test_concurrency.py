"""Parallel submissions of the same rating or the same link token: exactly one wins, the rest get 409."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from smarthall.evaluation.models import Rating
from tests.conftest import DEMO_PASSWORD
from tests.factories import DEMO_CITIZEN_ID


def _post_many(url: str, body: dict, headers: dict, n: int = 6) -> list[int]:
    def one(_: int) -> int:
        return httpx.post(f"{url}/api/v1/evaluations", json=body, headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        return sorted(pool.map(one, range(n)))


def test_parallel_duplicate_ratings_and_link_reuse(env, live_server, services):
    services.add("ticket", "801")
    token = httpx.post(
        f"{live_server}/api/v1/auth/token", data={"username": DEMO_CITIZEN_ID, "password": DEMO_PASSWORD}
    ).json()["access_token"]
    codes = _post_many(
        live_server, {"ticket_id": 801, "level": 5, "channel": "web"}, {"Authorization": f"Bearer {token}"}
    )
    assert codes == [201] + [409] * 5

    services.add("ticket", "802", citizen_id=None)
    clerk = httpx.post(
        f"{live_server}/api/v1/auth/token", data={"username": "clerk1", "password": DEMO_PASSWORD}
    ).json()["access_token"]
    link = httpx.post(
        f"{live_server}/api/v1/evaluations/links", json={"ticket_id": 802}, headers={"Authorization": f"Bearer {clerk}"}
    ).json()
    codes = _post_many(live_server, {"ticket_id": 802, "level": 4, "channel": "qr", "token": link["token"]}, {})
    assert codes == [201] + [409] * 5
    with env.db.unit_of_work(write=False) as session:
        assert session.execute(select(func.count()).select_from(Rating)).scalar_one() == 2
