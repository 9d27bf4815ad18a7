"""Errand errors with stable codes."""

from __future__ import annotations

from smarthall.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class ErrandNotFound(NotFound):
    code = "errand_not_found"
    message_zh = "事项办理记录（一件一码）不存在"
    message_en = "Errand not found"


class ErrandNotYours(ValidationFailed):
    code = "errand_mismatch"
    message_zh = "该办事编码属于其他申请人、其他大厅或其他事项"
    message_en = "This errand code belongs to another applicant, hall or item"


class RoleCannotReadErrands(Forbidden):
    code = "errand_forbidden"
    message_zh = "您的角色无权查看办事记录"
    message_en = "Your role may not read errands"


class TicketAtAnotherWindow(Forbidden):
    code = "ticket_other_window"
    message_zh = "该号不在您的窗口办理"
    message_en = "This ticket is not being served at your window"


class WindowPadsOnly(Forbidden):
    code = "pad_only"
    message_zh = "仅限窗口评价器确认申报"
    message_en = "Only a window pad confirms a declaration"


class DeclarationNotAtPad(NotFound):
    code = "declaration_not_found"
    message_zh = "本窗口当前没有待确认的代录申报"
    message_en = "No counter declaration is waiting at this window"


class DeclarationConfirmed(Conflict):
    code = "declaration_confirmed"
    message_zh = "该申报已由申请人确认"
    message_en = "The applicant has confirmed this declaration already"


class DeclarationUnconfirmed(Conflict):
    code = "declaration_unconfirmed"
    message_zh = "申请人尚未在窗口评价器上确认,暂不能打印回执"
    message_en = "The applicant has not confirmed on the window pad yet: no receipt"


class CardUnreadable(ValidationFailed):
    code = "id_card_unreadable"
    message_zh = "未能读取身份证,请将身份证重新放在读卡器上,或核对原件"
    message_en = "The ID card could not be read: place it on the reader again, or check the original"


class CardNotTicketHolder(ValidationFailed):
    code = "id_card_not_ticket_holder"
    message_zh = "所读身份证与取号人不符,请核对是否本人办理"
    message_en = "The ID card read is not the ticket holder's: check that the person is the applicant"


class CardNotRegistered(ValidationFailed):
    code = "id_card_not_registered"
    message_zh = "读取的身份证号尚未在平台登记,请先为其登记后再申报"
    message_en = "The ID number read is not registered on the platform: register the person first"


class StagedUploadGone(ValidationFailed):
    code = "counter_upload_gone"
    message_zh = "上次提交时暂存的材料已过期或不属于本号,请重新上传"
    message_en = "The file kept from the last try has expired or is not this ticket's: upload it again"
