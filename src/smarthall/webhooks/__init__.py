"""Webhooks (事件推送, requirements §11.1): API clients subscribe to event kinds; deliveries leave from an outbox,
signed with HMAC-SHA256, retried with back-off and jitter, logged, replayable, paused with an alert after repeated
failures."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire webhooks: the router, one outbox recorder per event kind, the relay task and its periodic retry."""
    from huey import crontab

    from smarthall.web import nav
    from smarthall.webhooks import policy, service, tasks
    from smarthall.webhooks.api import router
    from smarthall.webhooks.pages import router as pages

    registry.api(router, priority=95)
    registry.pages(pages, priority=60)
    registry.contribute(nav.TILES_POINT, nav.tile("webhook.operate", "/admin/webhooks", "tile.webhooks"))
    registry.cache(service.CACHE, "webhook_subscription", "apiclient_client")
    for name in policy.EVENTS:
        registry.on_write(name, tasks.recorder(name))
    registry.task(tasks.relay)
    registry.periodic(tasks.relay_periodic, crontab(minute="*"))
