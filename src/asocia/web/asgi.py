"""ASGI entry point for servers: ``uvicorn asocia.web.asgi:app --workers 4``.

Settings come from the environment (see docs/configuration.md).
"""

from asocia.web.app import create_app

app = create_app()
