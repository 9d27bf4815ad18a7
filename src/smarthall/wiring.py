"""The platform's wiring: one ``Registry`` built from every domain's ``register()``, in a fixed order.

``create_app``, the task consumer (``smarthall worker``) and commands that emit events build it with
``build_registry``; nothing registers itself at import.
"""

from __future__ import annotations

import importlib

from smarthall.core.config import Settings
from smarthall.core.registry import Registry

DOMAINS = (
    "web",
    "org",
    "identity",
    "audit",
    "notify",
    "catalog",
    "rules",
    "consult",
    "assist",
    "appointment",
    "queueing",
    "cases",
    "licences",
    "archive",
    "evaluation",
    "operations",
    "venue",
    "errands",
    "coordination",
    "apiclients",
    "webhooks",
    "staff",
    "bundles",
    "payments",
    "ocr",
    "stations",
)


def build_registry(settings: Settings | None = None) -> Registry:
    registry = Registry(settings)
    for name in DOMAINS:
        importlib.import_module(f"smarthall.{name}").register(registry)
        registry.domains.append(name)
    return registry
