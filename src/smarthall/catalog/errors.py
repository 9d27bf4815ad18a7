"""Catalog errors."""

from smarthall.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smarthall.org.errors import HallNotFound as HallNotFound  # re-exported: callers used to find it here


class CatalogInvalid(ValidationFailed):
    code = "catalog_invalid"
    message_zh = "事项目录文件有误,未导入任何内容"
    message_en = "The catalog file is not valid; nothing was imported"


class ItemNotFound(NotFound):
    code = "item_not_found"
    message_zh = "未找到该服务事项"
    message_en = "No such service item"


class OverrideInvalid(ValidationFailed):
    code = "override_invalid"
    message_zh = "本大厅的事项设置有误"
    message_en = "The hall's settings of this item are not valid"


class OverrideVersionConflict(Conflict):
    code = "override_version_conflict"
    message_zh = "该事项的本地设置已被他人修改,请刷新后再改"
    message_en = "Someone changed this hall's settings of the item meanwhile; reload and try again"


class OverrideNotFound(NotFound):
    code = "override_not_found"
    message_zh = "本大厅没有该事项的本地设置"
    message_en = "The hall has no settings of its own for this item"


class StaffNotImported(Forbidden):
    code = "catalog_staff_refused"
    message_zh = "工作人员和角色不通过目录导入管理,请使用人员管理功能;未导入任何内容"
    message_en = "Staff and roles are not managed through catalog import (use the staff API); nothing was imported"


class ImportOutOfScope(Forbidden):
    code = "catalog_out_of_scope"
    message_zh = "导入文件修改了您管辖范围以外的大厅或全省事项目录;未导入任何内容"
    message_en = "The file changes halls or the province-wide catalog outside your scope; nothing was imported"
