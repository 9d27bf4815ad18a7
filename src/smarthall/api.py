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

# The routers, in the order FastAPI tries them: it matches routes one by one, walking each included router twice
# (once to find it, once inside it), so the app includes every router directly (no nesting) and the live hall's hot
# paths — boards, tickets, calling, bookings — come first.
API_ROUTERS: tuple[APIRouter, ...] = (
    queueing_router,
    appointment_router,
    org_router,
    catalog_router,
    identity_router,
    audit_router,
    notify_router,
    archive_router,
    evaluation_router,
    consult_router,
    assist_router,
    cases_router,
)
PAGE_ROUTERS: tuple[APIRouter, ...] = (
    health_router,
    web_router,
    evaluation_pages,
    archive_pages,
    consult_pages,
    assist_pages,
    cases_pages,
    queueing_pages,
)
