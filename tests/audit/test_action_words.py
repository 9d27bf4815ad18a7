"""The audit trail in words (issue 12): every action code the code base can write — read from the source by
``tests/audit/source_codes.py``, not listed by hand — has Chinese and English words in the catalog, as do its target
types, the tables the flush hook names and the outcomes; the audit page shows the words, never a raw code."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import text

import smarthall.all_models  # noqa: F401  (every model's table in the metadata)
from smarthall.audit import words
from smarthall.core.i18n import message
from smarthall.core.models import Base as ModelBase
from tests.audit.source_codes import TABLE, scan
from tests.conftest import auth
from tests.security.test_route_sweep import Records


def _words(key: str) -> tuple[str, str]:
    pair = message(key)
    assert pair is not None, f"no words for {key}"
    return pair


def test_every_action_code_the_code_base_can_write_has_words_in_both_languages():
    found = scan()
    assert not found.unresolved, "calls of audit record() the scan cannot follow:\n" + "\n".join(found.unresolved)
    assert len(found.actions) > 100 and {"write.insert", "queue.call", "assist.proxy.confirm"} <= found.actions
    missing = sorted(a for a in found.actions if not words.known(a))
    assert not missing, f"audit actions without words in audit/messages.toml: {missing}"
    for code in found.actions:
        if not code.startswith("write."):
            zh, en = _words(f"audit.action.{code}")
            assert zh != code and en != code and re.search(r"[\u4e00-\u9fff]", zh), code
    tables = set(ModelBase.metadata.tables)
    targets = (found.targets - {TABLE}) | (tables if TABLE in found.targets else set())
    assert "cases_case" in targets and "proxy_authorization" in targets
    missing = sorted(t for t in targets if message(f"audit.target.{t}") is None)
    assert not missing, f"audit targets without words: {missing}"
    missing = sorted(o for o in found.outcomes if message(f"audit.outcome.{o}") is None)
    assert not missing, f"audit outcomes without words: {missing}"


def test_a_write_reads_as_new_changed_or_deleted_and_the_table_name():
    assert words.action("write.insert", "cases_case", "zh") == "新增办件"
    assert words.action("write.update", "queue_ticket", "en") == "Changed ticket"
    assert words.action("write.delete", "assist_proxy_authorization", "zh") == "删除代办授权"
    assert words.action("no.such.code", None, "zh") == "其他操作"  # an old row of a removed code: no raw code


class _Cells(HTMLParser):
    """The visible text of the audit table's cells (attributes, where the codes are kept for tools, left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td":
            self._in = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.cells[-1] += data


def test_the_audit_page_shows_every_event_in_words_not_codes(env, client):
    Records(env, client)  # a case filed and accepted, a ticket, a booking, a proxy, a department system ...
    client.post("/api/v1/auth/token", data={"username": "clerk1", "password": "wrong-pass-1"})
    with env.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT DISTINCT action, target_type, outcome FROM audit_event")).all()
    codes = {r.action for r in rows} | {r.target_type for r in rows if r.target_type} | {r.outcome for r in rows}
    assert {"write.insert", "write.update", "auth.login", "apiclient.create"} <= {r.action for r in rows}
    auditor = auth(client, "auditor1")
    for lang, insert in (("zh", "新增"), ("en", "Created")):
        page = client.get(f"/audit?lang={lang}", headers=auditor)
        assert page.status_code == 200
        parser = _Cells()
        parser.feed(page.text)
        visible = " ".join(parser.cells)
        assert len(parser.cells) > 6 * 10 and insert in visible
        # in English a one-word code may be its own word ("hall"): there, codes with a dot or an underscore
        checked = codes if lang == "zh" else {c for c in codes if re.search(r"[._]", c)}
        shown = sorted(c for c in checked if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w.])", visible))
        assert not shown, f"raw codes on the audit page ({lang}): {shown}"
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|\b[a-z_]+\.[a-z_.]+\b", visible), lang
        assert 'data-code="write.insert"' in page.text  # the code stays in the markup for tools
