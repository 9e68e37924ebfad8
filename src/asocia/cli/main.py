"""The ``asocia`` command: one group per capability, registered here.

Start-up stays fast (``asocia --help`` and ``--version`` in well under half a second): a
group's module is imported only when that group runs; ``asocia --help`` lists each group with
the first line of its module's docstring, without importing it. Register a group by adding its
name to ``GROUPS``: the module ``asocia.cli.<name>`` exposes ``app`` (a Typer). Inside a
group, import heavy libraries (web stack, PDF, XLSForm, spreadsheets, Alembic, DuckDB) in the
commands that use them; ``tests/cli/test_startup.py`` guards the list.

Errors: whatever goes wrong ends as one line on stderr and an exit code (docs/cli.md):
Click's usage errors, :func:`asocia.cli.common.fail`, files that cannot be read or written,
and, for a bug, the exception in one line (``ASOCIA_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import errno
import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

try:  # Typer ≥ 0.20 ships its own Click
    from typer import _click as click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older Typer on the real Click
    import click  # type: ignore[no-redef]
    from click import exceptions as click_errors  # type: ignore[no-redef]

from asocia import __version__
from asocia.cli import coercion, common
from asocia.cli.backup import backup, restore
from asocia.cli.common import N_, _, number
from asocia.cli.serve import serve

coercion.install()  # plain option values without Pydantic (start-up; see asocia.cli.coercion)

# Command groups, in the order ``asocia --help`` lists them; a capability not built yet is
# skipped.
GROUPS = [
    "db",
    "users",
    "registry",
    "demo",
    "diagnosis",
    "stats",
    "programmes",
    "strategy",
    "sessions",
    "indicators",
    "partnerships",
]

_OS_ERRORS = {
    errno.ENOENT: N_("no such file or directory"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.EISDIR: N_("is a directory"),
    errno.ENOTDIR: N_("not a directory"),
    errno.ENOSPC: N_("no space left on the device"),
    errno.EEXIST: N_("already exists"),
    errno.EROFS: N_("read-only file system"),
}


def _group_help(name: str) -> str:
    """First line of ``asocia.cli.<name>``'s docstring, read without importing the module."""
    spec = importlib.util.find_spec(f"asocia.cli.{name}")
    if spec is None or spec.origin is None:
        return ""
    head = Path(spec.origin).read_text(encoding="utf-8")[:2000]
    found = re.search(r'"""(.*?)(?:\n|""")', head)
    text = found.group(1).strip() if found else ""
    text = re.sub(r"^``asocia [\w-]+``:\s*", "", text)
    return text[:1].upper() + text[1:]


