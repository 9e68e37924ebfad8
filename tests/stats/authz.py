"""Authorization cases of the statistics routes."""

from tests.authz import EVERYONE, STAFF, RouteCase

CASES = [
    RouteCase("GET", "/stats", EVERYONE),
    RouteCase(
        "GET", "/stats/data/cooperatives_by_region.csv", EVERYONE, route="/stats/data/{name}.csv"
    ),
    RouteCase("GET", "/stats/crosstab", STAFF),
    RouteCase("GET", "/stats/crosstab.csv", STAFF),
    RouteCase("GET", "/api/v1/stats/summary", EVERYONE),
    RouteCase("GET", "/api/v1/stats/indicators", EVERYONE),
    RouteCase("GET", "/api/v1/stats/dashboard", EVERYONE),
    RouteCase(
        "GET", "/api/v1/stats/crosstab?rows=region", EVERYONE, route="/api/v1/stats/crosstab"
    ),
    RouteCase("GET", "/stats/diagnosis.csv", STAFF),
    RouteCase("GET", "/api/v1/stats/diagnosis", STAFF),
]
