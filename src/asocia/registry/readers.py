"""Streaming readers for registry files: CSV (any common delimiter and encoding), XLSX, JSON lines.

A reader never holds the whole file: it yields ``(line, cells)`` one row at a time, where
``line`` is the line (CSV, JSON lines) or row (XLSX) where the record starts, as a person sees it
in a text editor or a spreadsheet.

Offices' files are not always a header and rows: a title or banner ("MINISTERIO DE ECONOMÍA…",
merged across the sheet) may come first, and a ``TOTAL`` row last. The header is the row among
the first :data:`HEADER_SEARCH_ROWS` with the most known column names (or the row the caller
names); rows above it and totals rows are skipped, each with a note (:attr:`Table.notes`).
Text files may be UTF-8 (with or without BOM), cp1252, latin-1 or UTF-16 (Excel's "Unicode
text").
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from asocia.archives import ArchiveRefused, check_columns, check_xlsx
from asocia.registry.columns import header_aliases
from asocia.registry.names import fold
from asocia.registry.validation import Problem

# Fields of registry files can hold long addresses or notes; csv's default (128 KiB) is kept
# generous but bounded, so one runaway quote does not swallow the file silently.
csv.field_size_limit(16 * 1024 * 1024)

DELIMITERS = (";", ",", "\t", "|")
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_SNIFF_CHUNK = 1 << 20
#: How many rows from the top are searched for the header row.
HEADER_SEARCH_ROWS = 30
SKIPPED = "skipped"
_TOTALS = frozenset(("total", "totales", "total general", "totals", "grand total", "suma total"))


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
    header_row: int = 1  # the line (CSV) or row (XLSX) of the header
    #: Rows skipped with a note: banners above the header, totals rows (filled while reading).
    notes: list[Problem] = field(default_factory=list)

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
    """``utf-8-sig``, ``utf-8``, ``utf-16``, ``cp1252`` or ``latin-1``, leaving ``f`` at its start.

    Reads only as far as the first non-ASCII bytes (ASCII is valid in all but UTF-16).
    """
    start = f.read(3)
    if start == codecs.BOM_UTF8:
        f.seek(0)
        return "utf-8-sig"
    if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        f.seek(0)
        return "utf-16"
    f.seek(0)
    head = f.read(64)
    f.seek(0)
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and not head[0::2].count(0):
        return "utf-16-le"  # UTF-16 without a BOM: every other byte of ASCII text is zero
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4 and not head[1::2].count(0):
        return "utf-16-be"
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
def open_table(
    path: Path, sheet: str | None = None, header_row: int | None = None
) -> Iterator[Table]:
    """Open ``path`` as a :class:`Table`; raises :class:`ReadError` when it cannot be read.

    ``header_row`` is the line (CSV) or row (XLSX) of the header; by default it is detected.
    """
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(f"{path}: is a directory, not a file")
    kind = detect_format(path)
    if kind == "xlsx":
        _refuse_unsafe(path, check_xlsx, path)
        with _open_xlsx(path, sheet, header_row) as table:
            _refuse_unsafe(path, check_columns, len(_named(table.headers)))
            yield table
    elif kind == "jsonl":
        with _open_jsonl(path) as table:
            _refuse_unsafe(path, check_columns, len(table.headers))
            yield table
    else:
        with _open_csv(path, header_row) as table:
            _refuse_unsafe(path, check_columns, len(table.headers))
            yield table


def _header_score(cells: Sequence[Any]) -> tuple[int, int]:
    """(known column names, non-empty cells) of a candidate header row."""
    aliases = header_aliases()
    texts = [str(c).strip() for c in cells if c not in (None, "")]
    return sum(1 for t in texts if fold(t) in aliases), len(texts)


def is_totals_row(cells: Sequence[Any]) -> bool:
    """A ``TOTAL`` row: one of its first three non-empty cells says so.

    Runs on every row: only short text cells starting with ``t`` or ``s`` are folded.
    """
    seen = 0
    for cell in cells:
        if cell is None or cell == "":
            continue
        if cell.__class__ is str and len(cell) <= 20:
            text = cell.strip()
            if text[:1] in "TtSs" and text and fold(text) in _TOTALS:
                return True
        seen += 1
        if seen == 3:
            return False
    return False


def _split_header(
    name: str,
    rows: Iterator[tuple[int, Sequence[Any]]],
    header_row: int | None,
) -> tuple[list[str], int, list[Problem], Iterator[tuple[int, Sequence[Any]]]]:
    """Find the header among the first rows: (headers, its line, notes, the rows after it)."""
    head: list[tuple[int, Sequence[Any]]] = []
    for line, cells in rows:
        head.append((line, cells))
        if header_row is not None and line >= header_row:
            break
        if header_row is None and len(head) >= HEADER_SEARCH_ROWS:
            break
    if not head:
        raise ReadError(f"{name}: the file is empty or has no header line")
    if header_row is not None:
        found = [k for k, (line, _) in enumerate(head) if line == header_row]
        if not found:
            raise ReadError(f"{name}: no line {header_row} to read the header from")
        at = found[0]
    else:
        scores = [_header_score(cells) for _, cells in head]
        best = max(range(len(head)), key=lambda k: (scores[k][0], -k))
        if scores[best][0] < 2:
            # Nothing looks like known column names: the first row with the most cells.
            widest = max(s[1] for s in scores)
            best = next(k for k, s in enumerate(scores) if s[1] == widest)
            best = 0 if scores[0][1] >= 2 else best
        at = best
    line, cells = head[at]
    headers = ["" if v is None else str(v).strip() for v in cells]
    notes = [
        Problem(
            banner_line,
            None,
            " ".join(str(c).strip() for c in banner if c not in (None, ""))[:300],
            f"title or banner row above the header (line {line}): skipped",
            SKIPPED,
        )
        for banner_line, banner in head[:at]
    ]
    return headers, line, notes, chain(head[at + 1 :], rows)


def _without_totals(
    rows: Iterator[tuple[int, Sequence[Any]]], notes: list[Problem]
) -> Iterator[tuple[int, Sequence[Any]]]:
    for line, cells in rows:
        if is_totals_row(cells):
            text = " ".join(str(c).strip() for c in cells if c not in (None, ""))[:300]
            notes.append(Problem(line, None, text, "totals row: skipped", SKIPPED))
            continue
        yield line, cells


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
def _open_csv(path: Path, header_row: int | None = None) -> Iterator[Table]:
    raw = path.open("rb")
    try:
        encoding = detect_encoding(raw)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            # The delimiter from the first lines (a banner line may have none).
            sample = [text.readline() for _ in range(HEADER_SEARCH_ROWS)]
            text.seek(0)
        except UnicodeDecodeError as exc:
            raise ReadError(f"{path.name}: cannot decode the file as {encoding}: {exc}") from None
        if not "".join(sample).strip():
            raise ReadError(f"{path.name}: the file is empty or has no header line")
        if "\x00" in sample[0]:
            raise ReadError(f"{path.name}: not a text file (CSV expected)")
        delimiter = detect_delimiter(max(sample, key=lambda t: max(t.count(d) for d in DELIMITERS)))
        reader = csv.reader(text, delimiter=delimiter)

        def all_rows() -> Iterator[tuple[int, Sequence[Any]]]:
            previous = 0
            try:
                for cells in reader:
                    start = previous + 1
                    previous = reader.line_num
                    if any(cells):
                        yield start, cells
            except csv.Error as exc:
                raise ReadError(f"{path.name}, line {previous + 1}: {exc}") from None
            except UnicodeDecodeError as exc:
                raise ReadError(
                    f"{path.name}: cannot decode the file as {encoding}: {exc}"
                ) from None

        headers, line, notes, rest = _split_header(path.name, all_rows(), header_row)
        yield Table(
            headers=[h.strip() for h in headers],
            rows=_without_totals(rest, notes),
            format="csv",
            encoding=encoding,
            delimiter=delimiter,
            size=path.stat().st_size,
            _position=raw.tell,
            header_row=line,
            notes=notes,
        )
    finally:
        raw.close()


@contextmanager
def _open_xlsx(path: Path, sheet: str | None, header_row: int | None = None) -> Iterator[Table]:
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
        done = [0]

        def all_rows() -> Iterator[tuple[int, Sequence[Any]]]:
            for number, values in enumerate(iterator, start=1):
                done[0] = number
                if any(v not in (None, "") for v in values):
                    yield number, ["" if v is None else v for v in values]

        try:
            headers, line, notes, rest = _split_header(path.name, all_rows(), header_row)
        except ReadError:
            if header_row is None:
                raise ReadError(f"{path.name}: the sheet {worksheet.title!r} is empty") from None
            raise
        yield Table(
            headers=headers,
            rows=_without_totals(rest, notes),
            format="xlsx",
            size=worksheet.max_row or 0,
            _position=lambda: done[0],
            header_row=line,
            notes=notes,
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
