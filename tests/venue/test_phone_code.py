"""Annex B, identification by the citizen's phone: the phone shows a short-lived code (QR and letters) on
/me/kiosk-code, the kiosk reads or types it and the visit is the citizen's; an expired, altered or foreign code is
refused with what to do instead, and only a signed-in citizen has a code."""

from __future__ import annotations

import re
from typing import Any

from smarthall.venue import selfservice
from tests.cases.helpers import li_ming
from tests.conftest import auth
from tests.venue.test_self_service import HALL, kiosk

CODE = re.compile(r'data-testid="kiosk-code-text">([^<]+)<')


def _code(client: Any) -> str:
    page = client.get("/me/kiosk-code", headers=li_ming(client))
    assert page.status_code == 200, page.text[:500]
    assert 'data-testid="kiosk-code-qr"' in page.text and "<svg" in page.text and "北京时间" in page.text
    found = CODE.search(page.text)
    assert found is not None
    return found.group(1)


def test_the_phone_code_identifies_the_citizen_at_the_kiosk(env: Any, client: Any) -> None:
    code = _code(client)
    assert re.fullmatch(r"[2-9A-Z]{1,8}-[2-9A-Z]{2}-[2-9A-Z]{7}", code), code
    with kiosk(env) as k:
        assert k.get(f"/kiosk/{HALL}/self").status_code == 200
        typed = " ".join(code.lower())  # typed by hand: lower case and spaces are forgiven
        done = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "qr", "token": typed})
        assert done.status_code == 200 and 'data-testid="self-item"' in done.text, done.text[-800:]


def test_an_expired_altered_or_foreign_code_is_refused(env: Any, client: Any) -> None:
    code = _code(client)
    head, slot, signature = code.split("-")
    altered = f"{head}-{slot}-{signature[:-1]}{'2' if signature[-1] != '2' else '3'}"
    other_citizen = f"{'Z' + head}-{slot}-{signature}"
    with kiosk(env) as k:
        assert k.get(f"/kiosk/{HALL}/self").status_code == 200
        for bad in (altered, other_citizen, "3K-7F", "not a code", code + "-X"):
            refused = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "qr", "token": bad})
            assert refused.status_code == 400 and 'data-testid="self-error"' in refused.text, bad
            assert 'data-testid="via-card"' in refused.text  # the other ways are still offered
        env.clock.advance(minutes=4)
        assert k.get(f"/kiosk/{HALL}/self").status_code == 200  # a new visit (the idle one has timed out)
        expired = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "qr", "token": code})
        assert expired.status_code == 400 and "已过期" in expired.text
        fresh = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "qr", "token": _code(client)})
        assert 'data-testid="self-item"' in fresh.text


def test_codes_are_short_lived_by_the_minute() -> None:
    from datetime import UTC, datetime, timedelta

    made = datetime(2026, 11, 30, 9, 0, 30, tzinfo=UTC)
    code = selfservice.phone_qr_token("s3cret", 12345, now=made)
    assert selfservice.read_phone_code("s3cret", code, now=made) == 12345
    assert selfservice.read_phone_code("s3cret", code, now=made + timedelta(seconds=119)) == 12345
    assert selfservice.read_phone_code("s3cret", code, now=made + timedelta(seconds=200)) is None
    assert selfservice.read_phone_code("other-secret", code, now=made) is None
    # and still none days later, when the slot letters come round again
    assert all(
        selfservice.read_phone_code("s3cret", code, now=made + timedelta(minutes=m)) is None
        for m in range(3, 31 * 31 * 3, 7)
    )


def test_only_a_signed_in_citizen_has_a_code(client: Any) -> None:
    anonymous = client.get("/me/kiosk-code", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    staff = client.get("/me/kiosk-code", headers=auth(client, "clerk1"))
    assert staff.status_code == 403 and 'data-code="citizen_only"' in staff.text
