"""Results and e-licences: signed PDF documents with a QR code, public verification, the e-licence wallet."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Licences contribute no routes of their own (cases serves documents); nothing to wire yet."""
