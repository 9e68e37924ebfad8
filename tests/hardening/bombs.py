"""Hostile workbooks and tables, built in the test (streamed, bounded memory and disk)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _template() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "rut"])
    sheet.append(["Cooperativa", "65.000.001-1"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_SST_REL = (
    b'<Relationship Id="rIdSST" Target="sharedStrings.xml" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>'
)
_SST_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
# A sheet whose cells use the shared strings: A2 is the third one (the huge string).
_SST_SHEET = (
    f'<?xml version="1.0"?><worksheet {_NS}><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><t>65.000.001-1</t>'
    "</is></c></row></sheetData></worksheet>"
).encode()


def _write(target: Path | io.BytesIO, replace: dict[str, Iterable[bytes]]) -> None:
    """The template workbook with some parts replaced (streamed); shared strings, when given,
    are wired in (relationship, content type) and used by the sheet's cells."""
    with (
        zipfile.ZipFile(io.BytesIO(_template())) as source,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out,
    ):
        strings = "xl/sharedStrings.xml" in replace
        for info in source.infolist():
            if info.filename in replace:
                continue
            data = source.read(info)
            if strings and info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", _SST_REL)
            elif strings and info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", _SST_TYPE)
            elif strings and info.filename == "xl/worksheets/sheet1.xml":
                data = _SST_SHEET
            out.writestr(info, data)
        for name, chunks in replace.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with out.open(info, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)


def huge_string_xlsx(target: Path | io.BytesIO, megabytes: int = 1536) -> None:
    """A workbook whose shared strings hold one string of ``megabytes`` MB (1.5 GB default)."""
    block = b"A" * (1 << 20)

    def chunks() -> Iterable[bytes]:
        yield f'<?xml version="1.0"?><sst {_NS} count="3" uniqueCount="3">'.encode()
        yield b"<si><t>name</t></si><si><t>rut</t></si><si><t>"
        for _ in range(megabytes):
            yield block
        yield b"</t></si></sst>"

    _write(target, {"xl/sharedStrings.xml": chunks()})


def wide_row_xlsx(target: Path | io.BytesIO, cells: int = 5_000_000) -> None:
    """A workbook whose second row has ``cells`` cells (5 million by default)."""

    def chunks() -> Iterable[bytes]:
        yield (
            f'<?xml version="1.0"?><worksheet {_NS}><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="2">'
        ).encode()
        cell = b'<c t="n"><v>1</v></c>'
        batch = cell * 50_000
        for _ in range(cells // 50_000):
            yield batch
        yield b"</row></sheetData></worksheet>"

    _write(target, {"xl/worksheets/sheet1.xml": chunks()})


def long_string_xlsx(target: Path | io.BytesIO, chars: int = 40_000) -> None:
    """A workbook with one shared string longer than Excel allows (not very compressible)."""
    import random

    rng = random.Random(1)
    text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(chars)).encode()

    def chunks() -> Iterable[bytes]:
        yield f'<?xml version="1.0"?><sst {_NS} count="3" uniqueCount="3">'.encode()
        yield b"<si><t>name</t></si><si><t>rut</t></si><si><t>" + text + b"</t></si></sst>"

    _write(target, {"xl/sharedStrings.xml": chunks()})


def wide_csv(path: Path, columns: int = 100_000) -> None:
    """A CSV with ``columns`` columns (2.6 MB for 100,000)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(";".join(f"c{i}" for i in range(columns)) + "\n")
        out.write(";".join("x" for _ in range(columns)) + "\n")
