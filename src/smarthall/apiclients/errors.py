"""Errors of API clients (problem+json codes with Chinese and English messages)."""

from __future__ import annotations

from smarthall.core.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed


class ApiKeyRefused(Unauthorized):
    code = "api_key_refused"
    message_zh = "接口密钥无效、已过期或已吊销"
    message_en = "The API key is not valid, has expired or was revoked"


class ClientNotFound(NotFound):
    code = "api_client_not_found"
    message_zh = "未找到该接入系统"
    message_en = "No such API client"


class KeyNotFound(NotFound):
    code = "api_key_not_found"
    message_zh = "未找到该密钥"
    message_en = "No such key"


class TooManyLiveKeys(Conflict):
    code = "api_key_rotation_pending"
    message_zh = "已有两把有效密钥,请先吊销旧密钥再轮换"
    message_en = "Two keys are already live; revoke the old one before rotating again"


class UnknownScope(ValidationFailed):
    code = "api_scope_unknown"
    message_zh = "权限范围不存在"
    message_en = "Unknown scope"


class RegionOutOfReach(Forbidden):
    code = "api_region_out_of_scope"
    message_zh = "接入系统的区域限制超出您的管辖范围"
    message_en = "The client's region limit lies outside your scope"


class ScopeTooSmall(Forbidden):
    code = "api_scope_missing"
    message_zh = "接入系统未获得此项权限"
    message_en = "The API client's scopes do not allow this"


class SameApprover(Forbidden):
    code = "api_client_four_eyes"
    message_zh = "敏感权限的接入系统须由登记人以外的另一人审批"
    message_en = "A client with sensitive scopes is approved by someone other than who registered it or saw its key"


class NothingToApprove(Conflict):
    code = "api_client_nothing_to_approve"
    message_zh = "该接入系统没有待审批的内容"
    message_en = "Nothing of this client awaits approval"
