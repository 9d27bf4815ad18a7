"""The errand (一件一码): one code from the first touch to the archive and the rating, and the page of its thread.

Modules: ``service`` (joining records to errands, reading the thread), ``repository`` (every query, scoped),
``api`` and ``pages``. Other domains emit their facts (``core.events``); the errand joins them in the same
transaction.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire errands: routers, the home tile, and the in-transaction listeners that join each new record."""
    from smarthall.cases import contracts
    from smarthall.errands import service
    from smarthall.errands.api import router
    from smarthall.errands.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=95)
    registry.pages(pages, priority=45)
    registry.contribute(nav.TILES_POINT, nav.tile("case.read", "/errands", "errands.tile"))
    registry.on_write("question.routed", service.on_question_routed)
    registry.on_write("booking.created", service.on_booking_created)
    registry.on_write("ticket.issued", service.on_ticket_issued)
    registry.on_write("case.submitted", service.on_case_submitted)
    registry.on_write("archive.built", service.on_archive_built)
    registry.on_write("rating.created", service.on_rating_created)
    registry.contribute(contracts.THREAD, service.archival_thread)
