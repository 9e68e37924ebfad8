"""Upload limits and the lifetime of uploaded files.

- :class:`BodySizeLimit` (ASGI middleware) refuses a request body larger than
  ``ASOCIA_MAX_UPLOAD_MB`` while it streams in: at once when ``Content-Length`` says so, else
  as soon as the bytes received pass the limit. The route answers 413 with its usual error page
  (HTML) or JSON body; nothing past the limit is read or stored.
- :func:`remove_upload` deletes an uploaded file (and its ``.name`` label) once it is no longer
  needed; :func:`sweep` deletes uploads older than :data:`KEEP_HOURS` that a wizard left
  behind (a person who uploaded and walked away).
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Hours an upload waits for its wizard before :func:`sweep` removes it.
KEEP_HOURS = 24


class UploadTooLarge(HTTPException):
    """A request body passed the upload limit (413)."""

    def __init__(self, limit_mb: int) -> None:
        super().__init__(
            413, f"the upload is larger than the limit of {limit_mb} MB (ASOCIA_MAX_UPLOAD_MB)"
        )
        self.limit_mb = limit_mb


class BodySizeLimit:
    """ASGI middleware: at most ``limit_mb`` megabytes of request body."""

    def __init__(self, app: ASGIApp, limit_mb: int) -> None:
        self.app = app
        self.limit_mb = limit_mb
        self.limit = limit_mb * 1024 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0

        async def limited() -> Message:
            nonlocal received
            if declared is not None and declared > self.limit:
                raise UploadTooLarge(self.limit_mb)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise UploadTooLarge(self.limit_mb)
            return message

        await self.app(scope, limited, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def remove_upload(path: Path) -> None:
    """Delete an uploaded file and its label; a file already gone is not an error."""
    for item in (path, path.with_suffix(".name")):
        with contextlib.suppress(FileNotFoundError):
            item.unlink()


def discard_if_refused(path: Path, error: Exception) -> None:
    """Delete an upload that a safety check refused: no step of a wizard can use it."""
    from asocia.registry.readers import UnsafeFile

    if isinstance(error, UnsafeFile):
        remove_upload(path)


def sweep(folder: Path, *, hours: float = KEEP_HOURS, now: float | None = None) -> int:
    """Delete files in ``folder`` untouched for ``hours``; returns how many were removed."""
    if not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - hours * 3600
    removed = 0
    for item in folder.iterdir():
        try:
            if item.is_file() and item.stat().st_mtime < cutoff:
                item.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def install(app: Any, limit_mb: int) -> None:
    """Add the body size limit to ``app`` (called by the application factory)."""
    app.add_middleware(BodySizeLimit, limit_mb=limit_mb)
