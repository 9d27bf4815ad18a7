"""Errors of payments (problem+json codes, Chinese and English)."""

from __future__ import annotations

from smarthall.core.errors import BadRequest, Conflict, NotFound, ValidationFailed


class PaymentNotRequired(Conflict):
    code = "payment_not_required"
    message_zh = "该事项不收费,无需缴费"
    message_en = "The item carries no fee"


class OrderNotFound(NotFound):
    code = "payment_order_not_found"
    message_zh = "未找到该缴费订单"
    message_en = "No such payment order"


class UnknownProvider(NotFound):
    code = "payment_provider_unknown"
    message_zh = "未知的支付渠道"
    message_en = "Unknown payment provider"


class SignatureInvalid(BadRequest):
    code = "payment_signature_invalid"
    message_zh = "支付通知签名无效"
    message_en = "The payment notification's signature is not valid"


class NoticeStale(BadRequest):
    code = "payment_notice_replayed"
    message_zh = "支付通知已过期(疑似重放)"
    message_en = "The payment notification is too old (a replay)"


class NoticeInvalid(ValidationFailed):
    code = "payment_notice_invalid"
    message_zh = "支付通知内容有误"
    message_en = "The payment notification is malformed"


class AmountMismatch(ValidationFailed):
    code = "payment_amount_mismatch"
    message_zh = "支付金额与订单金额不符"
    message_en = "The amount paid differs from the order's"


class PaidOtherwise(Conflict):
    code = "payment_already_paid"
    message_zh = "该订单已由另一笔交易支付"
    message_en = "The order was paid by another transaction"


class NotRefundable(Conflict):
    code = "payment_not_refundable"
    message_zh = "只有已支付的订单可以退款"
    message_en = "Only a paid order can be refunded"


class OrderClosed(Conflict):
    code = "payment_order_closed"
    message_zh = "该订单已退款,不能再支付"
    message_en = "The order was refunded and cannot be paid again"


class DayAhead(ValidationFailed):
    code = "reconciliation_day_ahead"
    message_zh = "对账日期不能晚于今天"
    message_en = "The reconciliation day cannot be later than today"
