"""Every string the interface shows has a Spanish translation; English is the source."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from asocia import i18n

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("messages_script", ROOT / "scripts" / "messages.py")
assert spec and spec.loader
messages_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(messages_script)


def spanish_ids() -> set[str]:
    ids: set[str] = set()
    for po in (i18n.LOCALE_DIR / "es" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale="es")
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                ids.add(message.id if isinstance(message.id, str) else message.id[0])
    return ids


DOMAINS = ["messages", *messages_script.CAPABILITIES]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_interface_string_has_spanish(domain: str) -> None:
    translated = spanish_ids()
    template = messages_script.extract(domain)
    missing = sorted(
        str(m.id if isinstance(m.id, str) else m.id[0])
        for m in template
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in translated
    )
    assert not missing, f"{domain}: no Spanish for {missing} (run `make messages`)"


def test_spanish_is_the_default_and_english_is_the_source() -> None:
    assert i18n.gettext("es", "Log in") == "Iniciar sesión"
    assert i18n.gettext("en", "Log in") == "Log in"
    assert i18n.ngettext(
        "es", "cooperative in the registry", "cooperatives in the registry", 2
    ) == ("cooperativas en el registro")


def test_each_capability_reads_its_own_domain_first() -> None:
    """One English word may need different Spanish forms in two capabilities."""
    for domain in i18n.domains():
        po = i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / f"{domain}.po"
        if not po.exists():
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale="es")
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string:
                assert i18n.gettext("es", message.id, domain) == message.string, (
                    domain,
                    message.id,
                )
    # Core strings are found from every domain.
    assert i18n.gettext("es", "Log in", "registry") == "Iniciar sesión"


def test_templates_take_the_domain_of_their_folder() -> None:
    from asocia.web.templating import domain_of

    assert domain_of("registry/list.html") == "registry"
    assert domain_of("home.html") == "messages"
    assert domain_of("asocia.web.diagnosis") == "diagnosis"
