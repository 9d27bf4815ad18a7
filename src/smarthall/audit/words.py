"""The audit trail in words: an event's action and target as the audit page shows them (Chinese first, English via
the catalog, ``audit/messages.toml``), never the raw codes.

An action has its own words (``audit.action.<code>``); the writes the ORM flush hook records (``write.insert`` /
``write.update`` / ``write.delete`` on a table) are composed: "新增/修改/删除" + the table's name
(``audit.write.<kind>`` with ``audit.target.<table>``). A code the catalog does not know (an old row of a code since
removed) reads as "other action" rather than as the code.
"""

from __future__ import annotations

from smarthall.core.i18n import Lang, message, translate

_WRITE = "write."


def target(target_type: str | None, lang: Lang = "zh") -> str:
    """The words for a target type or table (empty for none)."""
    if not target_type:
        return ""
    pair = message(f"audit.target.{target_type}")
    if pair is None:
        return translate("audit.target.other", lang)
    return pair[0] if lang == "zh" else pair[1]


def action(code: str, target_type: str | None = None, lang: Lang = "zh") -> str:
    """The words for an action code (``case.approve`` → its entry; ``write.insert`` on ``cases_case`` → 新增办件)."""
    if code.startswith(_WRITE) and message(f"audit.write.{code[len(_WRITE) :]}") is not None:
        return translate(f"audit.write.{code[len(_WRITE) :]}", lang, target=target(target_type, lang))
    pair = message(f"audit.action.{code}")
    if pair is None:
        return translate("audit.action.other", lang)
    return pair[0] if lang == "zh" else pair[1]


def known(code: str) -> bool:
    """Whether ``code`` has words of its own (or is a composed write)."""
    if code.startswith(_WRITE):
        return message(f"audit.write.{code[len(_WRITE) :]}") is not None
    return message(f"audit.action.{code}") is not None
