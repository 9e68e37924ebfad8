"""Inspection of uploaded workbooks (XLSX, a zip of XML parts) BEFORE a parser opens them.

A workbook is a zip archive; a few hundred kilobytes can expand to gigabytes (one huge shared
string, one row of millions of cells). openpyxl loads the shared strings whole and builds each
row whole, so such a file would take the server's memory. :func:`check_xlsx` reads only the
archive's directory and streams the parts that matter through small buffers, and raises
:class:`ArchiveRefused` with a one-line message (English message id; Spanish in
:data:`SPANISH`) when a limit is passed. Memory stays bounded whatever the file holds.

Limits (Excel's own where one exists, so that no real workbook is refused):

- every member at most :data:`MAX_MEMBER_BYTES` uncompressed, the whole at most
  :data:`MAX_TOTAL_BYTES`; shared strings at most :data:`MAX_SHARED_STRINGS_BYTES`;
- a compression ratio of at most :data:`MAX_RATIO` for members over 1 MB;
- a text cell at most :data:`MAX_STRING_CHARS` characters (Excel: 32,767);
- a sheet at most :data:`MAX_ROWS` rows and :data:`MAX_CELLS_PER_ROW` cells per row (Excel:
  1,048,576 × 16,384), both as the sheet declares them and as it really holds them;
- a table (CSV or sheet) at most :data:`MAX_COLUMNS` named columns (:func:`check_columns`).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO
from xml.parsers import expat

MAX_MEMBER_BYTES = 1 << 30  # 1 GiB
MAX_TOTAL_BYTES = 2 << 30  # 2 GiB
MAX_SHARED_STRINGS_BYTES = 256 << 20  # 256 MiB
MAX_RATIO = 200
MAX_STRING_CHARS = 32_767
MAX_ROWS = 1_048_576
MAX_CELLS_PER_ROW = 16_384
MAX_COLUMNS = 1_000
_CHUNK = 1 << 20

SPANISH = {
    "too_large": "el libro ocupa {size} MB descomprimido; el máximo es {limit} MB",
    "member_too_large": "la parte {member} ocupa {size} MB descomprimida; el máximo es {limit} MB",
    "ratio": "la parte {member} se comprime {ratio}:1, más que el máximo de {limit}:1 "
    "(¿un archivo manipulado?)",
    "string": "un texto de la hoja tiene más de {limit} caracteres (el máximo de Excel)",
    "dimension": "la hoja declara {rows} filas y {columns} columnas; el máximo es "
    "{max_rows} × {max_columns}",
    "row": "la fila {row} tiene más de {limit} celdas",
    "rows": "la hoja tiene más de {limit} filas",
    "columns": "el archivo tiene {count} columnas; se leen como máximo {limit}",
    "bad_zip": "no es un libro XLSX legible ({detail})",
}


class ArchiveRefused(ValueError):
    """The file passes a safety limit; ``str()`` is an English line, :meth:`spanish` Spanish."""

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values

    def spanish(self) -> str:
        """The same refusal in Spanish."""
        return SPANISH[self.key].format(**self.values)


def _mb(size: int) -> int:
    return max(1, round(size / (1 << 20)))


def check_columns(count: int, *, limit: int = MAX_COLUMNS) -> None:
    """Refuse a table with more than ``limit`` named columns."""
    if count > limit:
        raise ArchiveRefused(
            "columns",
            f"the file has {count} columns; at most {limit} are read",
            count=count,
            limit=limit,
        )


def check_xlsx(source: Path | IO[bytes]) -> None:
    """Raise :class:`ArchiveRefused` when the workbook at ``source`` passes a limit.

    ``source`` is a path or a seekable binary file (left at its start). A file that is not a
    zip at all is refused too, with the zip library's reason.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            _check_directory(archive)
            for info in archive.infolist():
                name = info.filename.lower()
                if name.endswith("sharedstrings.xml"):
                    _check_strings(archive, info)
                elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    _check_sheet(archive, info)
    except zipfile.BadZipFile as exc:
        raise ArchiveRefused(
            "bad_zip", f"not a readable XLSX workbook ({exc})", detail=str(exc)
        ) from None
    finally:
        if not isinstance(source, Path):
            source.seek(0)


