"""Payment (缴费, requirements §11.1 item 4) behind a small provider interface: an order for the fee an item
carries, a cashier page and a signed callback from the provider, paid status on the case, refunds.

The built-in provider is ``demo`` (a cashier page inside the platform, HMAC-signed notifications); a real one
(a bank or a payment platform) implements ``provider.PaymentProvider``. Reported on /healthz."""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire payments: the JSON API (orders, the provider callback, refunds) and the demo cashier page."""
    from smarthall.payments.api import router
    from smarthall.payments.pages import router as pages

    registry.api(router, priority=90)
    registry.pages(pages, priority=60)
