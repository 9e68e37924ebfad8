"""Translations: Spanish by default, English on request.

Message ids are English. Each capability keeps its own gettext domain
(``locale/<lang>/LC_MESSAGES/<domain>.po``); at start every domain of a language is merged into
one catalogue, read straight from the ``.po`` files (no compile step to forget).
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


def _load(lang: str) -> _gettext.NullTranslations:
    merged: _gettext.NullTranslations | None = None
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=po.stem)
        buffer = BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        translations = _gettext.GNUTranslations(buffer)
        if merged is None:
            merged = translations
        else:
            merged.add_fallback(translations)
    return merged or _gettext.NullTranslations()


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The merged catalogue of ``lang`` (``es`` or ``en``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    return _load(lang)


def gettext(lang: str, message: str) -> str:
    """``message`` (an English message id) in ``lang``."""
    return translations(lang).gettext(message)


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n`` in ``lang``."""
    return translations(lang).ngettext(singular, plural, n)