def _check_directory(archive: zipfile.ZipFile) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        limit = (
            MAX_SHARED_STRINGS_BYTES
            if info.filename.lower().endswith("sharedstrings.xml")
            else MAX_MEMBER_BYTES
        )
        if info.file_size > limit:
            raise ArchiveRefused(
                "member_too_large",
                f"the part {info.filename} is {_mb(info.file_size)} MB uncompressed; "
                f"the limit is {_mb(limit)} MB",
                member=info.filename,
                size=_mb(info.file_size),
                limit=_mb(limit),
            )
        if info.file_size > (1 << 20):
            ratio = info.file_size // max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise ArchiveRefused(
                    "ratio",
                    f"the part {info.filename} compresses {ratio}:1, more than the limit of "
                    f"{MAX_RATIO}:1 (a crafted file?)",
                    member=info.filename,
                    ratio=ratio,
                    limit=MAX_RATIO,
                )
    if total > MAX_TOTAL_BYTES:
        raise ArchiveRefused(
            "too_large",
            f"the workbook is {_mb(total)} MB uncompressed; the limit is {_mb(MAX_TOTAL_BYTES)} MB",
            size=_mb(total),
            limit=_mb(MAX_TOTAL_BYTES),
        )


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    # zipfile stops at the size the directory declares (and checked above), whatever the
    # compressed stream would expand to.
    return archive.open(info)


def _check_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Stream the shared strings through expat, counting each text's length as it comes."""
    parser = expat.ParserCreate(namespace_separator=" ")
    state = {"depth": 0, "length": 0}

    def start(name: str, _attrs: object) -> None:
        if name.rsplit(" ", 1)[-1] == "si":
            state["length"] = 0

    def text(data: str) -> None:
        state["length"] += len(data)
        if state["length"] > MAX_STRING_CHARS:
            raise ArchiveRefused(
                "string",
                f"a text in the workbook is longer than {MAX_STRING_CHARS} characters "
                "(Excel's limit)",
                limit=MAX_STRING_CHARS,
            )

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.buffer_text = False
    with _chunks(archive, info) as stream:
        try:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise ArchiveRefused(
                "bad_zip", f"not a readable XLSX workbook ({exc})", detail=str(exc)
            ) from None


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")
_TAG = re.compile(rb"<(?:\w+:)?(row|c)[\s>/]")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def _check_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """The declared dimension, then the real rows and cells per row (a byte scan, no parse)."""
    cells = 0
    rows = 0
    row_number = 0
    carry = b""
    first = True
    with _chunks(archive, info) as stream:
        while chunk := stream.read(_CHUNK):
            data = carry + chunk
            if first:
                first = False
                found = _DIMENSION.search(data[:4096])
                if found and found.group(3):
                    columns = _column_number(found.group(3))
                    last_row = int(found.group(4))
                    if columns > MAX_CELLS_PER_ROW or last_row > MAX_ROWS:
                        raise ArchiveRefused(
                            "dimension",
                            f"the sheet declares {last_row} rows and {columns} columns; the "
                            f"limit is {MAX_ROWS} × {MAX_CELLS_PER_ROW}",
                            rows=last_row,
                            columns=columns,
                            max_rows=MAX_ROWS,
                            max_columns=MAX_CELLS_PER_ROW,
                        )
            # A tag cut by the chunk boundary is counted in the next round: only tags that
            # start before the last 32 bytes are counted now, and those bytes are carried over.
            last = len(chunk) < _CHUNK
            cut = len(data) if last else max(len(data) - 32, 0)
            for match in _TAG.finditer(data):
                if match.start() >= cut:
                    break
                if match.group(1) == b"row":
                    rows += 1
                    row_number += 1
                    cells = 0
                    if rows > MAX_ROWS:
                        raise ArchiveRefused(
                            "rows", f"the sheet has more than {MAX_ROWS} rows", limit=MAX_ROWS
                        )
                else:
                    cells += 1
                    if cells > MAX_CELLS_PER_ROW:
                        raise ArchiveRefused(
                            "row",
                            f"row {row_number} has more than {MAX_CELLS_PER_ROW} cells",
                            row=row_number,
                            limit=MAX_CELLS_PER_ROW,
                        )
            carry = data[cut:]
