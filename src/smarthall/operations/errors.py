"""Operations errors (stable codes, Chinese and English messages)."""

from smarthall.core.errors import Conflict, ValidationFailed


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
