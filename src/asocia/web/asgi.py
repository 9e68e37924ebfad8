"""ASGI entry point for servers: ``uvicorn asocia.web.asgi:app --workers 4``.

Settings come from the environment (see docs/configuration.md). A wrong setting, an unreachable
database or a schema older than the code stops the worker with one clear line.
"""

import sys

from asocia.db.session import DatabaseError
from asocia.settings import SettingsError
from asocia.web.app import create_app

try:
    app = create_app()
except (SettingsError, DatabaseError) as exc:
    print(f"error: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
