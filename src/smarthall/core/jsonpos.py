"""Find the line and column where a value sits in a JSON text, given its path (for import error messages)."""

from __future__ import annotations

from collections.abc import Sequence

_WS = " \t\r\n"


class _Locator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.found: dict[tuple[str | int, ...], int] = {}

    def skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in _WS:
            self.i += 1

    def string(self) -> str:
        start = self.i + 1
        self.i = start
        out = []
        while self.text[self.i] != '"':
            if self.text[self.i] == "\\":
                out.append(self.text[self.i : self.i + 2])
                self.i += 2
            else:
                out.append(self.text[self.i])
                self.i += 1
        self.i += 1
        return "".join(out)

    def value(self, path: tuple[str | int, ...]) -> None:
        self.skip()
        self.found[path] = self.i
        ch = self.text[self.i]
        if ch == "{":
            self.i += 1
            self.skip()
            if self.text[self.i] == "}":
                self.i += 1
                return
            while True:
                self.skip()
                key_pos = self.i
                key = self.string()
                self.found[(*path, key, "__key__")] = key_pos
                self.skip()
                self.i += 1  # ':'
                self.value((*path, key))
                self.skip()
                if self.text[self.i] == ",":
                    self.i += 1
                    continue
                self.i += 1  # '}'
                return
        if ch == "[":
            self.i += 1
            self.skip()
            if self.text[self.i] == "]":
                self.i += 1
                return
            index = 0
            while True:
                self.value((*path, index))
                self.skip()
                if self.text[self.i] == ",":
                    self.i += 1
                    index += 1
                    continue
                self.i += 1
                return
        if ch == '"':
            self.string()
            return
        while self.i < len(self.text) and self.text[self.i] not in ",]}" + _WS:
            self.i += 1


def locate(text: str, path: Sequence[str | int]) -> tuple[int, int] | None:
    """(line, column), 1-based, of the deepest part of ``path`` present in ``text`` (which must be valid JSON)."""
    locator = _Locator(text)
    try:
        locator.value(())
    except IndexError:
        return None
    probe = tuple(path)
    while probe:
        pos = locator.found.get(probe)
        if pos is not None:
            line = text.count("\n", 0, pos) + 1
            col = pos - (text.rfind("\n", 0, pos) + 1) + 1
            return line, col
        probe = probe[:-1]
    return None
