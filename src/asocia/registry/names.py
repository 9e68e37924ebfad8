"""Folding of names and labels for matching: case-, accent- and punctuation-insensitive."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")
_NON_WORD_OR_NUL = re.compile(r"[^0-9a-z\x00]+")
# Legal-form words that say nothing about which cooperative it is.
_FORM_WORDS = re.compile(
    r"\b(cooperativa|cooperativas|coop|ltda|limitada|de|del|la|las|los|el|y|e|cia|sa|ag)\b"
)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case ``text``, strip accents and punctuation, collapse spaces.

    >>> fold("  Región de Ñuble — N° Socios ")
    'region de nuble n socios'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", ascii_only).strip()


def _ascii_words(text: str, separators: re.Pattern[str]) -> str:
    """``text`` casefolded, accents and other non-ASCII dropped, each run of ``separators``
    one space (not yet trimmed)."""
    folded = text.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    return separators.sub(" ", folded)


def name_key(legal_name: str) -> str:
    """The key of a legal name used for search and sorting: folded, words in order."""
    return _ascii_words(legal_name, _NON_WORD).strip()[:300]


def name_keys(legal_names: list[str | None]) -> list[str | None]:
    """:func:`name_key` of each name (None stays None), folding the whole column at once.

    The names are joined with NUL (which no cell holds) and folded by the same passes as
    :func:`name_key`, once over the joined text instead of once per name: casefolding, the
    compatibility decomposition and the ASCII filter all work character by character, so the
    result is the same name by name.
    """
    present = [n for n in legal_names if n is not None]
    joined = "\x00".join(present)
    if joined.count("\x00") != len(present) - 1:  # a NUL inside a name, or no name at all
        return [None if n is None else name_key(n) for n in legal_names]
    words = _ascii_words(joined, _NON_WORD_OR_NUL)  # NUL is kept: it separates the names
    keys = iter(k.strip()[:300] for k in words.split("\x00"))
    return [None if n is None else next(keys) for n in legal_names]


def match_key(legal_name: str) -> str:
    """A name reduced to its distinctive words, for duplicate detection.

    >>> match_key("Cooperativa Agrícola y Lechera La Unión Ltda.")
    'agricola lechera union'
    """
    return " ".join(_FORM_WORDS.sub(" ", name_key(legal_name)).split())
