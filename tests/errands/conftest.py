"""The counter tests' one opening (issue 15): a walk-in's kiosk ticket (with or without an ID number) called at W01
by clerk1, and the counter declaration form of it opened — ``at_counter(...)`` returns the ticket, the clerk, the
ticket's errand code and that form."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import auth
from tests.queueing.helpers import HALL, KIOSK, W01, sign_in


@dataclass(frozen=True)
class AtCounter:
    ticket_id: int
    clerk: dict[str, str]
    errand_code: str
    form: str  # the declaration page's HTML as first opened


def form_fields(text: str, **extra: str) -> dict[str, str]:
    """The counter form's fields as the page filled them (inputs, selected options), the licences ticked."""
    return {
        **dict(re.findall(r'name="(f_\w+)"[^>]*value="([^"]+)"', text)),
        **dict(re.findall(r'<select name="(f_\w+)".*?<option value="([^"]+)" selected>', text)),
        **dict.fromkeys(re.findall(r'name="(use_licence_[\w-]+)"', text), "on"),
        **extra,
    }


@pytest.fixture
def at_counter(client: Any) -> Callable[..., AtCounter]:
    def called(item: str = "SC-003", **ticket: Any) -> AtCounter:
        made = client.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": item, **ticket}, headers=KIOSK)
        assert made.status_code == 201, made.text
        clerk = auth(client, "clerk1")
        sign_in(client, clerk, W01)
        called = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
        assert called.status_code == 200, called.text
        ticket_id = int(made.json()["id"])
        page = client.get(f"/window/tickets/{ticket_id}/declare", headers=clerk)
        assert page.status_code == 200, page.text[:500]
        code = re.search(r'name="errand_code" value="(\w+)"', page.text).group(1)  # type: ignore[union-attr]
        return AtCounter(ticket_id, clerk, code, page.text)

    return called
