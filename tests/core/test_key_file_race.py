"""The master key file made on first start: web processes starting together on one data directory (``smarthall
serve --workers 2``, found following docs/deployment.md) raced to create it, and the one that lost died with
FileExistsError. The loser now reads the key the winner wrote, and both hold the same key."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from smarthall.core import crypto


def test_the_process_that_loses_the_race_reads_the_winners_key(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "master.key"
    path.parent.mkdir()
    winner = secrets.token_bytes(32)
    path.write_text(base64.b64encode(winner).decode())
    real_exists = Path.exists
    # the loser checked before the winner wrote: it saw no file
    monkeypatch.setattr(Path, "exists", lambda self: False if self == path else real_exists(self))
    assert crypto.load_or_create_key(None, None, path) == winner


def test_a_new_key_is_made_once_and_read_back(tmp_path):
    path = tmp_path / "master.key"
    first = crypto.load_or_create_key(None, path, tmp_path / "unused.key")
    assert len(first) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert crypto.load_or_create_key(None, path, tmp_path / "unused.key") == first
