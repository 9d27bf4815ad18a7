"""The service catalog (事项目录): service items (事项) with materials (申请材料), form fields (表单), instant-approval
rules (秒批规则), keywords, one-thing bundles (一件事) and FAQ (常见问题).

Items are defined once at province level and inherited by every hall whose level is in the item's ``counters``;
a hall may switch an item off (or on) locally and set its own promised limit, fee note and serving windows
(``catalog_hall_item_override``, versioned; ``catalog.overrides``). Each change of an item's content makes a
new ``catalog_item_version`` row, so a case can always show the form and rules it was filed under.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire the catalog: the router, the catalog pages and their tile, and the cached item facts (which hold the
    hall's item settings and the windows serving each item)."""
    from smarthall.catalog import names, service
    from smarthall.catalog.api import router
    from smarthall.catalog.pages import router as pages
    from smarthall.web import nav, templating

    registry.api(router, priority=40)
    registry.pages(pages, priority=40)
    registry.contribute(nav.TILES_POINT, nav.tile("catalog.browse", "/admin/catalog", "tile.catalog"))
    registry.cache(names.NAMES_EN, *names.TABLES)
    registry.provide(templating.NAMES_EN_POINT, names.english_names)  # pages read in English show these names
    registry.cache(
        service.FACTS, "catalog_item", "catalog_hall_item_override", "org_hall", "org_window", "org_window_item"
    )
