"""What changed between two versions of an item's catalog entry, in words (变更告知): materials (申请材料),
conditions (办理条件, the instant-approval rules), time limits (法定/承诺时限), workflow steps (办理环节), the
form, the fee and the notes — each difference one sentence in Chinese and English, never a code. Pure: no I/O
(the two snapshots of ``catalog_item_version.content`` and the department names are handed in).

Staff who handle the item read these sentences in their "what changed" notice and confirm them (issue 14, 8.3);
keywords, situations and other search aids change nothing staff do and are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from smarthall.catalog import steps as catalog_steps

Change = dict[str, str]  # {"kind", "zh", "en"}
KINDS = ("materials", "conditions", "limits", "steps", "form", "fee", "notes")


def _change(kind: str, zh: str, en: str) -> Change:
    return {"kind": kind, "zh": zh, "en": en}


def _days(value: Any) -> tuple[str, str]:
    if value is None:
        return "不限", "no limit"
    return f"{value}个工作日", f"{value} working day{'s' if value != 1 else ''}"


def _yes(value: Any, zh: tuple[str, str], en: tuple[str, str]) -> tuple[str, str]:
    return (zh[0], en[0]) if value else (zh[1], en[1])


def _by_key(rows: Sequence[Mapping[str, Any]] | None, key: str) -> dict[str, Mapping[str, Any]]:
    return {str(r[key]): r for r in rows or [] if key in r}


Row = Mapping[str, Any]


def _keyed(
    before: Mapping[str, Row],
    after: Mapping[str, Row],
    *,
    added: Callable[[str, Row], Change],
    changed: Callable[[str, Row, Row], list[Change]],
    removed: Callable[[str, Row], Change],
) -> list[Change]:
    """The differences of two keyed lists (materials by code, steps by code, form fields by name): what is new and
    what changed, in the new order, then what is gone, in the old order."""
    out: list[Change] = []
    for key, now in after.items():
        out.extend([added(key, now)] if key not in before else changed(key, before[key], now))
    out.extend(removed(key, was) for key, was in before.items() if key not in after)
    return out


def _material_added(code: str, m: Row) -> Change:
    name = m.get("name", code)
    need_zh, need_en = _yes(m.get("required"), ("必交", "非必交"), ("required", "optional"))
    return _change("materials", f"新增申请材料“{name}”({need_zh})", f"New material “{name}” ({need_en})")


def _material_changed(code: str, was: Row, m: Row) -> list[Change]:
    out: list[Change] = []
    name = m.get("name", code)
    if was.get("name") != name:
        out.append(
            _change(
                "materials",
                f"申请材料“{was.get('name')}”更名为“{name}”",
                f"The material “{was.get('name')}” is now called “{name}”",
            )  # fmt: skip
        )
    if bool(was.get("required")) != bool(m.get("required")):
        zh, en = _yes(m.get("required"), ("改为必交", "改为非必交"), ("is now required", "is now optional"))
        out.append(_change("materials", f"申请材料“{name}”{zh}", f"The material “{name}” {en}"))
    if was.get("copies", 1) != m.get("copies", 1):
        out.append(
            _change(
                "materials",
                f"申请材料“{name}”份数由{was.get('copies', 1)}份改为{m.get('copies', 1)}份",
                f"The material “{name}”: {m.get('copies', 1)} copies instead of {was.get('copies', 1)}",
            )  # fmt: skip
        )
    if bool(was.get("original_needed")) != bool(m.get("original_needed")):
        zh, en = _yes(m.get("original_needed"), ("须查验原件", "不再查验原件"),
                      ("the original must be shown", "the original is no longer checked"))  # fmt: skip
        out.append(_change("materials", f"申请材料“{name}”{zh}", f"The material “{name}”: {en}"))
    if (was.get("e_licence_type") or None) != (m.get("e_licence_type") or None):
        licence = m.get("e_licence_type")
        zh = f"可用电子证照“{licence}”代替" if licence else "不再以电子证照代替"
        en = f"may be given as the e-licence “{licence}”" if licence else "is no longer taken from an e-licence"
        out.append(_change("materials", f"申请材料“{name}”{zh}", f"The material “{name}” {en}"))
    if (was.get("note") or "") != (m.get("note") or ""):
        note = m.get("note") or ""
        zh = f"申请材料“{name}”的说明改为:{note}" if note else f"申请材料“{name}”的说明已删除"
        en = f"The material “{name}” has a new note: {note}" if note else f"The note of “{name}” was removed"
        out.append(_change("materials", zh, en))
    return out


def _material_removed(code: str, m: Row) -> Change:
    name = m.get("name", code)
    return _change("materials", f"取消申请材料“{name}”", f"The material “{name}” is no longer asked for")


def _materials(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    return _keyed(
        _by_key(old.get("materials"), "code"),
        _by_key(new.get("materials"), "code"),
        added=_material_added,
        changed=_material_changed,
        removed=_material_removed,
    )


def _conditions(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    def words(rule: Mapping[str, Any]) -> str:
        return str(rule.get("message") or rule.get("field") or "")

    before = {words(r): r for r in old.get("rules") or []}
    after = {words(r): r for r in new.get("rules") or []}
    out = [_change("conditions", f"新增办理条件:{w}", f"New condition: {w}") for w in after if w not in before]
    out += [_change("conditions", f"取消办理条件:{w}", f"Condition dropped: {w}") for w in before if w not in after]
    out += [
        _change("conditions", f"办理条件“{w}”的判断标准已调整", f"The test of the condition “{w}” changed")
        for w in after
        if w in before and dict(after[w]) != dict(before[w])
    ]
    if bool(old.get("instant_approval_eligible")) != bool(new.get("instant_approval_eligible")):
        zh, en = _yes(new.get("instant_approval_eligible"), ("改为可秒批(符合条件即时办结)", "不再秒批,改由人工审批"),
                      ("now approved instantly when the conditions hold", "no longer approved instantly"))  # fmt: skip
        out.append(_change("conditions", f"审批方式{zh}", f"The item is {en}"))
    if bool(old.get("appointment")) != bool(new.get("appointment")):
        zh, en = _yes(new.get("appointment"), ("改为须预约办理", "不再需要预约"),
                      ("now needs a booking", "no longer needs a booking"))  # fmt: skip
        out.append(_change("conditions", zh, f"The item {en}"))
    return out


def _limits(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    out: list[Change] = []
    for key, zh, en in (("legal_limit_workdays", "法定时限", "legal limit"),
                        ("promised_limit_workdays", "承诺时限", "promised limit")):  # fmt: skip
        if old.get(key) != new.get(key):
            (was_zh, was_en), (now_zh, now_en) = _days(old.get(key)), _days(new.get(key))
            out.append(_change("limits", f"{zh}由{was_zh}改为{now_zh}", f"The {en}: {now_en} instead of {was_en}"))
    return out


def _plan(content: Mapping[str, Any]) -> list[catalog_steps.Step]:
    return catalog_steps.effective_steps(
        content.get("workflow") or [], str(content.get("department_code") or ""), content.get("joint_review") or []
    )


def _steps(old: Mapping[str, Any], new: Mapping[str, Any], departments: Mapping[str, str]) -> list[Change]:
    own = str(new.get("department_code") or "")

    def where(s: Row, item_department: str) -> str:
        code = catalog_steps.department_of(dict(s), item_department)
        return departments.get(code, code)

    def added(code: str, s: Row) -> Change:
        name, name_en = s["name"], s.get("name_en") or s["name"]
        days_zh, days_en = _days(s.get("limit_workdays"))
        return _change(
            "steps",
            f"新增办理环节“{name}”({where(s, own)},时限{days_zh})",
            f"New step “{name_en}” ({where(s, own)}, {days_en})",
        )  # fmt: skip

    def changed(code: str, was: Row, s: Row) -> list[Change]:
        out: list[Change] = []
        name, name_en = s["name"], s.get("name_en") or s["name"]
        if was.get("limit_workdays") != s.get("limit_workdays"):
            (was_zh, was_en), (now_zh, now_en) = _days(was.get("limit_workdays")), _days(s.get("limit_workdays"))
            out.append(
                _change(
                    "steps",
                    f"“{name}”环节时限由{was_zh}改为{now_zh}",
                    f"The step “{name_en}”: {now_en} instead of {was_en}",
                )  # fmt: skip
            )
        if where(was, str(old.get("department_code") or "")) != where(s, own):
            out.append(
                _change(
                    "steps", f"“{name}”环节改由{where(s, own)}办理", f"The step “{name_en}” moves to {where(s, own)}"
                )
            )
        if was.get("role") != s.get("role"):
            zh = catalog_steps.ROLE_ZH.get(s["stage"], s["role"])
            out.append(
                _change("steps", f"“{name}”环节改由{zh}办理", f"The step “{name_en}” is now worked by the {s['role']}")
            )
        if bool(was.get("clock_paused")) != bool(s.get("clock_paused")):
            zh, en = _yes(s.get("clock_paused"), ("不计入办理时限", "计入办理时限"),
                          ("no longer counts towards the time limit", "now counts towards the time limit"))  # fmt: skip
            out.append(_change("steps", f"“{name}”环节{zh}", f"The step “{name_en}” {en}"))
        if was.get("name") != name:
            out.append(
                _change(
                    "steps",
                    f"环节“{was.get('name')}”更名为“{name}”",
                    f"The step “{was.get('name_en')}” is now “{name_en}”",
                )
            )
        return out

    def removed(code: str, s: Row) -> Change:
        name, name_en = s["name"], s.get("name_en") or s["name"]
        return _change("steps", f"取消办理环节“{name}”", f"The step “{name_en}” is dropped")

    before, after = {s["code"]: s for s in _plan(old)}, {s["code"]: s for s in _plan(new)}
    return _keyed(before, after, added=added, changed=changed, removed=removed)


def _field_added(key: str, f: Row) -> Change:
    label = f.get("label", key)
    need_zh, need_en = _yes(f.get("required"), ("必填", "选填"), ("required", "optional"))
    return _change("form", f"申请表新增“{label}”({need_zh})", f"The form asks for “{label}” ({need_en})")


def _field_changed(key: str, was: Row, f: Row) -> list[Change]:
    out: list[Change] = []
    label = f.get("label", key)
    if was.get("label") != label:
        out.append(
            _change(
                "form",
                f"申请表“{was.get('label')}”改为“{label}”",
                f"The form field “{was.get('label')}” is now “{label}”",
            )
        )
    if bool(was.get("required")) != bool(f.get("required")):
        zh, en = _yes(f.get("required"), ("改为必填", "改为选填"), ("is now required", "is now optional"))
        out.append(_change("form", f"申请表“{label}”{zh}", f"The form field “{label}” {en}"))
    if list(was.get("options") or []) != list(f.get("options") or []):
        options = "、".join(str(o) for o in f.get("options") or [])
        out.append(
            _change("form", f"申请表“{label}”的选项改为:{options}", f"The choices of “{label}” are now: {options}")
        )
    return out


def _field_removed(key: str, f: Row) -> Change:
    label = f.get("label", key)
    return _change("form", f"申请表不再填写“{label}”", f"The form no longer asks for “{label}”")


def _form(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    return _keyed(
        _by_key(old.get("form_fields"), "name"),
        _by_key(new.get("form_fields"), "name"),
        added=_field_added,
        changed=_field_changed,
        removed=_field_removed,
    )


def _fee(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    out: list[Change] = []
    if float(old.get("fee") or 0) != float(new.get("fee") or 0):
        was, now = float(old.get("fee") or 0), float(new.get("fee") or 0)
        out.append(_change("fee", f"收费由{was:g}元改为{now:g}元", f"The fee: {now:g} yuan instead of {was:g}"))
    if (old.get("fee_note") or "") != (new.get("fee_note") or ""):
        note = new.get("fee_note") or ""
        zh = f"收费说明改为:{note}" if note else "收费说明已删除"
        out.append(_change("fee", zh, f"New fee note: {note}" if note else "The fee note was removed"))
    return out


def _notes(old: Mapping[str, Any], new: Mapping[str, Any], departments: Mapping[str, str]) -> list[Change]:
    out: list[Change] = []
    if old.get("name") != new.get("name"):
        out.append(_change("notes", f"事项名称改为“{new.get('name')}”", f"The item is now called “{new.get('name')}”"))
    if old.get("department_code") != new.get("department_code"):
        code = str(new.get("department_code") or "")
        name = departments.get(code, code)
        out.append(_change("notes", f"事项改由{name}负责", f"The item is now {name}'s"))
    if (old.get("note") or "") != (new.get("note") or ""):
        note = new.get("note") or ""
        zh = f"办事须知改为:{note}" if note else "办事须知已删除"
        out.append(_change("notes", zh, f"New notes for applicants: {note}" if note else "The notes were removed"))
    return out


def differences(
    old: Mapping[str, Any], new: Mapping[str, Any], departments: Mapping[str, str] | None = None
) -> list[Change]:
    """Every difference staff act on between two snapshots of an item, in the order of ``KINDS``."""
    names = departments or {}
    return [
        *_materials(old, new),
        *_conditions(old, new),
        *_limits(old, new),
        *_steps(old, new, names),
        *_form(old, new),
        *_fee(old, new),
        *_notes(old, new, names),
    ]
