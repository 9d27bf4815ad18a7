"""Queueing errors (stable codes, Chinese and English messages)."""

from smarthall.core.errors import Conflict, Forbidden, NotFound, RuleViolation, ValidationFailed


class HallClosed(Conflict):
    code = "hall_closed"
    message_zh = "大厅当前不在办公时间,暂停取号"
    message_en = "The hall is closed; tickets cannot be issued now"


class ItemNotServed(ValidationFailed):
    code = "item_not_served"
    message_zh = "本大厅不办理该事项"
    message_en = "This hall does not handle that item"


class IdempotencyMismatch(Conflict):
    code = "idempotency_key_reused"
    message_zh = "该幂等键已用于另一请求"
    message_en = "This Idempotency-Key was used with a different request"


class TicketNotFound(NotFound):
    code = "ticket_not_found"
    message_zh = "未找到该号票"
    message_en = "No such ticket"


class WindowNotFound(NotFound):
    code = "window_not_found"
    message_zh = "未找到该窗口"
    message_en = "No such window"


class NotYourWindow(Forbidden):
    code = "not_your_window"
    message_zh = "您不能在该窗口签到或操作"
    message_en = "You may not act at this window"


class NotSignedIn(Forbidden):
    code = "not_signed_in"
    message_zh = "您未在该窗口签到"
    message_en = "You are not signed in at this window"


class WindowTaken(Conflict):
    code = "window_taken"
    message_zh = "该窗口已有其他工作人员签到"
    message_en = "Another staff member is signed in at this window"


class WindowPaused(Conflict):
    code = "window_paused"
    message_zh = "窗口已暂停叫号"
    message_en = "The window is paused"


class WindowBusy(Conflict):
    code = "window_busy"
    message_zh = "请先办结或过号当前号票"
    message_en = "Finish or skip the current ticket first"


class NotYourTicket(Forbidden):
    code = "not_your_ticket"
    message_zh = "该号票不是由您叫号办理的"
    message_en = "This ticket is not being served by you"


class TicketState(Conflict):
    code = "ticket_state"
    message_zh = "号票当前状态不允许此操作"
    message_en = "The ticket's current state does not allow this"


class RequeueUsed(RuleViolation):
    code = "requeue_used"
    message_zh = "过号后只能重新排队一次"
    message_en = "A skipped ticket may be re-queued only once"


class InvalidIdentity(ValidationFailed):
    code = "invalid_identity"


class RemoteTicketLimit(Conflict):
    code = "remote_ticket_limit"
    message_zh = "您在该队列已有未办结的远程取号,请办结或取消后再取"
    message_en = "You already hold a live remote ticket in this queue"
