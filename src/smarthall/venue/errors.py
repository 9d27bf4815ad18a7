"""Venue errors with stable codes (problem+json, zh and en)."""

from __future__ import annotations

from smarthall.core.errors import Conflict, Forbidden, HallError, NotFound, ValidationFailed


class DeviceNotFound(NotFound):
    code = "device_not_found"
    message_zh = "设备不存在"
    message_en = "Device not found"


class DeviceExists(Conflict):
    code = "device_exists"
    message_zh = "设备编号已被使用"
    message_en = "This device code is already registered"


class PairingCodeInvalid(HallError):
    status = 422  # a well-formed code that names no pairing, as an unknown hall code is 422
    code = "pairing_code_invalid"
    title = "Pairing code invalid"
    message_zh = "配对码无效,请向大厅管理员重新获取"
    message_en = "The pairing code is not valid; ask the hall manager for a new one"


class PairingCodeUsed(Conflict):
    code = "pairing_code_used"
    message_zh = "配对码已使用过,每个配对码只能使用一次"
    message_en = "This pairing code has already been used; each code works once"


class PairingCodeExpired(HallError):
    status = 410
    code = "pairing_code_expired"
    title = "Pairing code expired"
    message_zh = "配对码已过期,请向大厅管理员重新获取"
    message_en = "The pairing code has expired; ask the hall manager for a new one"


class DeviceRevoked(Forbidden):
    code = "device_revoked"
    message_zh = "该设备已被注销,请重新配对"
    message_en = "This device has been revoked; pair it again"


class NotADevice(HallError):
    status = 401
    code = "device_only"
    title = "Device required"
    message_zh = "只有已配对的设备可以上报"
    message_en = "Only a paired device can report"


class FaultNotFound(NotFound):
    code = "fault_not_found"
    message_zh = "故障工单不存在"
    message_en = "Fault ticket not found"


class FaultClosed(Conflict):
    code = "fault_closed"
    message_zh = "故障工单已关闭"
    message_en = "This fault ticket is already closed"


class LockerFull(Conflict):
    code = "locker_full"
    message_zh = "智能柜没有空格口,请改为窗口领取"
    message_en = "The locker has no free compartment; hand the result over at a window"


class LockerCodeWrong(HallError):
    status = 400
    code = "locker_code_wrong"
    title = "Wrong pickup code"
    message_zh = "取件码不正确"
    message_en = "The pickup code is not correct"


class LockerLocked(HallError):
    status = 423
    code = "locker_locked"
    title = "Locked"
    message_zh = "取件码输错次数过多,格口已锁定,请到窗口领取"
    message_en = "Too many wrong pickup codes; the compartment is locked — collect the result at a window"


class VenueInvalid(ValidationFailed):
    code = "venue_invalid"


class ScanNotAnImage(ValidationFailed):
    code = "scan_not_an_image"
    message_zh = "未收到可识别的图像,请重新对准摄像头,或改用扫码口、手动输入"
    message_en = "No readable image arrived; hold it to the camera again, or use the scanner or type the code"