class RootGroup(TyperGroup):
    """The root command: loads a group's module when it runs, answers errors in one line."""

    _listing = False

    def _available(self) -> list[str]:
        found = getattr(self, "_found", None)
        if found is None:
            found = [n for n in GROUPS if importlib.util.find_spec(f"asocia.cli.{n}")]
            self._found = found
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = self._available()
        return [*names, *(n for n in self.commands if n not in names)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in self._available():
            return None
        if self._listing:  # the root's help needs a name and a line, not the module
            return TyperGroup(name=cmd_name, help=_group_help(cmd_name))
        module = importlib.import_module(f"asocia.cli.{cmd_name}")
        holder = typer.Typer()
        holder.add_typer(module.app, name=cmd_name)
        command: click.Command = typer.main.get_group(holder).commands[cmd_name]
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        options: dict[str, Any] = {
            "args": args,
            "prog_name": prog_name,
            "complete_var": complete_var,
            "windows_expand_args": windows_expand_args,
            **extra,
        }
        if not standalone_mode:
            return super().main(standalone_mode=False, **options)
        try:
            result = super().main(standalone_mode=False, **options)
        except click_errors.NoArgsIsHelpError as exc:  # the help is printed already
            sys.exit(exc.exit_code)
        except click_errors.UsageError as exc:
            hint = f" ({exc.ctx.command_path} --help)" if exc.ctx is not None else ""
            try:
                message = _usage_message(exc)
            except Exception:
                message = exc.format_message()
            _error(message + hint, exc.exit_code)
        except click_errors.FileError as exc:
            _error(exc.format_message(), common.EXIT_USAGE)
        except click_errors.ClickException as exc:
            _error(exc.format_message(), exc.exit_code)
        except typer.Abort:
            _error(_("cancelled"), common.EXIT_FAILED)
        except OSError as exc:
            reason = _(_OS_ERRORS[exc.errno]) if exc.errno in _OS_ERRORS else exc.strerror
            where = exc.filename if exc.filename is not None else ""
            _error(f"{where}: {reason or exc}" if where else str(reason or exc), common.EXIT_USAGE)
        except Exception as exc:
            if os.environ.get("ASOCIA_DEBUG"):
                raise
            message = _("unexpected error (ASOCIA_DEBUG=1 shows the traceback)")
            _error(f"{message}: {type(exc).__name__}: {exc}", common.EXIT_INTERNAL)
        sys.exit(result if isinstance(result, int) else common.EXIT_OK)


def _usage_message(exc: click_errors.UsageError) -> str:
    """Click's message, with the common cases in the language of this run."""
    if isinstance(exc, click_errors.NoSuchOption):
        return _("no such option: {name}").format(name=exc.option_name)
    if isinstance(exc, click_errors.MissingParameter) and exc.param is not None:
        return _("missing {what}").format(what=_parameter(exc.param))
    if isinstance(exc, click_errors.BadParameter) and exc.param is not None:
        return _("invalid value for {what}: {reason}").format(
            what=_parameter(exc.param), reason=_reason(exc.param, exc.message)
        )
    text = exc.format_message()
    for pattern, message in _CLICK_MESSAGES:
        found = pattern.fullmatch(text)
        if found:
            return _(message).format(**found.groupdict())
    return text


# Click's other usage errors (plain UsageError, no class of their own), by their English text.
_CLICK_MESSAGES = [
    (re.compile(r"No such command '(?P<name>.*)'\."), N_("no such command: {name}")),
    (
        re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<values>.*)\)"),
        N_("unexpected extra argument(s): {values}"),
    ),
    (
        re.compile(r"Option '(?P<name>.*)' requires an argument\."),
        N_("option {name} needs a value"),
    ),
    (
        re.compile(r"Option '(?P<name>.*)' does not take a value\."),
        N_("option {name} takes no value"),
    ),
    (re.compile(r"Missing command\."), N_("missing command")),
]


def _reason(param: Any, message: str) -> str:
    """Typer's (pydantic's) reason for a bad value, for the common cases in our words."""
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if re.search(r"greater than|less than", message) and (low is not None or high is not None):
        if low is not None and high is not None:
            return _("must be from {low} to {high}").format(low=number(low), high=number(high))
        if low is not None:
            return _("must be at least {low}").format(low=number(low))
        return _("must be at most {high}").format(high=number(high))
    if "valid integer" in message:
        return _("expected a whole number")
    if "valid number" in message:
        return _("expected a number")
    return message


def _parameter(param: Any) -> str:
    """``--limit`` for an option, ``COOPERATIVE_ID`` for an argument."""
    opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
    return "/".join(opts) if opts else str(param.metavar or param.name or "").upper()


def _error(message: str, code: int) -> NoReturn:
    try:
        common.fail(message, code)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)


app = typer.Typer(
    name="asocia",
    cls=RootGroup,
    help="asocia: observatorio de cooperativas / cooperative observatory.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve)
app.command("backup")(backup)
app.command("restore")(restore)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"asocia {__version__}")
        raise typer.Exit()


def _language(value: str | None) -> str:
    return common.use_language(value)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        callback=_language,
        help="Idioma / language: es, en (default: LANGUAGE, LC_ALL, LANG, "
        "ASOCIA_DEFAULT_LANGUAGE; else es).",
    ),
) -> None:
    """asocia: observatorio de cooperativas / cooperative observatory."""


def main() -> None:
    """Entry point of the ``asocia`` script."""
    app()
