"""Consultation and guidance (智能咨询引导): knowledge base, question answering, guidance cards."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire consultation: its routers and the role home tiles; in a process wired with settings that wants dense
    retrieval, the model is loaded in the background (the first question is then not slow)."""
    from smarthall.consult.api import router
    from smarthall.consult.knowledge import FACTS, KB
    from smarthall.consult.pages import TILES
    from smarthall.consult.pages import router as pages
    from smarthall.web import nav

    registry.api(router, priority=100)
    registry.pages(pages, priority=50)
    registry.cache(KB, "consult_entry")
    registry.cache(FACTS, "org_hall", "catalog_item")
    for tile in TILES:
        nav.register(tile)
    settings = registry.settings
    if settings is not None and getattr(settings, "dense_retrieval", True):
        import threading

        from smarthall.consult import dense

        if dense.dense_available() and not dense.loaded():
            threading.Thread(target=dense.shared_encoder, name="dense-model-warm-up", daemon=True).start()
