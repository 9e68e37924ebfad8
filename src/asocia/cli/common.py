"""What every command shares: opening the database, printing, failing with one clear line.

Language and numbers: every message a person reads goes through :func:`_` (English message
id, looked up in the ``cli`` gettext domain, then in the web's catalogues), and every number
in human output through :func:`number` / :func:`percent` (Chilean formats in Spanish:
``1.776``, ``39,9 %``). ``--json`` and ``--csv`` print plain machine values instead. The
language is Spanish unless ``--lang en``, the locale (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``) or ``ASOCIA_DEFAULT_LANGUAGE`` says otherwise.

Exit codes (docs/cli.md): 0 done; 1 the work ran and failed (an import that failed, an
invalid instrument, a refused confirmation); 2 bad usage or input (option values, missing
or unreadable files, an unreachable or out-of-date database, invalid settings); 3 an
unexpected error (a bug: ``ASOCIA_DEBUG=1`` shows the traceback); 130 interrupted.

This module is imported by ``asocia --version``: keep heavy imports (SQLAlchemy, Babel,
the web stack) inside the functions that need them.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions

from asocia.settings import LANGUAGES, Settings, SettingsError

if TYPE_CHECKING:
    from rich.progress import Progress

    from asocia.db.session import Database

DOMAIN = "cli"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
PIPE_WIDTH = 4096
"""Width of output that does not go to a terminal (a pipe or a file): lines are not wrapped."""


class _Console(Console):
    """A Rich console that wraps at the terminal's width, and not at all in a pipe."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if options.get("width") is None:
            self._width = None  # Rich fixes COLUMNS at creation; read it when printing

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self._width is None and not self.is_terminal:  # COLUMNS too: some tools export 80
            return ConsoleDimensions(PIPE_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


console = _Console(soft_wrap=True)
err_console = _Console(stderr=True, soft_wrap=True)

_chosen_language: str | None = None


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


# Words commands translate at run time (counts of an import, outcomes of a problem).
RUNTIME_MESSAGES = (
    N_("read"),
    N_("created"),
    N_("updated"),
    N_("unchanged"),
    N_("rejected"),
    N_("flagged"),
)


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """``es`` or ``en``: the first supported language of the locale, then the instance default.

    ``C``/``POSIX`` and unsupported languages say nothing; without a choice it is Spanish.
    """
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        for item in environ.get(name, "").split(":"):
            code = item.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
            if code in LANGUAGES:
                return code
    default = environ.get("ASOCIA_DEFAULT_LANGUAGE", "").strip().lower()
    return default if default in LANGUAGES else "es"


def use_language(lang: str | None) -> str:
    """Choose the language of this run (``None``: from the environment); returns it."""
    global _chosen_language
    if lang is not None:
        lang = lang.strip().lower()
        if lang not in LANGUAGES:
            _chosen_language = None
            raise typer.BadParameter(f"{lang!r}: es, en", param_hint="'--lang'")
    _chosen_language = lang
    return language()


def command_language(lang: str | None) -> str:
    """A command's own ``--lang`` (``None``: the run's language), which the run then speaks."""
    return use_language(lang) if lang is not None else language()


def language() -> str:
    """The language of this run: ``--lang``, else the environment (Spanish by default)."""
    return _chosen_language or language_from_environment()


def _(message: str) -> str:
    """``message`` (an English message id) in the language of this run."""
    from asocia import i18n

    return i18n.gettext(language(), message, DOMAIN)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the language of this run."""
    from asocia import i18n

    return i18n.ngettext(language(), singular, plural, n, DOMAIN)


# Decimal and group symbols of the languages the CLI speaks (Babel's, for es and en).
_SYMBOLS = {"es": (",", "."), "en": (".", ",")}
_PLAIN_LIMIT = 10**15


def plain_number(value: Any, digits: int, lang: str, *, scale: int = 0) -> str | None:
    """``value`` as Babel's ``#,##0[.00…]`` pattern writes it in ``lang`` (``scale`` 2: a
    percentage, without the sign), for an int or a finite float below 10¹⁵; None otherwise.

    Babel's first number costs about 40 ms of CPU (its import and locale data) in a command
    that starts in a few hundred: :func:`number` and :func:`percent` use this, and Babel for
    anything else. tests/cli/test_numbers.py checks the two agree (Hypothesis).
    """
    symbols = _SYMBOLS.get(lang)
    if symbols is None or type(value) not in (int, float):
        return None
    if not math.isfinite(value) or abs(value) >= _PLAIN_LIMIT:
        return None
    from decimal import Decimal

    exact = (Decimal(value) if type(value) is int else Decimal(str(value))).scaleb(scale)
    negative = exact.is_signed()
    rounded = abs(exact).normalize().quantize(Decimal(1).scaleb(-digits))  # half to even
    whole, _sep, fraction = f"{rounded:f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = symbols[1].join([whole, *groups])
    if digits:
        text += symbols[0] + fraction.ljust(digits, "0")
    return ("-" if negative else "") + text


def number(value: Any, digits: int = 0) -> str:
    """``value`` for people: ``1.776`` / ``824,77`` in Spanish, ``1,776`` in English."""
    if value is None:
        return "—"
    plain = plain_number(value, digits, language())
    if plain is not None:
        return plain
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(format_decimal(value, format=pattern, locale=language()))


def percent(fraction: float | None, digits: int = 1) -> str:
    """A share (0.399) for people: ``39,9 %`` in Spanish, ``39.9 %`` in English."""
    if fraction is None:
        return "—"
    plain = plain_number(fraction, digits, language(), scale=2)
    if plain is not None:
        return plain + " %"
    from babel.numbers import format_percent

    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    return str(format_percent(fraction, format=pattern, locale=language()))


def growth(fraction: float | None, digits: int = 1) -> str:
    """A growth for people, signed: ``+80,5 %`` in Spanish, ``+80.5 %`` in English."""
    if fraction is None:
        return "—"
    return ("+" if fraction >= 0 else "") + percent(fraction, digits)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``message`` as one line on stderr and exit with ``code``."""
    from rich.markup import escape

    one_line = " ".join(str(message).split())
    err_console.print(f"[bold red]error:[/] {escape(one_line)}", highlight=False)
    raise typer.Exit(code)


