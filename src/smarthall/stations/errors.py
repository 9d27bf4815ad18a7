"""Station and handover errors, each with a stable code and a message in Chinese and English."""

from smarthall.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class NotAStation(ValidationFailed):
    code = "not_a_station"
    message_zh = "该大厅不是乡镇(街道)便民服务站"
    message_en = "This hall is not a township station"


class NoSupervisor(ValidationFailed):
    code = "station_without_supervisor"
    message_zh = "该服务站上级没有可以审批的大厅"
    message_en = "This station has no hall above it to approve its cases"


class StationNotSet(NotFound):
    code = "station_not_set"
    message_zh = "该服务站尚未设置"
    message_en = "This station has not been set up"


class ItemsNotOffered(ValidationFailed):
    code = "items_not_offered"
    message_zh = "所列事项不在本站可办事项之内"
    message_en = "Some listed items are not offered at this station"


class StationVersionConflict(Conflict):
    code = "station_changed"
    message_zh = "服务站设置已被他人修改,请刷新后重试"
    message_en = "The station was changed meanwhile; reload and try again"


class HandoverInvalid(ValidationFailed):
    code = "handover_invalid"
    message_zh = "该办件不能这样移交"
    message_en = "This case cannot be handed over like this"


class HandoverNotFound(NotFound):
    code = "handover_not_found"
    message_zh = "未找到该移交记录"
    message_en = "No such handover"


class HandoverOutOfScope(Forbidden):
    code = "out_of_scope"
    message_zh = "该移交记录不在您的管辖范围内"
    message_en = "This handover is outside your scope"


class HandoverNotYourSide(Forbidden):
    code = "handover_wrong_side"
    message_zh = "这一步应由另一方大厅办理"
    message_en = "This step belongs to the other hall of the handover"


class HandoverRoleForbidden(Forbidden):
    code = "forbidden_role"
    message_zh = "您的角色不能办理移交"
    message_en = "Your role cannot handle handovers"


class HandoverOutOfOrder(Conflict):
    code = "handover_out_of_order"
    message_zh = "移交记录当前状态不允许这一步,或已被他人处理"
    message_en = "The handover is not in a state that allows this step, or someone else took it first"
