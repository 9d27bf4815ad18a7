"""Consultation errors with stable codes."""

from __future__ import annotations

from smarthall.core.errors import BadRequest, Conflict, NotFound, ValidationFailed


class QuestionInvalid(ValidationFailed):
    code = "question_invalid"
    message_zh = "问题内容无效"
    message_en = "The question is not valid"


class EntryNotFound(NotFound):
    code = "entry_not_found"
    message_zh = "知识条目不存在"
    message_en = "Knowledge-base entry not found"


class QuestionNotFound(NotFound):
    code = "question_not_found"
    message_zh = "提问记录不存在"
    message_en = "Question not found"


class EntryConflict(Conflict):
    code = "entry_conflict"
    message_zh = "知识条目当前状态不允许此操作"
    message_en = "The entry's state does not allow this"


class ImportInvalid(BadRequest):
    code = "import_invalid"
    message_zh = "导入文件格式有误"
    message_en = "The import file is not valid"
