"""One-thing bundles (高效办成一件事, requirements §6.11): one form, one set of materials, one submission; the
platform files one case per item, run in parallel by the departments, and gives one combined result.

Modules: ``merge`` (pure: the merged form and materials, the combined state), ``service``, ``repository``,
``api`` and ``pages``. Cases are filed and read only through ``cases.service``.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire bundles: routers, the coordinator's home tile, and the in-transaction listener that recomputes a bundle
    when a part is decided."""
    from smarthall.bundles import closing, service
    from smarthall.bundles.api import router
    from smarthall.bundles.pages import router as pages
    from smarthall.web.nav import TILES_POINT, tile

    registry.api(router, priority=94)
    registry.pages(pages, priority=44)
    registry.on_write("case.finished", service.on_case_finished)
    # One package, one rating: a part case is archived and rated as its bundle.
    from smarthall.core import subjects

    subjects.register_whole("bundle", closing.whole_of_part)
    subjects.register_subject_resolver("bundle", closing.served_subject)
    subjects.register_archival_source(closing.archival_input, kind="bundle")

    registry.contribute(TILES_POINT, tile(service.COORDINATING, "/bundles/coordination", "bundle.tile.coordination"))
