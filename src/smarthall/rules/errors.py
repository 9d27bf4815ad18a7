"""Errors of the rule settings."""

from __future__ import annotations

from smarthall.core.errors import NotFound, ValidationFailed
from smarthall.org.errors import ScopeNotManaged as ScopeNotManaged  # scopes are the hall tree's: org decides them
from smarthall.org.errors import UnknownScope as UnknownScope


class UnknownRule(NotFound):
    code = "unknown_rule"
    message_zh = "没有这项规则"
    message_en = "There is no such rule"


class RuleValueInvalid(ValidationFailed):
    code = "rule_value_invalid"
    message_zh = "规则取值不符合要求"
    message_en = "The value does not fit the rule"
