"""Catalog errors."""

from smarthall.core.errors import NotFound, ValidationFailed


class CatalogInvalid(ValidationFailed):
    code = "catalog_invalid"
    message_zh = "事项目录文件有误,未导入任何内容"
    message_en = "The catalog file is not valid; nothing was imported"


class ItemNotFound(NotFound):
    code = "item_not_found"
    message_zh = "未找到该服务事项"
    message_en = "No such service item"


class HallNotFound(NotFound):
    code = "hall_not_found"
    message_zh = "未找到该大厅"
    message_en = "No such hall"
