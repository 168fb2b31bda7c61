"""ASGI entry point for uvicorn workers: `hub.asgi:app`."""

from hub.app import create_app

app = create_app()
