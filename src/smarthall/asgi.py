"""ASGI entry point for uvicorn: ``smarthall.asgi:app`` builds the app from the environment."""

from smarthall.main import create_app

app = create_app()
