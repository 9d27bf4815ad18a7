"""Smart-form validation per field type (ID number, USCC, phone, date, number, select, address). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from smarthall.core import validators


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str
    required: bool
    options: list[str] | None = None
    prefill_from: str | None = None


@dataclass(frozen=True)
class FieldFault:
    field: str
    code: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


MAX_TEXT = 500


def validate_form(specs: list[FieldSpec], form: dict[str, Any], today: date) -> tuple[dict[str, Any], list[FieldFault]]:
    """The cleaned form and every fault at once. Unknown keys are faults too (no silent extras)."""
    faults: list[FieldFault] = []
    cleaned: dict[str, Any] = {}
    known = {s.name for s in specs}
    for key in form:
        if key not in known:
            faults.append(FieldFault(str(key), "unknown_field", "表单中没有此项", "Not a field of this form"))
    for spec in specs:
        raw = form.get(spec.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                faults.append(FieldFault(spec.name, "required", f"{spec.label}为必填项", f"{spec.name} is required"))
            continue
        value, fault = _check(spec, raw, today)
        if fault is not None:
            faults.append(fault)
        else:
            cleaned[spec.name] = value
    return cleaned, faults


def _check(spec: FieldSpec, raw: Any, today: date) -> tuple[Any, FieldFault | None]:
    def bad(code: str, zh: str, en: str) -> tuple[Any, FieldFault]:
        return None, FieldFault(spec.name, code, f"{spec.label}:{zh}", f"{spec.name}: {en}")

    if spec.type == "number":
        if isinstance(raw, bool):
            return bad("invalid_number", "应为数字", "must be a number")
        try:
            number = float(raw) if not isinstance(raw, int | float) else raw
        except (TypeError, ValueError):
            return bad("invalid_number", "应为数字", "must be a number")
        if number != number or number in (float("inf"), float("-inf")):
            return bad("invalid_number", "应为数字", "must be a number")
        return (int(number) if float(number).is_integer() else number), None
    if not isinstance(raw, str | int):
        return bad("invalid_type", "应为文本", "must be text")
    text = str(raw).strip()
    if len(text) > MAX_TEXT:
        return bad("too_long", f"不超过{MAX_TEXT}个字符", f"at most {MAX_TEXT} characters")
    if spec.type == "id_number":
        text = validators.normalize_id_number(text)
        invalid = validators.check_id_number(text, today)
        return (None, _fault(spec, invalid)) if invalid else (text, None)
    if spec.type == "uscc":
        text = text.upper()
        invalid = validators.check_uscc(text)
        return (None, _fault(spec, invalid)) if invalid else (text, None)
    if spec.type == "phone":
        invalid = validators.check_phone(text)
        return (None, _fault(spec, invalid)) if invalid else (text, None)
    if spec.type == "date":
        try:
            return date.fromisoformat(text).isoformat(), None
        except ValueError:
            return bad("invalid_date", "日期格式应为YYYY-MM-DD", "a date is YYYY-MM-DD")
    if spec.type == "select":
        if text not in (spec.options or []):
            return bad("invalid_option", "取值不在可选范围内", "not one of the options")
        return text, None
    if spec.type == "address" and len(text) < 4:
        return bad("invalid_address", "地址过短", "the address is too short")
    return text, None


def _fault(spec: FieldSpec, invalid: validators.Invalid) -> FieldFault:
    return FieldFault(
        spec.name, invalid.code, f"{spec.label}:{invalid.message_zh}", f"{spec.name}: {invalid.message_en}"
    )
