"""The English names of the catalog (issue 16), for pages read in English.

A catalog file may give an English name (``name_en``) beside the Chinese one of a hall, zone, department, window,
item, material and bundle, and an English label (``label_en``) of a form field (format revision 1.4,
``docs/catalog-format.md``); the import stores them. Pages show them through one map, Chinese → English, which the
page renderer applies to every value a template prints when the page is read in English (``web.templating``): a
name shows in English wherever a page prints it, whether the page got it from a row, a dict or a service's summary,
and a name without an English one stays Chinese. The map is cached per process (``NAMES_EN``, emptied when a row it
is built from changes here, otherwise after a minute).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smarthall.catalog import repository
from smarthall.core.cache import cached
from smarthall.core.i18n import catalog
from smarthall.org import names as org_names

NAMES_EN = "catalog.names_en"
TERMS = "catalog.term."  # i18n catalog keys of fixed terms shown as names (messages.toml)
TABLES = (
    "org_region",
    "catalog_item",
    "catalog_material",
    "catalog_form_field",
    "catalog_bundle",
    "catalog_faq",
    "org_hall",
    "org_zone",
    "org_department",
    "org_window",
)


def english_names(database: Any) -> Mapping[str, str]:
    """Chinese name → English name of everything the catalog names in English (cached)."""
    session = database.session(write=False)
    try:
        return cached(session, NAMES_EN, "all", lambda: _load(session), seconds=60.0)
    finally:
        session.close()


def _load(session: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for name, name_en in repository.english_name_pairs(session) + org_names.english_name_pairs(session):
        names.setdefault(name, name_en)  # the same Chinese name twice (a material of several items): the first
    for key, (zh, en) in catalog().items():  # fixed terms (an item's type, an e-licence type): the i18n catalog's
        if key.startswith(TERMS):
            names.setdefault(zh, en)
    return names


def english(names: Mapping[str, str], name: str | None) -> str:
    """``name`` in English when the catalog has it, else as it is."""
    return names.get(name, name) if name else (name or "")
