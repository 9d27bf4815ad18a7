"""UI language: Chinese first, English second. Texts live in the message catalog, never in logic.

The catalog is the base entries below plus every domain's ``messages.toml`` (``smarthall/<domain>/messages.toml``):
one table per key with its ``zh`` and ``en`` text, ``{placeholders}`` filled by ``translate``. Page labels, status
names and the texts of notices and messages (``notify``) all come from it, so a translator edits data files only.
"""

from __future__ import annotations

import threading
import tomllib
from pathlib import Path
from typing import Literal

Lang = Literal["zh", "en"]
LANG_COOKIE = "smarthall_lang"

MESSAGES: dict[str, tuple[str, str]] = {
    "app.title": ("智慧政务服务大厅", "Smart Government Service Hall"),
    "nav.home": ("首页", "Home"),
    "nav.catalog": ("事项目录", "Service catalog"),
    "nav.halls": ("大厅", "Halls"),
    "nav.login": ("登录", "Sign in"),
    "nav.logout": ("退出", "Sign out"),
    "nav.api_docs": ("接口文档", "API docs"),
    "lang.switch": ("English", "中文"),
    "login.title": ("工作人员与群众登录", "Sign in"),
    "login.username": ("用户名或身份证号", "Username or ID number"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码错误", "Wrong username or password"),
    "login.throttled": ("登录尝试过于频繁,请{seconds}秒后再试", "Too many attempts; try again in {seconds} s"),
    "login.cross_site": ("请从本站登录页登录", "Please sign in from this site's own sign-in page"),
    "home.welcome": ("欢迎", "Welcome"),
    "home.role": ("角色", "Role"),
    "home.hall": ("所属大厅", "Hall"),
    "home.tasks": ("常用功能", "Common tasks"),
    "home.public": ("办事指南", "Service guide"),
    "catalog.items": ("服务事项", "Service items"),
    "catalog.halls_tree": ("大厅分布", "Hall tree"),
    "catalog.search": ("搜索事项", "Search items"),
    "catalog.department": ("部门", "Department"),
    "catalog.type": ("事项类型", "Item type"),
    "catalog.limits": ("办理时限(法定/承诺,工作日)", "Time limit (legal/promised, working days)"),
    "catalog.fee": ("收费", "Fee"),
    "catalog.free": ("不收费", "Free"),
    "catalog.online_depth": ("网办深度", "Online depth"),
    "catalog.materials": ("申请材料", "Materials"),
    "catalog.required": ("必需", "Required"),
    "catalog.optional": ("可选", "Optional"),
    "catalog.form_fields": ("表单字段", "Form fields"),
    "catalog.rules": ("秒批规则", "Instant-approval rules"),
    "catalog.instant": ("可秒批", "Instant approval"),
    "catalog.appointment": ("可预约", "Bookable"),
    "catalog.windows": ("窗口", "Windows"),
    "catalog.zones": ("功能区", "Zones"),
    "catalog.all": ("全部", "All"),
    "catalog.count": ("共 {n} 项", "{n} items"),
    "catalog.copies": ("份数", "Copies"),
    "catalog.e_licence": ("可用电子证照", "E-licence accepted"),
    "role.guide": ("导办员", "Guide"),
    "role.clerk": ("窗口受理员", "Window clerk"),
    "role.approver": ("审批人员", "Approver"),
    "role.hall_manager": ("大厅主任", "Hall manager"),
    "role.admin": ("系统管理员", "Administrator"),
    "role.auditor": ("安全审计员", "Auditor"),
    "role.citizen": ("群众/企业", "Citizen"),
}


PACKAGE_DIR = Path(__file__).resolve().parent.parent
_catalog: dict[str, tuple[str, str]] | None = None
_catalog_lock = threading.Lock()


def load_catalog_files(paths: list[Path]) -> dict[str, tuple[str, str]]:
    """Entries of ``messages.toml`` files; a key defined twice, or without both languages, is an error."""
    out: dict[str, tuple[str, str]] = {}
    for path in paths:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for key, entry in data.items():
            texts = entry if isinstance(entry, dict) else {}
            if not isinstance(texts.get("zh"), str) or not isinstance(texts.get("en"), str):
                raise ValueError(f"{path}: message {key!r} needs a zh and an en text")
            if key in out or key in MESSAGES:
                raise ValueError(f"{path}: message {key!r} is defined twice")
            out[key] = (texts["zh"], texts["en"])
    return out


def catalog() -> dict[str, tuple[str, str]]:
    """The whole message catalog (read from the package's files once per process)."""
    global _catalog
    if _catalog is None:
        with _catalog_lock:
            if _catalog is None:
                files = sorted(PACKAGE_DIR.glob("*/messages.toml"))
                _catalog = {**MESSAGES, **load_catalog_files(files)}
    return _catalog


def message(key: str) -> tuple[str, str] | None:
    """The (zh, en) texts of ``key``, or None when the catalog has no such key."""
    return catalog().get(key)


def translate(key: str, lang: Lang = "zh", **kwargs: object) -> str:
    pair = catalog().get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**kwargs) if kwargs else text


def label(prefix: str, code: str | None, lang: Lang = "zh") -> str:
    """The word for a code (``label("ticket.status", "waiting")``), or the code itself when the catalog has none."""
    if code is None:
        return ""
    pair = catalog().get(f"{prefix}.{code}")
    if pair is None:
        return code
    return pair[0] if lang == "zh" else pair[1]


def pick_lang(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> Lang:
    for candidate in (query_lang, cookie_lang):
        if candidate in ("zh", "en"):
            return candidate  # type: ignore[return-value]
    if accept_language and accept_language.lower().startswith("en"):
        return "en"
    return "zh"
