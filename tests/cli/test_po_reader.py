"""asocia.i18n reads the .po catalogues itself (the CLI reads them at every run): it must keep
exactly what Babel's read_po + write_mo(use_fuzzy=False) keep, on every catalogue and on the
awkward cases (fuzzy, obsolete, plural, context, escapes, multi-line strings)."""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from asocia import i18n

CATALOGUES = sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))

AWKWARD = r"""# header comment
msgid ""
msgstr ""
"Language: es\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"
"Content-Type: text/plain; charset=utf-8\n"

#: somewhere.py:1
msgid "plain"
msgstr "simple"

#, fuzzy
msgid "fuzzy one"
msgstr "no debe usarse"

#, python-format, fuzzy
msgid "fuzzy two"
msgstr "tampoco"

msgid "untranslated"
msgstr ""

msgid ""
"a long message "
"on two lines"
msgstr ""
"un mensaje largo "
"en dos líneas"

msgid "quote \"and\" tab\t and newline\n"
msgstr "comilla \"y\" tab\t y salto\n"

msgid "backslash \\ here"
msgstr "barra \\ aquí"

msgctxt "month"
msgid "May"
msgstr "Mayo"

msgid "May"
msgstr "Puede"

msgid "one apple"
msgid_plural "{n} apples"
msgstr[0] "una manzana"
msgstr[1] "{n} manzanas"

msgid "half plural"
msgid_plural "half plurals"
msgstr[0] "medio"
msgstr[1] ""

#~ msgid "obsolete"
#~ msgstr "obsoleto"
"""


def babel_messages(po: Path, lang: str) -> dict[object, str]:
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=po.stem)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    found = dict(translations._catalog)  # type: ignore[attr-defined]
    found.pop("", None)
    return found


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_every_catalogue_reads_as_babel_reads_it(po: Path) -> None:
    mine, plural = i18n.read_po_messages(po)
    assert mine == babel_messages(po, po.parts[-3])
    # Two forms (n != 1) or CLDR's three for Spanish (one, many for millions, other).
    assert gettext.c2py(plural)(1) == 0 and gettext.c2py(plural)(2) >= 1


def test_awkward_entries(tmp_path: Path) -> None:
    po = tmp_path / "awkward.po"
    po.write_text(AWKWARD, encoding="utf-8")
    mine, _plural = i18n.read_po_messages(po)
    expected = babel_messages(po, "es")
    assert mine == expected
    assert mine["plain"] == "simple" and "fuzzy one" not in mine and "fuzzy two" not in mine
    assert mine["a long message on two lines"] == "un mensaje largo en dos líneas"
    assert mine['quote "and" tab\t and newline\n'] == 'comilla "y" tab\t y salto\n'
    assert mine["month\x04May"] == "Mayo" and mine["May"] == "Puede"
    assert mine[("one apple", 1)] == "{n} manzanas"
    assert "obsolete" not in mine and "untranslated" not in mine
    assert mine[("half plural", 1)] == "half plurals"


def test_translations_use_the_reader() -> None:
    assert i18n.gettext("es", "Log in") == "Iniciar sesión"
    assert i18n.ngettext(
        "es", "cooperative in the registry", "cooperatives in the registry", 1
    ) == ("cooperativa en el registro")
    assert i18n.gettext("en", "Log in") == "Log in"
