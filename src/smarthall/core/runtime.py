"""The process's runtime handles (settings, database, clock) for code that runs outside a request: background
tasks and periodic jobs. ``create_app`` configures it; tasks read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smarthall.core.clock import Clock
from smarthall.core.config import Settings
from smarthall.core.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    extras: dict[str, Any]


_runtime: Runtime | None = None


def configure(settings: Settings, db: Database, clock: Clock) -> Runtime:
    global _runtime
    _runtime = Runtime(settings, db, clock, {})
    return _runtime


def current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("runtime not configured: create the app first")
    return _runtime
