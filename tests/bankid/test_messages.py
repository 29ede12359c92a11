"""BankID's recommended user messages: the texts and which one each answer gets."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel

from portal.auth.bankid import messages
from portal.auth.bankid.client import BankIDUnavailable
from portal.auth.bankid.messages import RFA_TEXTS, message_for, user_message

EXPECTED_CODES = [
    "RFA1", "RFA2", "RFA3", "RFA4", "RFA5", "RFA6", "RFA8", "RFA9", "RFA13", "RFA14A", "RFA14B",
    "RFA15A", "RFA15B", "RFA16", "RFA17A", "RFA17B", "RFA18", "RFA19", "RFA20", "RFA21", "RFA22", "RFA23",
]  # fmt: skip


def test_every_rfa_has_english_and_swedish_text():
    assert list(RFA_TEXTS) == EXPECTED_CODES
    for code, (english, swedish) in RFA_TEXTS.items():
        assert english.strip() == english and english, code
        assert swedish.strip() == swedish and swedish, code
        assert english != swedish, code
        assert english[-1] in ".?" or english.endswith("install.bankid.com") or code == "RFA18", code


def test_swedish_texts_are_bankids():
    # Spot checks against BankID's published wording.
    assert RFA_TEXTS["RFA1"][1] == "Starta BankID-appen."
    assert RFA_TEXTS["RFA6"][1] == "Åtgärden avbruten."
    assert (
        RFA_TEXTS["RFA9"][1]
        == "Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under."
    )
    assert RFA_TEXTS["RFA22"][1] == "Okänt fel. Försök igen."
    assert RFA_TEXTS["RFA17B"][1].startswith("Misslyckades att läsa av QR-koden.")


def test_runtime_msgids_are_the_english_texts():
    for code, (english, _) in RFA_TEXTS.items():
        message = message_for(code)
        assert message.rfa == code
        assert str(message.text) == english


def test_every_msgid_is_found_by_the_extractor():
    """pybabel only sees literal strings: each English text must be written out in lazy_gettext()."""
    found = {
        message
        for _lineno, message, _comments, _context in extract_from_file(
            "python", Path(messages.__file__), keywords={"lazy_gettext": None}
        )
    }
    assert {english for english, _ in RFA_TEXTS.values()} <= found


SV_CATALOGUE = Path(__file__).resolve().parents[2] / "translations" / "sv" / "LC_MESSAGES" / "messages.po"


def test_swedish_catalogue_carries_bankids_swedish_texts():
    with SV_CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    for code, (english, swedish) in RFA_TEXTS.items():
        entry = catalogue.get(english)
        assert entry is not None, f"{code} missing from the sv catalogue"
        assert (entry.string, entry.fuzzy) == (swedish, False), code


def test_text_is_translated_lazily_in_a_request():
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "sv")
    message = user_message(status="failed", hint_code="userCancel", qr=True)
    with app.test_request_context("/"):
        # No Swedish catalogue here, so gettext falls back to the msgid: BankID's English text.
        assert str(message.text) == "Action cancelled."


@pytest.mark.parametrize(
    ("hint_code", "qr", "mobile", "rfa"),
    [
        ("outstandingTransaction", True, False, "RFA1"),
        ("outstandingTransaction", False, False, "RFA13"),
        ("outstandingTransaction", False, True, "RFA13"),
        ("noClient", True, False, "RFA1"),
        ("noClient", False, False, "RFA1"),
        ("started", False, False, "RFA15A"),
        ("started", False, True, "RFA15B"),
        ("started", True, False, "RFA15A"),
        ("userSign", True, False, "RFA9"),
        ("userSign", False, True, "RFA9"),
        ("userMrtd", True, False, "RFA23"),
        ("userCallConfirm", True, False, "RFA21"),
        ("somethingBankIdAddsLater", True, False, "RFA21"),
        (None, False, False, "RFA21"),
    ],
)
def test_pending_hint_codes(hint_code, qr, mobile, rfa):
    assert user_message(status="pending", hint_code=hint_code, qr=qr, mobile=mobile).rfa == rfa


@pytest.mark.parametrize(
    ("hint_code", "qr", "rfa"),
    [
        ("expiredTransaction", True, "RFA8"),
        ("expiredTransaction", False, "RFA8"),
        ("certificateErr", True, "RFA16"),
        ("userCancel", True, "RFA6"),
        ("userCancel", False, "RFA6"),
        ("cancelled", True, "RFA3"),
        ("startFailed", True, "RFA17B"),
        ("startFailed", False, "RFA17A"),
        ("userDeclinedCall", True, "RFA22"),
        ("notSupportedByUserApp", True, "RFA22"),
        ("transactionRiskBlocked", False, "RFA22"),
        ("somethingBankIdAddsLater", False, "RFA22"),
        (None, True, "RFA22"),
    ],
)
def test_failed_hint_codes(hint_code, qr, rfa):
    assert user_message(status="failed", hint_code=hint_code, qr=qr).rfa == rfa


@pytest.mark.parametrize(
    ("error_code", "rfa"),
    [
        ("alreadyInProgress", "RFA4"),
        ("requestTimeout", "RFA5"),
        ("internalError", "RFA5"),
        ("maintenance", "RFA5"),
        ("cancelled", "RFA3"),
        # The RP's own faults are not shown as BankID problems.
        ("invalidParameters", "RFA22"),
        ("unauthorized", "RFA22"),
        ("notFound", "RFA22"),
        ("methodNotAllowed", "RFA22"),
        ("unsupportedMediaType", "RFA22"),
        ("tooManyRequests", "RFA22"),
        ("unknown", "RFA22"),
        ("somethingBankIdAddsLater", "RFA22"),
    ],
)
def test_error_codes(error_code, rfa):
    assert user_message(status=None, error_code=error_code, qr=True).rfa == rfa
    assert user_message(status=None, error_code=error_code, qr=False).rfa == rfa


def test_transport_failure_gets_rfa5():
    assert user_message(status=None, error_code=BankIDUnavailable.error_code, qr=True).rfa == "RFA5"


def test_error_code_wins_over_status():
    assert (
        user_message(status="pending", hint_code="userSign", error_code="maintenance", qr=True).rfa == "RFA5"
    )


def test_unknown_status_gets_rfa22():
    assert user_message(status=None, qr=True).rfa == "RFA22"
    assert user_message(status="weird", hint_code="userSign", qr=True).rfa == "RFA22"


def test_complete_has_no_message():
    with pytest.raises(ValueError):
        user_message(status="complete", qr=True)


@pytest.mark.parametrize("code", ["RFA18", "RFA19", "RFA20"])
def test_ui_texts_are_available_by_code(code):
    assert str(message_for(code).text) == RFA_TEXTS[code][0]
