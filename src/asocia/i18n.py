"""Translations: Spanish by default, English on request.

Message ids are English. Each capability keeps its own gettext domain
(``locale/<lang>/LC_MESSAGES/<domain>.po``), read straight from the ``.po`` files (no compile
step to forget). A lookup for a domain tries that domain first, then the core ``messages``,
then the others: the same English word may need a different Spanish form in another
capability ("Read" → "Leídas" of rows, "Leídos" of submissions).
"""

from __future__ import annotations

import ast
import gettext as _gettext
import re
from functools import cache
from pathlib import Path

from asocia.settings import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
CORE_DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (it is translated where shown)."""
    return message


_PLURAL_FORMS = re.compile(r"plural=([^;\n]+)")


def read_po_messages(po: Path) -> tuple[dict[str | tuple[str, int], str], str]:
    """The translated messages of a ``.po`` file and its plural expression, read directly.

    What Babel's ``read_po`` + ``write_mo(use_fuzzy=False)`` keep, at a fraction of the start-up
    cost (the command line reads the catalogues at every run): entries with a translation,
    not fuzzy, not obsolete; plural entries keyed ``(msgid, n)`` (an empty form is the
    English one, as Babel writes it); ``msgctxt`` as
    ``context\x04msgid``. tests/cli/test_po_reader.py checks it against Babel on every
    catalogue.
    """
    messages: dict[str | tuple[str, int], str] = {}
    plural = "(n != 1)"
    entry: dict[str, str] = {}
    fuzzy = False
    field: str | None = None

    def flush() -> None:
        nonlocal entry, fuzzy, plural
        msgid = entry.get("msgid")
        if msgid is not None and not fuzzy:
            if "msgctxt" in entry:
                msgid = f"{entry['msgctxt']}\x04{msgid}"
            if msgid == "":
                found = _PLURAL_FORMS.search(entry.get("msgstr", ""))
                plural = found.group(1).strip() if found else plural
            elif "msgid_plural" in entry:
                forms = sorted(
                    (int(k[7:-1]), v) for k, v in entry.items() if k.startswith("msgstr[")
                )
                for n, value in forms:  # as Babel: an empty form reads as the English one
                    messages[(msgid, n)] = value or (msgid if n == 0 else entry["msgid_plural"])
            elif entry.get("msgstr"):
                messages[msgid] = entry["msgstr"]
        entry, fuzzy = {}, False

    for raw in po.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            field = None
        elif line.startswith("#~"):
            continue
        elif line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line[2:].replace(",", " ").split():
                if "msgid" in entry:
                    flush()
                fuzzy = True
            elif "msgid" in entry:
                flush()
        elif line.startswith('"'):
            if field is not None:
                entry[field] += _unquote(line)
        else:
            keyword, _space, value = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and "msgid" in entry:
                flush()
            field = keyword
            entry[field] = _unquote(value)
    flush()
    messages.pop("", None)
    return messages, plural


def _unquote(literal: str) -> str:
    """The text of a quoted PO string (C escapes, as Python's)."""
    literal = literal.strip()
    if "\\" not in literal and literal[:1] == literal[-1:] == '"' and len(literal) >= 2:
        return literal[1:-1]
    value = ast.literal_eval(literal)
    if not isinstance(value, str):
        raise ValueError(f"not a PO string: {literal}")
    return value


class _Catalogue(_gettext.GNUTranslations):
    """A GNU translations object filled from :func:`read_po_messages` (no ``.mo`` needed)."""

    def __init__(self, po: Path) -> None:
        super().__init__()
        messages, plural = read_po_messages(po)
        self._catalog = messages
        self.plural = _gettext.c2py(plural)
        self._charset = "utf-8"


def _catalogue(po: Path, lang: str) -> _gettext.GNUTranslations:
    return _Catalogue(po)


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


class Term(str):
    """A word given to a :class:`Message` that is translated too (a field's name)."""


class Message:
    """A message a person reads, kept as an English message id, its gettext domain and its
    parameters; ``str()`` is the English text, :meth:`text` renders it in a language.

    Message ids use ``%(name)s`` placeholders and are marked with ``N_`` where they are
    written, so that ``scripts/messages.py`` extracts them. Parameters stay as given, except a
    :class:`Term` (translated) and a nested :class:`Message` or :class:`MessageError`
    (rendered in the same language).
    """

    def __init__(self, msgid: str, domain: str = CORE_DOMAIN, /, **params: object) -> None:
        self.msgid = msgid
        self.domain = domain
        self.params = params

    def text(self, lang: str) -> str:
        """The message in ``lang`` (``es`` or ``en``)."""
        params = {key: _render(value, lang, self.domain) for key, value in self.params.items()}
        template = self.msgid if lang == "en" else gettext(lang, self.msgid, self.domain)
        return template % params if params else template

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {self.domain!r}, **{self.params!r})"


class MessageError(ValueError):
    """An error a person reads: a :class:`Message` in the gettext domain of the class.

    ``str(exc)`` is the English text (logs, tests and the API's ``detail`` stay English);
    :meth:`text` renders it in a language.
    """

    domain = CORE_DOMAIN

    def __init__(self, msgid: str, /, **params: object) -> None:
        self.message = Message(msgid, self.domain, **params)
        self.msgid, self.params = msgid, params
        super().__init__(self.message.text("en"))

    def text(self, lang: str) -> str:
        """The message in ``lang`` (``es`` or ``en``)."""
        return self.message.text(lang)


def _render(value: object, lang: str, domain: str) -> object:
    if isinstance(value, (Message, MessageError)):
        return value.text(lang)
    if isinstance(value, Term):
        return value if lang == "en" else gettext(lang, value, domain)
    return value


def error_text(exc: BaseException, lang: str) -> str:
    """What a person reads of ``exc`` in ``lang``: a :class:`MessageError` translated, any
    other exception as it is."""
    return exc.text(lang) if isinstance(exc, MessageError) else str(exc)
