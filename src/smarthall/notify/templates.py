"""Message texts, Chinese first. Domains add their templates here; ``params`` fill the ``{placeholders}``."""

from __future__ import annotations

TEMPLATES: dict[str, tuple[str, str]] = {
    "generic": ("{text}", "{text}"),
}


def register(name: str, zh: str, en: str) -> None:
    TEMPLATES[name] = (zh, en)


def render(name: str, params: dict[str, object]) -> tuple[str, str]:
    zh, en = TEMPLATES.get(name, TEMPLATES["generic"])
    safe = dict(params)
    try:
        return zh.format(**safe), en.format(**safe)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"template {name} needs parameter {exc}") from exc
