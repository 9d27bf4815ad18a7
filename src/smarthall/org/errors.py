"""Org errors: a hall, region or calendar day that is not there, or a scope the actor does not manage."""

from smarthall.core.errors import Forbidden, NotFound, ValidationFailed


class HallNotFound(NotFound):
    code = "hall_not_found"
    message_zh = "未找到该大厅"
    message_en = "No such hall"


class UnknownScope(NotFound):
    code = "unknown_scope"
    message_zh = "没有这个地区或大厅"
    message_en = "There is no such region or hall"


class ScopeNotManaged(Forbidden):
    code = "out_of_scope"
    message_zh = "该地区或大厅不在您的管辖范围内"
    message_en = "This region or hall is outside your scope"


class CalendarOverrideNotFound(NotFound):
    code = "calendar_override_not_found"
    message_zh = "该范围在这一天没有调整记录"
    message_en = "This scope has no calendar override on that day"


class CalendarRangeInvalid(ValidationFailed):
    code = "calendar_range_invalid"
    message_zh = "日期范围有误(结束日期须不早于开始日期,且跨度不超过一年)"
    message_en = "The date range is not valid (the end must not precede the start, at most a year apart)"
