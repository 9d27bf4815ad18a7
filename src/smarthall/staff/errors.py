"""Staff domain errors with stable codes (problem+json, zh and en)."""

from __future__ import annotations

from smarthall.core.errors import Conflict, NotFound, ValidationFailed


class StaffNotFound(NotFound):
    code = "staff_member_not_found"
    message_zh = "未找到该工作人员"
    message_en = "No such staff member"


class BadPeriod(ValidationFailed):
    code = "performance_bad_period"
    message_zh = "统计期间不正确(开始日期不能晚于结束日期,最长一年)"
    message_en = "The period is not valid (from must not be after to; at most one year)"


class BadWeights(ValidationFailed):
    code = "performance_bad_weights"
    message_zh = "评分权重不正确:只能使用已知指标,权重为 0–100 的整数,且总和大于 0"
    message_en = "The score weights are not valid: known measures only, whole numbers 0–100, with a positive total"


class BadFormula(ValidationFailed):
    code = "performance_bad_formula"
    message_zh = "评分公式无法识别:只能使用已知指标、数字、+ - × ÷、括号及 min、max、clamp、if、ifnull、abs、round"
    message_en = (
        "The score formula cannot be read: known measures, numbers, + - × ÷, brackets and "
        "min, max, clamp, if, ifnull, abs, round only"
    )


class AlertNotFound(NotFound):
    code = "staff_alert_not_found"
    message_zh = "未找到该监督提醒"
    message_en = "No such supervision alert"


class AlertAcknowledged(Conflict):
    code = "staff_alert_acknowledged"
    message_zh = "该提醒已处理"
    message_en = "This alert has already been acknowledged"


class CourseNotFound(NotFound):
    code = "course_not_found"
    message_zh = "未找到该课程"
    message_en = "No such course"


class CourseExists(Conflict):
    code = "course_exists"
    message_zh = "本大厅已有相同编号的课程"
    message_en = "A course with this code already exists in the hall"


class BadQuiz(ValidationFailed):
    code = "course_bad_quiz"
    message_zh = "测验题目不正确:每题至少两个选项,正确答案须是其中之一"
    message_en = "The quiz is not valid: each question needs two or more options and one correct answer among them"


class BadAnswers(ValidationFailed):
    code = "course_bad_answers"
    message_zh = "答卷不正确:须为每道题选择一个选项"
    message_en = "The answers are not valid: choose one option for every question"


class CourseRequired(Conflict):
    code = "course_required"
    message_zh = "授予该角色前须先通过规定的培训课程"
    message_en = "The required course must be passed before this role is granted"


class AssignmentNoTarget(ValidationFailed):
    code = "course_assignment_no_target"
    message_zh = "请指定课程分配给谁:一名工作人员,或某一角色、部门的全体人员"
    message_en = "Say whom the course is assigned to: one staff member, or everyone of a role or department"


class AssignmentBadDue(ValidationFailed):
    code = "course_assignment_bad_due"
    message_zh = "完成期限不能早于今天"
    message_en = "The due day cannot be before today"


class CardNotFound(NotFound):
    code = "staff_card_not_found"
    message_zh = "未找到该红黄牌记录"
    message_en = "No such card"


class CardClosed(Conflict):
    code = "staff_card_closed"
    message_zh = "该红黄牌已答复或已有处理决定"
    message_en = "This card has already been answered or decided"


class CardReasonMissing(ValidationFailed):
    code = "staff_card_reason_missing"
    message_zh = "手动记牌须写明理由(至少两个字)"
    message_en = "A card given by hand needs a reason (at least two characters)"


class NoticeNotFound(NotFound):
    code = "change_notice_not_found"
    message_zh = "未找到该变更告知"
    message_en = "No such change notice"
