"""Message texts for notices (SMS, in-app): entries of the message catalog (``core.i18n``, the domains'
``messages.toml``), Chinese first; ``params`` fill the ``{placeholders}``."""

from __future__ import annotations

from smarthall.core.i18n import message


def render(name: str, params: dict[str, object]) -> tuple[str, str]:
    pair = message(name)
    if pair is None:
        if name != "generic":
            raise ValueError(f"no message template {name!r} in the catalog")
        pair = ("{text}", "{text}")
    zh, en = pair
    safe = dict(params)
    try:
        return zh.format(**safe), en.format(**safe)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"template {name} needs parameter {exc}") from exc
