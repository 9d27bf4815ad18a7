"""Business coordination (业务协同): the data-sharing ledger (共享调用台账).

Modules: ``ledger`` (the ledgered adapter wrapping whichever data-sharing adapter cases provides), ``service``,
``repository``, ``api`` and ``pages``. One-thing bundles (issue 15 item 3) are to live here too.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire coordination: routers, and the ledger around the data-sharing adapter (registered after cases)."""
    from smarthall.cases import sharing
    from smarthall.coordination.api import router
    from smarthall.coordination.ledger import Ledgered
    from smarthall.coordination.pages import router as pages

    registry.api(router, priority=96)
    registry.pages(pages, priority=46)
    try:
        inner = registry.provided(sharing.POINT)
    except LookupError:
        return  # no data-sharing adapter wired: nothing to ledger
    if not isinstance(inner, Ledgered):
        registry.provide(sharing.POINT, Ledgered(inner))
