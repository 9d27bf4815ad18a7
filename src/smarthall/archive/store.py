"""Where packages live on disk, and the platform's document signer that seals and verifies them."""

from __future__ import annotations

import re
from pathlib import Path

from smarthall.archive.errors import PackageNotFound
from smarthall.core.config import Settings
from smarthall.core.crypto import Signer, load_or_create_key

_CASE_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


def store_root(settings: Settings) -> Path:
    return settings.data_dir / "archive"


def package_dir(settings: Settings, case_no: str) -> Path:
    if not _CASE_NO.match(case_no):
        raise PackageNotFound()
    return store_root(settings) / case_no


_signers: dict[str, Signer] = {}


def signer_for(settings: Settings) -> Signer:
    """The platform's document signer (same derivation as ``core.crypto.setup_security``)."""
    key = f"{settings.field_key}|{settings.field_key_file}|{settings.data_dir}"
    if key not in _signers:
        master = load_or_create_key(
            settings.field_key, settings.field_key_file, settings.data_dir / "keys" / "master.key"
        )
        _signers[key] = Signer.from_master(master)
    return _signers[key]
