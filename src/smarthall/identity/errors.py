"""Identity errors."""

from smarthall.core.errors import Conflict, Forbidden, HallError, Unauthorized


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message_zh = "用户名或密码错误"
    message_en = "Wrong username or password"


class CitizenExists(Conflict):
    code = "citizen_exists"
    message_zh = "该身份证号码已注册"
    message_en = "This ID number is already registered"


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
