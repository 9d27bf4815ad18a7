"""Identity errors."""

from smarthall.core.errors import Conflict, Forbidden, HallError, NotFound, Unauthorized, ValidationFailed


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message_zh = "用户名或密码错误"
    message_en = "Wrong username or password"


class CitizenExists(Conflict):
    code = "citizen_exists"
    message_zh = "该身份证号码已注册"
    message_en = "This ID number is already registered"


class StaffNotFound(NotFound):
    code = "staff_not_found"
    message_zh = "未找到该工作人员,或其不在您的管辖范围内"
    message_en = "No such staff member in your scope"


class SelfChange(Forbidden):
    code = "staff_self_change"
    message_zh = "不能变更本人的账号、角色或权限"
    message_en = "You cannot change your own account, role or permissions"


class SeparationOfDuties(Conflict):
    code = "separation_of_duties"
    message_zh = "同一人不得同时担任系统管理员和安全审计员"
    message_en = "One person may not be both administrator and auditor"


class GrantorSeparation(Forbidden):
    """The grantor holds a role the account's role is kept apart from: an administrator who opened an auditor account
    got its initial password and was the auditor (issue 12, attack12 probe)."""

    code = "separation_of_duties_grantor"
    message_zh = "系统管理员不得开设、授予或变更安全审计员账号(审计员账号由控制台开设)"
    message_en = "An administrator may not open, grant or change an auditor account (the console provisions auditors)"


class PersonRequired(ValidationFailed):
    code = "staff_id_number_required"
    message_zh = "担任系统管理员或安全审计员的账号须登记本人身份证号码"
    message_en = "An administrator or auditor account needs its holder's ID number on file"


class ApproverNeedsDepartment(ValidationFailed):
    code = "approver_department_required"
    message_zh = "审批人员须绑定所属部门"
    message_en = "An approver must be bound to a department"


class StaffInvalid(ValidationFailed):
    code = "staff_invalid"
    message_zh = "工作人员信息有误"
    message_en = "The staff data is not valid"


class UsernameTaken(Conflict):
    code = "username_taken"
    message_zh = "该用户名已被使用"
    message_en = "This username is taken"


class LoginThrottled(HallError):
    status = 429
    code = "login_throttled"
    title = "Too many attempts"
    message_zh = "登录尝试过于频繁,请稍后再试"
    message_en = "Too many sign-in attempts; please wait and try again"


class WrongPassword(Forbidden):
    code = "wrong_password"
    message_zh = "当前密码不正确"
    message_en = "The current password is wrong"


class PhoneCodeWrong(ValidationFailed):
    code = "phone_code_wrong"
    message_zh = "短信验证码不正确,请核对后重新输入"
    message_en = "The SMS code is not right: check it and type it again"


class PhoneCodeExpired(ValidationFailed):
    code = "phone_code_expired"
    message_zh = "短信验证码已过期,请重新获取"
    message_en = "The SMS code has expired: ask for a new one"


class PhoneCodeAttemptsExceeded(ValidationFailed):
    code = "phone_code_attempts_exceeded"
    message_zh = "验证码输错次数过多,已失效,请重新获取"
    message_en = "Too many wrong tries: the code no longer works, ask for a new one"


class PhoneCodeSendThrottled(HallError):
    status = 429
    code = "phone_code_send_throttled"
    title = "Too many codes"
    message_zh = "验证码发送过于频繁,请稍后再试"
    message_en = "Codes were sent to this number too often: try again later"


class PhoneUnverified(Forbidden):
    code = "phone_unverified"
    message_zh = "您的手机号尚未验证,请先通过短信验证码验证手机号"
    message_en = "Your phone number is not verified yet: verify it with an SMS code first"