def load_settings() -> Settings:
    """Settings from the environment, or exit with the problem."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        fail(str(exc))


def open_database(*, check_schema: bool = True) -> Database:
    """The configured database, reachable and at this code's schema, or exit with code 2."""
    from asocia.db.session import Database, DatabaseError

    settings = load_settings()
    try:
        db = Database(settings.database_url)
    except Exception as exc:
        fail(_("invalid database URL (ASOCIA_DATABASE_URL): {reason}").format(reason=exc))
    try:
        if check_schema:
            db.check_schema()
        else:
            db.ping()
    except DatabaseError as exc:
        fail(_database_problem(str(exc)))
    return db


_DATABASE_PROBLEMS = (
    (
        re.compile(r"cannot reach the database (?P<url>\S+): (?P<reason>.*)", re.S),
        N_("cannot reach the database {url}: {reason}"),
    ),
    (
        re.compile(
            r"the database (?P<url>\S+) is at schema revision (?P<current>\S+), this asocia "
            r"needs (?P<head>\S+): run `asocia db upgrade`"
        ),
        N_(
            "the database {url} is at schema revision {current}, this asocia needs {head}: "
            "run `asocia db upgrade`"
        ),
    ),
)


def _database_problem(message: str) -> str:
    """The storage layer's one-line reason, in the language of this run when it is a known one."""
    for pattern, template in _DATABASE_PROBLEMS:
        found = pattern.fullmatch(message)
        if found:
            values = found.groupdict()
            if values.get("current") == "empty":
                values["current"] = _("empty")
            return _(template).format(**values)
    return message


def print_json(value: Any) -> None:
    """Print ``value`` as JSON on stdout (dates and other objects as strings)."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@contextmanager
def progress(*, transient: bool = False, disable: bool = False) -> Iterator[Progress]:
    """A Rich progress bar on stderr (so ``--json`` output on stdout stays clean).

    Only on a terminal: in a pipe or a log it would add lines (and one after an error).
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
        disable=disable or not err_console.is_terminal,
    )
    with bar:
        yield bar
