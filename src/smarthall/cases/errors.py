"""Case errors with stable codes (the `code` is what clients match on; the texts are shown to people)."""

from __future__ import annotations

from smarthall.core.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed


class CaseNotFound(NotFound):
    code = "case_not_found"
    message_zh = "未找到该办件"
    message_en = "No such case"


class FileNotFound(NotFound):
    code = "file_not_found"
    message_zh = "未找到上传的文件"
    message_en = "No such uploaded file"


class FormInvalid(ValidationFailed):
    code = "case_invalid"
    message_zh = "申报内容未通过校验,请按清单逐项修改"
    message_en = "The application did not pass validation; see every fault listed"


class UploadRejected(BadRequest):
    status = 422
    code = "upload_rejected"
    message_zh = "文件不符合要求"
    message_en = "The file was not accepted"


class UploadTooLarge(BadRequest):
    status = 413
    code = "upload_too_large"
    message_zh = "文件超过大小限制"
    message_en = "The file exceeds the size limit"


class ActionOutOfOrder(Conflict):
    code = "case_state_conflict"
    message_zh = "办件当前状态不允许此操作(可能已被他人处理)"
    message_en = "The case's current state does not allow this action (it may have been handled already)"


class ActionNotForRole(Forbidden):
    code = "case_action_forbidden"
    message_zh = "您的角色不能对该办件执行此操作"
    message_en = "Your role may not take this action on the case"


class ActionInvalid(ValidationFailed):
    code = "case_action_invalid"
    message_zh = "操作参数不完整或有误"
    message_en = "The action's parameters are missing or wrong"


class DepartmentAlreadyDecided(ActionOutOfOrder):
    message_zh = "本部门已作出审查意见"
    message_en = "Your department has already decided its part"


class OutOfDepartment(Forbidden):
    code = "out_of_department"
    message_zh = "该办件不属于您的部门"
    message_en = "The case belongs to another department"


class CodeNotOwned(Conflict):
    code = "code_not_owned"
    message_zh = "表单中填写的证照号码或信用代码不属于申请人,不能受理"
    message_en = "A licence number or credit code in the form does not belong to the applicant"


class ApproverWithoutDepartment(Forbidden):
    code = "approver_without_department"
    message_zh = "审批人员未绑定部门,不能审批办件"
    message_en = "An approver bound to no department cannot decide cases"


class RoleCannotReadCases(Forbidden):
    code = "forbidden_role"
    message_zh = "您的角色无权查看办件"
    message_en = "Your role cannot read cases"


class RoleCannotSubmit(Forbidden):
    code = "forbidden_role"
    message_zh = "仅申请人本人或窗口人员可申报"
    message_en = "Only the applicant or a clerk may submit"


class DraftsForCitizensOnly(Forbidden):
    code = "forbidden_role"
    message_zh = "仅群众本人可保存草稿"
    message_en = "Only citizens keep drafts"


class DocumentNotYours(Forbidden):
    code = "forbidden_role"
    message_zh = "无权下载此文书"
    message_en = "You may not download this document"


class CaseOutOfScope(Forbidden):
    """The case exists in a hall outside the actor's scope (the answer ``Actor.ensure_hall`` gives)."""

    code = "out_of_scope"
    message_zh = "该大厅不在您的管辖范围内"
    message_en = "This hall is outside your scope"


class DraftNotFound(NotFound):
    code = "draft_not_found"
    message_zh = "没有草稿"
    message_en = "No draft"


class MaterialNotFound(NotFound):
    code = "material_not_found"
    message_zh = "该办件没有这份材料,或材料页不存在"
    message_en = "The case holds no such material, or no such page"


class StepNotInWorkflow(Conflict):
    code = "step_not_in_workflow"
    message_zh = "该事项的办理流程没有这一环节"
    message_en = "The item's workflow has no such step"


class PaymentRequired(Conflict):
    code = "case_payment_required"
    message_zh = "该事项收费,缴费完成后才能送达结果"
    message_en = "The item carries a fee: the result is delivered once it is paid"


class ResultAwaitsPayment(PaymentRequired):
    """The result document is not handed out (download, kiosk print, locker) before the fee is paid; the detail
    carries where to pay (``pay_path``: the case page's pay button; ``payment_api``: the order endpoint)."""

    message_zh = "该事项收费,请先缴费,缴费完成后才能下载或领取办理结果"
    message_en = "The item carries a fee: pay it first, then the result can be downloaded or collected"
