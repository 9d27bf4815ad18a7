"""An app factory for server processes started by tests: settings from the environment, the tests' frozen clock."""

from __future__ import annotations

from typing import Any

from smarthall.core.clock import FrozenClock
from smarthall.core.config import Settings
from tests.conftest import DEFAULT_NOW


def create() -> Any:
    from smarthall.main import create_app

    return create_app(Settings(), clock=FrozenClock(DEFAULT_NOW))
