"""Appointment errors."""

from smarthall.core.errors import Conflict, Forbidden, NotFound, RuleViolation, ValidationFailed


class SlotNotFound(NotFound):
    code = "slot_not_found"
    message_zh = "未找到该预约时段"
    message_en = "No such appointment slot"


class SlotFull(Conflict):
    code = "slot_full"
    message_zh = "该时段已约满"
    message_en = "This slot is fully booked"


class SlotClosed(Conflict):
    code = "slot_closed"
    message_zh = "该时段已过或已截止预约"
    message_en = "This slot is in the past or past its booking cut-off"


class AlreadyBooked(Conflict):
    code = "already_booked"
    message_zh = "您当天已预约该事项"
    message_en = "You already hold a booking for this item on that day"


class ItemNotBookable(ValidationFailed):
    code = "item_not_bookable"
    message_zh = "该事项在本大厅不提供预约"
    message_en = "This item cannot be booked at this hall"


class CreditBlocked(RuleViolation):
    code = "credit_blocked"
    message_zh = "因多次爽约或取消,暂停预约资格"
    message_en = "Booking is suspended after repeated no-shows or cancellations"


class BookingNotFound(NotFound):
    code = "booking_not_found"
    message_zh = "未找到该预约"
    message_en = "No such booking"


class BookingState(Conflict):
    code = "booking_state"
    message_zh = "预约当前状态不允许此操作"
    message_en = "The booking's current state does not allow this"


class NotYourBooking(Forbidden):
    code = "not_your_booking"
    message_zh = "这不是您的预约"
    message_en = "This booking is not yours"


class CheckInWindow(Conflict):
    code = "check_in_not_open"
    message_zh = "尚未到签到时间,或预约不在本大厅今天"
    message_en = "Check-in is not open for this booking here and now"


class TooManyBookings(Conflict):
    code = "too_many_bookings"
    message_zh = "您未到期的预约已达上限,请先办理或取消已有预约"
    message_en = "You hold the most live bookings allowed; use or cancel one first"
