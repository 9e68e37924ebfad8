"""Extract translatable strings per gettext domain and merge them into the catalogues.

Domains: ``messages`` (the core web shell) and one per capability (``registry``,
``diagnosis``, ``stats``...). A capability's strings are those in ``src/asocia/<domain>/``,
``src/asocia/web/<domain>.py`` and ``src/asocia/web/templates/<domain>/``. New strings arrive
untranslated in ``locale/es/LC_MESSAGES/<domain>.po``; this script lists them.

    python scripts/messages.py            # update every catalogue, list what lacks Spanish
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "asocia"
WEB = PACKAGE / "web"
LOCALE = PACKAGE / "locale"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
CAPABILITIES = (
    "registry",
    "diagnosis",
    "stats",
    "programmes",
    "monitoring",
    "partnerships",
    "cli",
)


def domain_files(domain: str) -> list[Path]:
    """The source files whose strings belong to ``domain``."""
    if domain == "messages":
        files = [p for p in WEB.glob("*.py") if p.stem not in CAPABILITIES]
        return files + sorted((WEB / "templates").glob("*.html"))
    files = sorted((PACKAGE / domain).rglob("*.py")) if (PACKAGE / domain).exists() else []
    if (WEB / f"{domain}.py").exists():
        files.append(WEB / f"{domain}.py")
    return files + sorted((WEB / "templates" / domain).rglob("*.html"))


def extract(domain: str) -> Catalog:
    """A template catalogue of the strings ``domain`` uses."""
    template = Catalog(domain=domain, project="asocia")
    for path in domain_files(domain):
        method = "python" if path.suffix == ".py" else "jinja2"
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for lineno, message, comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            template.add(
                message, None, [(str(path.relative_to(ROOT)), lineno)], auto_comments=comments
            )
    return template


def update(domain: str, lang: str = "es") -> list[str]:
    """Merge ``domain``'s strings into its ``lang`` catalogue; returns untranslated ids."""
    path = LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"
    template = extract(domain)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=domain)
        template.creation_date = catalog.creation_date  # no churn when nothing changed
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
    else:
        catalog = Catalog(locale=lang, domain=domain, project="asocia", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, no_location=True, sort_output=False)
    return [str(m.id) for m in catalog if m.id and not m.string]


def main() -> int:
    domains = ["messages", *[d for d in CAPABILITIES if domain_files(d)]]
    missing_any = False
    for domain in domains:
        missing = update(domain)
        if missing:
            missing_any = True
            print(f"{domain}: {len(missing)} strings without Spanish:")
            for message in missing:
                print(f"  {message!r}")
    return 1 if missing_any else 0


if __name__ == "__main__":
    sys.exit(main())
