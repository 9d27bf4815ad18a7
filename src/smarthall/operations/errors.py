"""Operations errors (stable codes, Chinese and English messages).

Operations errors (problem+json with a stable code, zh and en).
"""

from __future__ import annotations

from smarthall.core.errors import BadRequest, Conflict, Forbidden, ValidationFailed


class NotEnoughHistory(ValidationFailed):
    code = "not_enough_history"
    message_zh = "该大厅的取号历史不足,暂无法预测:至少需要 {need} 个有取号记录的办公日,目前只有 {have} 个"
    message_en = "Not enough history to forecast this hall: {need} open days with tickets are needed, {have} recorded"


class RangeTooLong(ValidationFailed):
    code = "range_over_limit"
    message_zh = "查询范围超出上限"
    message_en = "The requested range is over the limit"


class UnknownAction(ValidationFailed):
    code = "unknown_dispatch_action"
    message_zh = "无法执行该调度操作"
    message_en = "This dispatch action cannot be done"


class WindowChanged(Conflict):
    code = "window_changed"
    message_zh = "该窗口的状态刚刚已被他人更改,请刷新后再试"
    message_en = "The window was changed meanwhile; refresh and try again"


class BadLevel(BadRequest):
    code = "facts_bad_level"
    message_zh = "统计层级应为 province、city、county 或 hall,且与代码相符"
    message_en = "The level must be province, city, county or hall, and match the code"


class BadRange(BadRequest):
    code = "facts_bad_range"
    message_zh = "日期范围无效:起始日不能晚于结束日,且最多 400 天"
    message_en = "Invalid date range: from must not be after to, and at most 400 days"


class BadGroup(BadRequest):
    code = "facts_bad_group"
    message_zh = "不支持的分组维度"
    message_en = "Unsupported group_by dimension"


class NotAManager(Forbidden):
    code = "operations_not_manager"
    message_zh = "只有大厅主任、管理员和审计员可以查看运营数据"
    message_en = "Only hall managers, administrators and auditors see operations data"


class RosterInvalid(ValidationFailed):
    code = "roster_invalid"
    message_zh = "排班无效:请检查人员、窗口、时段(开始早于结束,同一人时段不重叠)和可办理的队列"
    message_en = "Invalid roster: check the staff, windows, times (start before end, no overlap per person) and queues"


class RosterChanged(Conflict):
    code = "roster_changed"
    message_zh = "这一天的排班刚刚已被他人修改,请刷新后再保存"
    message_en = "The roster of this day was changed meanwhile; refresh and save again"
