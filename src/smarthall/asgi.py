"""ASGI entry point for uvicorn: ``smarthall.asgi:app`` builds the app from the environment and starts the
embedded task consumer (set ``SMARTHALL_EMBEDDED_WORKER=0`` when a separate ``smarthall worker`` runs)."""

import os

from smarthall.core.tasks import start_embedded_consumer
from smarthall.main import create_app

app = create_app()
if os.environ.get("SMARTHALL_EMBEDDED_WORKER", "1") != "0":
    start_embedded_consumer()
