"""Authorization cases of the core routes."""

from tests.authz import ADMIN, EVERYONE, LOGGED_IN, RouteCase

CASES = [
    RouteCase("GET", "/", EVERYONE),
    RouteCase("GET", "/login", EVERYONE),
    RouteCase("POST", "/login", EVERYONE, data={"username": "nobody", "password": "x"}),
    RouteCase("POST", "/logout", EVERYONE),
    RouteCase("POST", "/language", EVERYONE, data={"lang": "en", "next": "/"}),
    RouteCase("GET", "/account", LOGGED_IN),
    RouteCase("POST", "/account/tokens", LOGGED_IN, data={"name": "script"}),
    RouteCase(
        "POST",
        "/account/tokens/{token}/revoke",
        LOGGED_IN,
        route="/account/tokens/{token_id}/revoke",
    ),
    RouteCase("GET", "/admin/users", ADMIN),
    RouteCase(
        "POST",
        "/admin/users",
        ADMIN,
        data={"username": "new-one", "password": "x" * 12, "role": "field"},
    ),
    RouteCase("POST", "/admin/users/{username}/role", ADMIN, data={"role": "analyst"}),
    RouteCase("GET", "/jobs/{job}", LOGGED_IN, route="/jobs/{job_id}"),
    RouteCase("GET", "/api/v1/docs", EVERYONE),
    RouteCase("GET", "/api/v1/openapi.json", EVERYONE),
    RouteCase("GET", "/api/v1/me", EVERYONE),
    RouteCase("GET", "/api/v1/health", EVERYONE),
    RouteCase("GET", "/api/v1/tokens", LOGGED_IN),
    RouteCase("POST", "/api/v1/tokens", LOGGED_IN, json={"name": "script"}),
    RouteCase("DELETE", "/api/v1/tokens/{token}", LOGGED_IN, route="/api/v1/tokens/{token_id}"),
    RouteCase("GET", "/api/v1/jobs/{job}", LOGGED_IN, route="/api/v1/jobs/{job_id}"),
]
