"""English names of the hall tree (issue 16): halls, zones, departments and windows may carry one from the catalog
file (``name_en``); pages read in English show it in place of the Chinese name (``catalog.names``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smarthall.org import repository


def english_name_pairs(session: Session) -> list[tuple[str, str]]:
    """``(name, name_en)`` of every region, hall, zone, department and window that has an English name."""
    return repository.english_name_pairs(session)
