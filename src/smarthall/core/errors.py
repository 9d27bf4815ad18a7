"""One error root rendered as problem+json (RFC 9457) with a stable ``code`` and Chinese and English messages.

Domain packages subclass these in their own ``errors.py``. Unexpected exceptions are not caught here: they are
logged with the request id and become a plain 500, so bugs are never disguised as client errors.
"""

from __future__ import annotations

from typing import Any, ClassVar


class HallError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"
    message_zh: ClassVar[str] = "请求有误"
    message_en: ClassVar[str] = "The request is not valid"

    def __init__(
        self,
        message_zh: str | None = None,
        message_en: str | None = None,
        *,
        code: str | None = None,
        detail: Any = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message_zh_ = message_zh or self.message_zh
        self.message_en_ = message_en or self.message_en
        self.code_ = code or self.code
        self.status_ = status or self.status
        self.detail = detail
        self.headers = headers or {}
        super().__init__(self.message_en_)

    def to_problem(self, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://smarthall.example/problems/{self.code_}",
            "title": self.title,
            "status": self.status_,
            "code": self.code_,
            "message_zh": self.message_zh_,
            "message_en": self.message_en_,
        }
        if self.detail is not None:
            body["detail"] = self.detail
        if request_id:
            body["request_id"] = request_id
        return body


class BadRequest(HallError):
    pass


class ValidationFailed(HallError):
    status = 422
    code = "validation_error"
    title = "Validation failed"
    message_zh = "提交的内容未通过校验"
    message_en = "The submitted data did not pass validation"


class Unauthorized(HallError):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"
    message_zh = "请先登录"
    message_en = "Authentication is required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class Forbidden(HallError):
    status = 403
    code = "forbidden"
    title = "Forbidden"
    message_zh = "无权执行此操作"
    message_en = "You are not allowed to do this"


class NotFound(HallError):
    status = 404
    code = "not_found"
    title = "Not found"
    message_zh = "未找到请求的资源"
    message_en = "The requested resource was not found"


class Conflict(HallError):
    status = 409
    code = "conflict"
    title = "Conflict"
    message_zh = "操作与当前状态冲突"
    message_en = "The action conflicts with the current state"


class RuleViolation(HallError):
    status = 422
    code = "rule_violation"
    title = "Rule violation"
    message_zh = "不符合业务规则"
    message_en = "A business rule was violated"


class TooManyRequests(HallError):
    status = 429
    code = "too_many_requests"
    title = "Too many requests"
    message_zh = "请求过于频繁,请稍后再试"
    message_en = "Too many requests, please retry later"


class ServiceUnavailable(HallError):
    status = 503
    code = "unavailable"
    title = "Service unavailable"
    message_zh = "服务暂不可用"
    message_en = "The service is temporarily unavailable"
