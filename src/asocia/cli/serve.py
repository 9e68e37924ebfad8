"""``asocia serve``: run the web application."""

from __future__ import annotations

import typer

from asocia.cli.common import console, fail, load_settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", help="Worker processes (PostgreSQL for >1)."),
    reload: bool = typer.Option(False, "--reload", help="Restart on code changes (development)."),
) -> None:
    """Serve the web application and the JSON API."""
    import uvicorn

    from asocia.db.session import Database, DatabaseError

    settings = load_settings()
    try:
        Database(settings.database_url).check_schema()
    except DatabaseError as exc:
        fail(str(exc))
    if workers > 1 and settings.database_url.startswith("sqlite"):
        console.print("[yellow]note:[/] several workers on SQLite serialise writes; use PostgreSQL")
    console.print(f"asocia at http://{host}:{port}  (database {settings.database_url})")
    uvicorn.run(
        "asocia.web.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        log_level="info",
    )
