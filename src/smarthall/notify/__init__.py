"""Notifications (消息通知): an outbox of messages to citizens and staff, delivered by channels.

Every message is written to ``notify_message`` in the same transaction as the fact it reports (so a rolled-back
action sends nothing), then delivered after commit by the configured channels. The built-in channels are ``log``
(writes a masked line) and ``inbox`` (the message stays readable in the recipient's in-app inbox); real SMS and
e-mail gateways plug in as further ``Channel`` implementations.
"""

from __future__ import annotations

from smarthall.core.registry import Registry


def register(registry: Registry) -> None:
    """Wire notifications: the inbox router and the log channel (SMS and e-mail gateways contribute theirs)."""
    from smarthall.notify import service
    from smarthall.notify.api import router

    registry.api(router, priority=70)
    registry.contribute(service.CHANNELS, service.LogChannel())
    settings = registry.settings
    if settings is not None and settings.sms_gateway_url:
        from smarthall.notify import sms_http

        registry.api(sms_http.router, priority=70)
        channel = sms_http.HttpSmsChannel(
            settings.sms_gateway_url, settings.sms_gateway_key or "", settings.sms_gateway_timeout_seconds
        )
        registry.contribute(service.CHANNELS, channel)
