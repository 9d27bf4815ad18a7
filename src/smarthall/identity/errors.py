"""Identity errors."""

from smarthall.core.errors import Conflict, Unauthorized


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message_zh = "用户名或密码错误,或账号已被临时锁定"
    message_en = "Wrong username or password, or the account is temporarily locked"


class CitizenExists(Conflict):
    code = "citizen_exists"
    message_zh = "该身份证号码已注册"
    message_en = "This ID number is already registered"
