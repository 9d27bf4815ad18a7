"""Assembles the JSON API under /api/v1 and the HTML pages."""

from __future__ import annotations

from fastapi import APIRouter

from smarthall.appointment.api import router as appointment_router
from smarthall.audit.api import router as audit_router
from smarthall.catalog.api import router as catalog_router
from smarthall.health import router as health_router
from smarthall.identity.api import router as identity_router
from smarthall.notify.api import router as notify_router
from smarthall.org.api import router as org_router
from smarthall.queueing.api import router as queueing_router
from smarthall.queueing.pages import router as queueing_pages
from smarthall.web.pages import router as web_router

api_router = APIRouter()
api_router.include_router(org_router)
api_router.include_router(catalog_router)
api_router.include_router(identity_router)
api_router.include_router(audit_router)
api_router.include_router(notify_router)
api_router.include_router(appointment_router)
api_router.include_router(queueing_router)

page_router = APIRouter()
page_router.include_router(health_router)
page_router.include_router(web_router)
page_router.include_router(queueing_pages)
