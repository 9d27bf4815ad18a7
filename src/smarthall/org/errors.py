"""Org errors."""

from smarthall.catalog.errors import HallNotFound  # noqa: F401 - re-exported for the org domain
