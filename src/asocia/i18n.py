"""Translations: Spanish by default, English on request.

Message ids are English. Each capability keeps its own gettext domain
(``locale/<lang>/LC_MESSAGES/<domain>.po``), read straight from the ``.po`` files (no compile
step to forget). A lookup for a domain tries that domain first, then the core ``messages``,
then the others: the same English word may need a different Spanish form in another
capability ("Read" → "Leídas" of rows, "Leídos" of submissions).
"""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from asocia.settings import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
CORE_DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (it is translated where shown)."""
    return message


def _catalogue(po: Path, lang: str) -> _gettext.GNUTranslations:
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=po.stem)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


@cache
def translations(lang: str, domain: str = CORE_DOMAIN) -> _gettext.NullTranslations:
    """The catalogue of ``lang`` (``es`` or ``en``) for ``domain``, with the others behind it."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    files = {po.stem: po for po in (LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")}
    order = [domain, CORE_DOMAIN, *sorted(files)]
    chain: _gettext.NullTranslations | None = None
    for name in dict.fromkeys(order):
        if name not in files:
            continue
        translations = _catalogue(files[name], lang)
        if chain is None:
            chain = translations
        else:
            chain.add_fallback(translations)
    return chain or _gettext.NullTranslations()


def gettext(lang: str, message: str, domain: str = CORE_DOMAIN) -> str:
    """``message`` (an English message id) in ``lang``."""
    return translations(lang, domain).gettext(message)


def ngettext(lang: str, singular: str, plural: str, n: int, domain: str = CORE_DOMAIN) -> str:
    """The singular or plural form of a message for ``n`` in ``lang``."""
    return translations(lang, domain).ngettext(singular, plural, n)


@cache
def domains() -> frozenset[str]:
    """The gettext domains that have catalogues."""
    return frozenset(po.stem for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
