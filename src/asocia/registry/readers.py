"""Streaming readers for registry files: CSV (any common delimiter and encoding), XLSX, JSON lines.

A reader never holds the whole file: it yields ``(line, cells)`` one row at a time, where
``line`` is the line (CSV, JSON lines) or row (XLSX) where the record starts, as a person sees it
in a text editor or a spreadsheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from asocia.archives import ArchiveRefused, check_columns, check_xlsx

# Fields of registry files can hold long addresses or notes; csv's default (128 KiB) is kept
# generous but bounded, so one runaway quote does not swallow the file silently.
csv.field_size_limit(16 * 1024 * 1024)

DELIMITERS = (";", ",", "\t", "|")
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_SNIFF_CHUNK = 1 << 20


class ReadError(Exception):
    """The file cannot be read at all; the message is one line for a person."""


class UnsafeFile(ReadError):
    """The file passes a safety limit of :mod:`asocia.archives` (size, ratio, cells, columns)."""


@dataclass
class Table:
    """An open registry file: its header cells and an iterator over its rows."""

    headers: list[str]
    rows: Iterator[tuple[int, Sequence[Any] | None]]
    format: str  # csv, xlsx or jsonl
    encoding: str | None = None
    delimiter: str | None = None
    size: int = 0  # bytes (csv, jsonl) or rows (xlsx), for progress
    _position: Any = field(default=None, repr=False)

    def position(self) -> int:
        """How far the reader has got, in the unit of :attr:`size`."""
        return int(self._position()) if self._position else 0


def detect_format(path: Path) -> str:
    """``csv``, ``xlsx`` or ``jsonl`` from the file's extension or first bytes."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    with path.open("rb") as f:
        head = f.read(512)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "csv"


def detect_encoding(f: BinaryIO) -> str:
    """``utf-8-sig``, ``utf-8``, ``cp1252`` or ``latin-1``, leaving ``f`` at its start.

    Reads only as far as the first non-ASCII bytes (ASCII is valid in all of them).
    """
    start = f.read(3)
    if start == codecs.BOM_UTF8:
        f.seek(0)
        return "utf-8-sig"
    f.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding = "utf-8"
    while chunk := f.read(_SNIFF_CHUNK):
        if chunk.isascii():
            continue
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            encoding = "latin-1" if any(b in chunk for b in _CP1252_UNDEFINED) else "cp1252"
        break
    f.seek(0)
    return encoding


def detect_delimiter(header_line: str) -> str:
    """The delimiter of a CSV from its header line: the most frequent of ``; , tab |``."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextmanager
def open_table(path: Path, sheet: str | None = None) -> Iterator[Table]:
    """Open ``path`` as a :class:`Table`; raises :class:`ReadError` when it cannot be read."""
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(f"{path}: is a directory, not a file")
    kind = detect_format(path)
    if kind == "xlsx":
        _refuse_unsafe(path, check_xlsx, path)
        with _open_xlsx(path, sheet) as table:
            _refuse_unsafe(path, check_columns, len(_named(table.headers)))
            yield table
    elif kind == "jsonl":
        with _open_jsonl(path) as table:
            _refuse_unsafe(path, check_columns, len(table.headers))
            yield table
    else:
        with _open_csv(path) as table:
            _refuse_unsafe(path, check_columns, len(table.headers))
            yield table


def _named(headers: list[str]) -> list[str]:
    """Headers up to the last non-empty one (formatted empty cells make long header rows)."""
    while headers and not headers[-1]:
        headers = headers[:-1]
    return headers


def _refuse_unsafe(path: Path, check: Any, *args: Any) -> None:
    """Run a check of :mod:`asocia.archives`, turning its refusal into a :class:`ReadError`."""
    try:
        check(*args)
    except ArchiveRefused as exc:
        if exc.key != "bad_zip":  # not a zip at all: the reader says so in its own words
            raise UnsafeFile(f"{path.name}: {exc}") from None


@contextmanager
def _open_csv(path: Path) -> Iterator[Table]:
    raw = path.open("rb")
    try:
        encoding = detect_encoding(raw)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            first = text.readline()
        except UnicodeDecodeError as exc:
            raise ReadError(f"{path.name}: cannot decode the file as {encoding}: {exc}") from None
        if not first.strip():
            raise ReadError(f"{path.name}: the file is empty or has no header line")
        if "\x00" in first:
            raise ReadError(f"{path.name}: not a text file (CSV expected)")
        delimiter = detect_delimiter(first)
        # The header line is parsed by csv too (quoted headers with delimiters inside).
        headers = next(csv.reader([first], delimiter=delimiter))
        reader = csv.reader(text, delimiter=delimiter)

        def rows() -> Iterator[tuple[int, Sequence[Any] | None]]:
            previous = 1
            try:
                for cells in reader:
                    start = previous + 1
                    previous = reader.line_num + 1
                    if cells:
                        yield start, cells
            except csv.Error as exc:
                raise ReadError(f"{path.name}, line {previous + 1}: {exc}") from None
            except UnicodeDecodeError as exc:
                raise ReadError(
                    f"{path.name}: cannot decode the file as {encoding}: {exc}"
                ) from None

        yield Table(
            headers=[h.strip() for h in headers],
            rows=rows(),
            format="csv",
            encoding=encoding,
            delimiter=delimiter,
            size=path.stat().st_size,
            _position=raw.tell,
        )
    finally:
        raw.close()


@contextmanager
def _open_xlsx(path: Path, sheet: str | None) -> Iterator[Table]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ReadError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                names = ", ".join(workbook.sheetnames)
                raise ReadError(f"{path.name}: no sheet named {sheet!r} (sheets: {names})")
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        iterator = worksheet.iter_rows(values_only=True)
        headers: list[str] | None = None
        header_row = 0
        for number, values in enumerate(iterator, start=1):
            if any(v not in (None, "") for v in values):
                headers = ["" if v is None else str(v).strip() for v in values]
                header_row = number
                break
        if headers is None:
            raise ReadError(f"{path.name}: the sheet {worksheet.title!r} is empty")
        done = [header_row]

        def rows() -> Iterator[tuple[int, Sequence[Any] | None]]:
            for number, values in enumerate(iterator, start=header_row + 1):
                done[0] = number
                if any(v not in (None, "") for v in values):
                    yield number, ["" if v is None else v for v in values]

        yield Table(
            headers=headers,
            rows=rows(),
            format="xlsx",
            size=worksheet.max_row or 0,
            _position=lambda: done[0],
        )
    finally:
        workbook.close()


@contextmanager
def _open_jsonl(path: Path) -> Iterator[Table]:
    keys: dict[str, None] = {}
    with path.open("r", encoding="utf-8-sig") as f:
        try:
            for text in f:
                if text.strip():
                    try:
                        obj = json.loads(text)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(obj, dict):
                        keys.update(dict.fromkeys(obj))
        except UnicodeDecodeError:
            raise ReadError(f"{path.name}: JSON lines must be UTF-8") from None
    if not keys:
        raise ReadError(f"{path.name}: no JSON objects found (one object per line expected)")
    headers = list(keys)
    binary = path.open("rb")
    try:

        def rows() -> Iterator[tuple[int, Sequence[Any] | None]]:
            for number, line in enumerate(binary, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    yield number, None
                    continue
                if not isinstance(obj, dict):
                    yield number, None
                    continue
                yield number, ["" if obj.get(k) is None else obj[k] for k in headers]

        yield Table(
            headers=headers,
            rows=rows(),
            format="jsonl",
            encoding="utf-8",
            size=path.stat().st_size,
            _position=binary.tell,
        )
    finally:
        binary.close()
