"""Assisted and proxy handling errors with stable codes."""

from __future__ import annotations

from smarthall.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class HelpRequestNotFound(NotFound):
    code = "help_request_not_found"
    message_zh = "帮办请求不存在"
    message_en = "Help request not found"


class AuthorizationNotFound(NotFound):
    code = "proxy_authorization_not_found"
    message_zh = "代办授权不存在"
    message_en = "Proxy authorization not found"


class BadTransition(Conflict):
    code = "help_request_bad_transition"
    message_zh = "当前状态不允许此操作"
    message_en = "This action is not allowed in the current state"


class ProxyBadTransition(BadTransition):
    code = "proxy_bad_transition"


class OutOfScope(Forbidden):
    code = "proxy_out_of_scope"
    message_zh = "超出代办授权范围"
    message_en = "Outside the scope of the proxy authorization"


class AssistInvalid(ValidationFailed):
    code = "assist_invalid"
