"""Bundle errors with stable codes (zh/en)."""

from __future__ import annotations

from smarthall.core.errors import Forbidden, NotFound, RuleViolation, ValidationFailed


class BundleNotFound(NotFound):
    code = "bundle_not_found"
    message_zh = "该“一件事”不存在"
    message_en = "No such one-thing bundle"


class BundleApplicationNotFound(NotFound):
    code = "bundle_application_not_found"
    message_zh = "该“一件事”申请不存在"
    message_en = "Bundle application not found"


class BundleItemNotInHall(ValidationFailed):
    code = "bundle_item_not_in_hall"
    message_zh = "本大厅不办理该“一件事”中的部分事项,无法一次申请"
    message_en = "This hall does not handle every item of the bundle"


class BundleFormClash(ValidationFailed):
    code = "bundle_form_clash"
    message_zh = "“一件事”合并表单中同一字段在各事项中的类型不一致,请联系管理员修正事项目录"
    message_en = "A field of the bundle's merged form has different types in its items; the catalog needs fixing"


class BundleFormInvalid(ValidationFailed):
    code = "bundle_form_invalid"
    message_zh = "申请表或材料有误,请按提示修改后再提交(未创建任何办件)"
    message_en = "Please fix the form or materials and submit again (no case was created)"


class BundleApplyForbidden(Forbidden):
    code = "bundle_apply_forbidden"
    message_zh = "只有办事群众本人可以在线申请“一件事”"
    message_en = "Only citizens apply for a bundle online"


class BundleReadForbidden(Forbidden):
    code = "bundle_read_forbidden"
    message_zh = "您的角色无权查看“一件事”协调办理"
    message_en = "Your role may not read bundle applications"


class BundleOutOfScope(Forbidden):
    code = "bundle_out_of_scope"
    message_zh = "该“一件事”申请属于其他大厅"
    message_en = "This bundle application belongs to another hall"


class BundleNotFinished(RuleViolation):
    code = "bundle_not_finished"
    message_zh = "该“一件事”尚未全部办结,或已无待送达的结果"
    message_en = "The bundle is not finished yet, or has no result left to deliver"


class BundleDeliverForbidden(Forbidden):
    code = "bundle_deliver_forbidden"
    message_zh = "只有大厅窗口人员可以送达“一件事”的结果"
    message_en = "Only the hall's window staff deliver a bundle's result"
