"""Errors of the rule settings."""

from __future__ import annotations

from smarthall.core.errors import Forbidden, NotFound, ValidationFailed


class UnknownRule(NotFound):
    code = "unknown_rule"
    message_zh = "没有这项规则"
    message_en = "There is no such rule"


class UnknownScope(NotFound):
    code = "unknown_scope"
    message_zh = "没有这个地区或大厅"
    message_en = "There is no such region or hall"


class RuleValueInvalid(ValidationFailed):
    code = "rule_value_invalid"
    message_zh = "规则取值不符合要求"
    message_en = "The value does not fit the rule"


class ScopeNotManaged(Forbidden):
    code = "out_of_scope"
    message_zh = "该地区或大厅不在您的管辖范围内"
    message_en = "This region or hall is outside your scope"
