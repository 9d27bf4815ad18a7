"""Archive errors."""

from __future__ import annotations

from smarthall.core.errors import Conflict, NotFound, RuleViolation


class PackageNotFound(NotFound):
    code = "archive_not_found"
    message_zh = "未找到该办件的档案"
    message_en = "No archival package for this case"


class PackageNotComplete(Conflict):
    code = "archive_not_complete"
    message_zh = "档案尚未归档完成"
    message_en = "The archival package is not complete yet"


class DisposalNotDue(RuleViolation):
    code = "archive_disposal_not_due"
    message_zh = "档案保管期限未满,不能销毁"
    message_en = "The retention period has not ended"


class DisposalConflict(Conflict):
    code = "archive_disposal_conflict"
    message_zh = "该销毁申请已处理或已存在"
    message_en = "This disposal request is already decided or already exists"


class SeparationOfDuties(RuleViolation):
    status = 403
    code = "archive_same_person"
    message_zh = "提出销毁的人员不能审批自己的申请"
    message_en = "The person who proposed a disposal cannot approve it"
