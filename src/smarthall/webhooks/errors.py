"""Errors of webhooks (problem+json codes, Chinese and English)."""

from __future__ import annotations

from smarthall.core.errors import Conflict, NotFound, ValidationFailed


class WebhookUrlRefused(ValidationFailed):
    code = "webhook_url_refused"
    message_zh = "推送地址必须是 http(s) 地址,不能指向本平台,也不能是链路本地(云元数据)等内部地址"
    message_en = "The URL must be http(s) and point neither at the platform nor at a link-local (metadata) address"


class UnknownEvent(ValidationFailed):
    code = "webhook_event_unknown"
    message_zh = "事件类型不存在"
    message_en = "Unknown event kind"


class SubscriptionNotFound(NotFound):
    code = "webhook_subscription_not_found"
    message_zh = "未找到该订阅"
    message_en = "No such subscription"


class DeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"
    message_zh = "未找到该推送记录"
    message_en = "No such delivery"


class ClientCannotReceive(Conflict):
    code = "webhook_scope_missing"
    message_zh = "该接入系统未获得“接收事件推送”权限"
    message_en = "The API client does not hold the events.receive scope"
