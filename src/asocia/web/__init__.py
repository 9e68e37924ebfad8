"""The web application: server-rendered pages (Jinja2 + htmx) and the JSON API."""

from asocia.web.app import create_app

__all__ = ["create_app"]
