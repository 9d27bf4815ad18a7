"""Cases (办件): smart declaration, pre-check and acceptance, approval and instant approval, time limits.

Modules: ``service`` (the use cases), ``repository`` (every query), ``prefill`` (resolvers, item form, drafts),
``precheck`` (materials, rule inputs, findings), ``workflow`` (the state table) with ``actions`` (one effect per
action), ``flows`` (documents, wallet, messages across domains), ``notices`` (the words), ``limits`` and
``deadlines`` (time limits), ``jobs`` (the warning job), ``contracts`` (served subject, archival input),
``sharing`` (the data-sharing adapter), ``demo`` (demo records and the demo entity registry).
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire cases: routers, home tiles, the warning job (every 30 minutes), the prefill sources, the data-sharing
    adapter and entity registry (the demo ones), the served-subject and archival contracts, the calendar cache."""
    from huey import crontab

    from smarthall.cases import contracts, demo, flows, limits, prefill, sharing, tasks
    from smarthall.cases.api import router
    from smarthall.cases.pages import router as pages
    from smarthall.cases.viewer_pages import router as viewer_pages
    from smarthall.core.i18n import translate
    from smarthall.core.subjects import register_archival_source, register_subject_resolver
    from smarthall.web import nav

    registry.api(router, priority=120)
    registry.pages(pages, priority=70)
    registry.pages(viewer_pages, priority=69)
    registry.periodic(tasks.run_warnings, crontab(minute="*/30"))
    registry.cache(limits.CALENDARS, "org_calendar_override", "org_hall")
    for source in prefill.SOURCES:
        registry.contribute(prefill.POINT, source)
    registry.provide(sharing.POINT, sharing.DemoSharing())
    registry.provide(flows.ENTITY_REGISTRY, demo.DemoEntityRegistry())
    register_subject_resolver("case", contracts.served_subject)
    register_archival_source(contracts.archival_input)
    for permission, title, note in (
        ("case.accept", "case.page.acceptance_queue", "case.tile.acceptance_note"),
        ("case.approve", "case.page.work_list", "case.tile.work_list_note"),
    ):
        words = (translate(title, "zh"), translate(title, "en"), translate(note, "zh"), translate(note, "en"))
        nav.register(nav.Tile(permission, "/staff/cases", *words))
