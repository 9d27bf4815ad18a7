"""Operations errors (problem+json with a stable code, zh and en)."""

from __future__ import annotations

from smarthall.core.errors import BadRequest, Forbidden


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
