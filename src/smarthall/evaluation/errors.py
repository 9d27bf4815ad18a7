"""Evaluation errors."""

from __future__ import annotations

from smarthall.core.errors import Conflict, Forbidden, NotFound, RuleViolation


class SubjectNotFound(NotFound):
    code = "evaluation_subject_not_found"
    message_zh = "未找到该服务记录"
    message_en = "No such service to rate"


class NotFinished(RuleViolation):
    code = "evaluation_not_finished"
    message_zh = "服务尚未办结,暂不能评价"
    message_en = "The service is not finished yet"


class NotServed(Forbidden):
    code = "evaluation_not_served"
    message_zh = "只有被服务的本人才能评价"
    message_en = "Only the person served can rate this service"


class RateTheWhole(Conflict):
    code = "evaluation_rate_the_whole"
    message_zh = "该办件是“一件事”的一部分,请对整件事作一次评价"
    message_en = "This case is a part of a one-thing bundle: rate the bundle once instead"


class AlreadyRated(Conflict):
    code = "evaluation_already_rated"
    message_zh = "该服务已评价"
    message_en = "This service has already been rated"


class InvalidIndicators(RuleViolation):
    code = "evaluation_bad_indicators"
    message_zh = "评价指标不正确"
    message_en = "The indicator scores are not valid"


class LinkInvalid(Forbidden):
    code = "evaluation_link_invalid"
    message_zh = "评价链接无效或已过期"
    message_en = "The rating link is invalid or has expired"


class LinkUsed(Conflict):
    code = "evaluation_link_used"
    message_zh = "评价链接已使用"
    message_en = "The rating link has already been used"


class RectificationNotFound(NotFound):
    code = "rectification_not_found"
    message_zh = "未找到整改工单"
    message_en = "No such rectification work order"


class BadTransition(Conflict):
    code = "rectification_bad_transition"
    message_zh = "工单当前状态不允许此操作"
    message_en = "This action is not allowed in the work order's current state"


class LinkNotYours(Forbidden):
    code = "evaluation_link_not_yours"
    message_zh = "本设备只能为本窗口(区域)刚办结的服务生成评价码"
    message_en = "A device may mint a rating link only for a service its own window or zone has just finished"


class LinkAlreadyMinted(Conflict):
    code = "evaluation_link_already_minted"
    message_zh = "该服务的评价码已生成过"
    message_en = "A rating link was already minted for this service"
