"""Assembles the JSON API under /api/v1 and the HTML pages."""

from __future__ import annotations

from fastapi import APIRouter

from smarthall.appointment.api import router as appointment_router
from smarthall.archive.api import router as archive_router
from smarthall.archive.pages import router as archive_pages
from smarthall.assist.api import router as assist_router
from smarthall.assist.pages import router as assist_pages
from smarthall.audit.api import router as audit_router
from smarthall.cases.api import router as cases_router
from smarthall.cases.pages import router as cases_pages
from smarthall.catalog.api import router as catalog_router
from smarthall.consult.api import router as consult_router
from smarthall.consult.pages import router as consult_pages
from smarthall.evaluation.api import router as evaluation_router
from smarthall.evaluation.pages import router as evaluation_pages
from smarthall.health import router as health_router
from smarthall.identity.api import router as identity_router
from smarthall.notify.api import router as notify_router
from smarthall.org.api import router as org_router
from smarthall.queueing.api import router as queueing_router
from smarthall.queueing.pages import router as queueing_pages
from smarthall.web.pages import router as web_router

# Order matters for speed: FastAPI matches routes in order, walking each included router, so the live hall's hot
# paths (tickets, calling, boards, bookings) come first.
api_router = APIRouter()
api_router.include_router(queueing_router)
api_router.include_router(appointment_router)
api_router.include_router(org_router)
api_router.include_router(catalog_router)
api_router.include_router(identity_router)
api_router.include_router(audit_router)
api_router.include_router(notify_router)
api_router.include_router(archive_router)
api_router.include_router(evaluation_router)
api_router.include_router(consult_router)
api_router.include_router(assist_router)
api_router.include_router(cases_router)

page_router = APIRouter()
page_router.include_router(health_router)
page_router.include_router(web_router)
page_router.include_router(evaluation_pages)
page_router.include_router(archive_pages)
page_router.include_router(consult_pages)
page_router.include_router(assist_pages)
page_router.include_router(cases_pages)
page_router.include_router(queueing_pages)
