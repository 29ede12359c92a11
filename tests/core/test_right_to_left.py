"""Arabic: a complete catalogue, pages right to left, numbers kept left to right, a mirrored layout."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from portal.config import PROJECT_ROOT
from portal.i18n_check import extract
from tests.auth.login_helpers import log_in

ARABIC_PO = PROJECT_ROOT / "translations" / "ar" / "LC_MESSAGES" / "messages.po"
CSS_DIR = PROJECT_ROOT / "static" / "css"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")

# Physical directions that do not mirror in a right-to-left page; logical properties (margin-inline-start,
# inset-inline, text-align: start, border-inline-start ...) do.
PHYSICAL = re.compile(
    r"(?<![\w-])(?:margin|padding|border|inset|scroll-margin|scroll-padding)-(?:left|right)\b"
    r"|(?<![\w-])(?:left|right)\s*:"
    r"|(?<![\w-])(?:text-align|float|clear)\s*:\s*(?:left|right)\b"
    r"|(?<![\w-])border-(?:top|bottom)-(?:left|right)-radius\b"
)
# Four values for padding, margin or inset with a different left and right ("0 0 0 1rem").
FOUR_VALUES = re.compile(
    r"(?<![\w-])(margin|padding|inset)\s*:\s*([^;}\s]+)\s+([^;}\s]+)\s+([^;}\s]+)\s+([^;}\s]+)\s*[;}]"
)
# Rules where left or right is meant physically (a selector, with the reason); none so far. The BankID QR code
# needs none: nothing in its rule is left or right, and a QR code must never be mirrored.
ALLOWED: tuple[str, ...] = ()


def test_the_arabic_catalogue_translates_every_message_and_keeps_the_placeholders():
    with ARABIC_PO.open("rb") as f:
        catalog = read_po(f, locale="ar")
    assert catalog.num_plurals == 6  # zero, one, two, few, many, other
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, f"not translated: {ids[0]!r}"
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, f"placeholders in {ids[0]!r}: {string!r}"
        translated[ids[0]] = strings
    missing = extract() - translated.keys()
    assert not missing, f"not in the Arabic catalogue: {sorted(missing)[:5]}"
    # The established terms, with the Swedish word the citizen meets at the authority.
    assert translated["Apply for financial assistance (ekonomiskt bistånd)"] == (
        "طلب المساعدة الاقتصادية (ekonomiskt bistånd)",
    )
    assert "(handläggare)" in translated["Case officer"][0]


def test_arabic_pages_are_right_to_left_and_the_others_are_not(client):
    assert '<html lang="sv">' in client.get("/").text  # no dir: the page is left to right
    client.get("/sprak/ar?next=/")
    page = client.get("/").text
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل الدخول" in page  # Log in
    assert 'hreflang="sv"' in page and ">Svenska<" in page  # the way back, named in Swedish
    # The municipality's phone number "0123-456 00" would read "00 0123-456" in right-to-left text.
    assert re.search(r'<a href="tel:[0-9]+"><bdi dir="ltr">0123-456 00</bdi></a>', page)
    client.get("/sprak/sv?next=/")
    assert '<html lang="sv">' in client.get("/").text


def test_numbers_in_arabic_pages_and_forms_keep_left_to_right(client, bankid_simulator):
    client.get("/sprak/ar?next=/")
    log_in(client, bankid_simulator)
    form = client.get("/mina-sidor/kontaktuppgifter").text
    assert '<html lang="ar" dir="rtl">' in form
    # What is typed takes its own direction: "070-123 45 67" stays in order, Arabic text runs right to left.
    phone = re.search(r'<input[^>]*name="phone"[^>]*>', form).group(0)
    assert 'dir="auto"' in phone
    fullmakt = client.get("/fullmakter/ny").text
    personnummer = re.search(r'<input[^>]*name="personal_number"[^>]*>', fullmakt).group(0)
    assert 'dir="ltr"' in personnummer  # always digits, always left to right


def test_the_stylesheets_use_no_physical_left_or_right():
    found = []
    for path in sorted(CSS_DIR.rglob("*.css")):
        css = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
        for number, line in enumerate(css.splitlines(), 1):
            where = f"{path.name}:{number}"
            if any(rule in line for rule in ALLOWED):
                continue
            if PHYSICAL.search(line):
                found.append(f"{where}: {line.strip()}")
            for match in FOUR_VALUES.finditer(line):
                _name, _top, right, _bottom, left = match.groups()
                if right != left:
                    found.append(f"{where}: {line.strip()} (left and right differ)")
    assert not found, "use logical properties so the layout mirrors in Arabic:\n" + "\n".join(found)
