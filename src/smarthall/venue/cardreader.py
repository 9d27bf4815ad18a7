"""The ID card reader behind a small interface (读卡器适配). A real reader (a local service reading the chip of the
second-generation ID card) plugs in as another ``CardReader``; the demo and the tests use ``SimulatedReader``, which
"reads" the number the demo operator places on the simulated reader tray of the page. Without a reader the kiosk
offers the other two ways to identify and, failing those, the guide desk."""

from __future__ import annotations

from typing import Protocol

from smarthall.core.validators import check_id_number, normalize_id_number


class CardReader(Protocol):
    name: str
    simulated: bool

    def read(self, presented: str) -> str | None:
        """The ID number on the card, or None when the card could not be read."""
        ...


class SimulatedReader:
    name = "simulated"
    simulated = True

    def read(self, presented: str) -> str | None:
        number = normalize_id_number(presented or "")
        return None if not number or check_id_number(number) else number


_READER: CardReader = SimulatedReader()


def current() -> CardReader:
    return _READER


def install(reader: CardReader) -> None:
    global _READER  # noqa: PLW0603 - one reader per process, set at start-up
    _READER = reader
