"""Bundle pages (placeholder, filled below)."""

from __future__ import annotations

from fastapi import APIRouter

from smarthall.core.routing import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
