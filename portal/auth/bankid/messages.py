"""BankID's recommended user messages (RFA1–RFA23) and which one to show for a collect or error answer.

BankID asks relying parties to show these texts, word for word, so users meet the same wording in every
e-service. Source: BankID's "Recommended user messages" for RP API v6.0 (developers.bankid.com) together
with the collect hint codes and the error table of the same API (also published on bankid.com as
"Errors": alreadyInProgress → RFA4; requestTimeout, internalError and maintenance → RFA5; an unknown
errorCode → RFA22; invalidParameters, unauthorized, notFound and the like are the RP's own faults and must
not be presented as a BankID problem, so the user gets the neutral RFA22).

The runtime text goes through Flask-Babel: each message's msgid is BankID's English text written out as a
literal ``lazy_gettext("...")`` so ``pybabel extract`` finds it; the Swedish catalogue carries BankID's
Swedish text. ``RFA_TEXTS`` holds both languages to build that catalogue and for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext

__all__ = ["RFA_TEXTS", "UserMessage", "message_for", "user_message"]


@dataclass(frozen=True)
class UserMessage:
    rfa: str  # e.g. "RFA17B"
    text: Any  # flask_babel LazyString: str(text) is the text in the request's language


# (English, Swedish), BankID's wording. Only for the catalogue and tests; never rendered from here.
RFA_TEXTS: dict[str, tuple[str, str]] = {
    "RFA1": ("Start your BankID app.", "Starta BankID-appen."),
    "RFA2": (
        "The BankID app is not installed. Please contact your bank.",
        "Du har inte BankID-appen installerad. Kontakta din bank.",
    ),
    "RFA3": ("Action cancelled. Please try again.", "Åtgärden avbruten. Försök igen."),
    "RFA4": (
        "An identification or signing for this personal number is already started. Please try again.",
        "En identifiering eller underskrift för det här personnumret är redan påbörjad. Försök igen.",
    ),
    "RFA5": ("Internal error. Please try again.", "Internt tekniskt fel. Försök igen."),
    "RFA6": ("Action cancelled.", "Åtgärden avbruten."),
    "RFA8": (
        "The BankID app is not responding. Please check that it’s started and that you have internet "
        "access. If you don’t have a valid BankID you can get one from your bank. Try again.",
        "BankID-appen svarar inte. Kontrollera att den är startad och att du har internetanslutning. "
        "Om du inte har något giltigt BankID kan du skaffa ett hos din bank. Försök sedan igen.",
    ),
    "RFA9": (
        "Enter your security code in the BankID app and select Identify or Sign.",
        "Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under.",
    ),
    "RFA13": ("Trying to start your BankID app.", "Försöker starta BankID-appen."),
    "RFA14A": (
        "Searching for BankID, it may take a little while … If a few seconds have passed and still no "
        "BankID has been found, you probably don’t have a BankID which can be used for this "
        "identification/signing on this computer. If you have a BankID card, please insert it into your "
        "card reader. If you don’t have a BankID you can get one from your bank. If you have a BankID on "
        "another device you can start the BankID app on that device.",
        "Söker efter BankID, det kan ta en liten stund … Om det har gått några sekunder och inget BankID "
        "har hittats har du sannolikt inget BankID som går att använda för den aktuella "
        "identifieringen/underskriften i den här datorn. Om du har ett BankID-kort, sätt in det i "
        "kortläsaren. Om du inte har något BankID kan du skaffa ett hos din bank. Om du har ett BankID på "
        "en annan enhet kan du starta din BankID-app där.",
    ),
    "RFA14B": (
        "Searching for BankID, it may take a little while … If a few seconds have passed and still no "
        "BankID has been found, you probably don’t have a BankID which can be used for this "
        "identification/signing on this device. If you don’t have a BankID you can get one from your "
        "bank. If you have a BankID on another device you can start the BankID app on that device.",
        "Söker efter BankID, det kan ta en liten stund … Om det har gått några sekunder och inget BankID "
        "har hittats har du sannolikt inget BankID som går att använda för den aktuella "
        "identifieringen/underskriften i den här enheten. Om du inte har något BankID kan du skaffa ett "
        "hos din bank. Om du har ett BankID på en annan enhet kan du starta din BankID-app där.",
    ),
    "RFA15A": (
        "Searching for BankID:s, it may take a little while … If a few seconds have passed and still no "
        "BankID has been found, you probably don’t have a BankID which can be used for this "
        "identification/signing on this computer. If you have a BankID card, please insert it into your "
        "card reader. If you don’t have a BankID you can get one from your bank.",
        "Söker efter BankID, det kan ta en liten stund … Om det har gått några sekunder och inget BankID "
        "har hittats har du sannolikt inget BankID som går att använda för den aktuella "
        "identifieringen/underskriften i den här datorn. Om du har ett BankID-kort, sätt in det i "
        "kortläsaren. Om du inte har något BankID kan du skaffa ett hos din bank.",
    ),
    "RFA15B": (
        "Searching for BankID, it may take a little while … If a few seconds have passed and still no "
        "BankID has been found, you probably don’t have a BankID which can be used for this "
        "identification/signing on this device. If you don’t have a BankID you can get one from your "
        "bank.",
        "Söker efter BankID, det kan ta en liten stund … Om det har gått några sekunder och inget BankID "
        "har hittats har du sannolikt inget BankID som går att använda för den aktuella "
        "identifieringen/underskriften i den här enheten. Om du inte har något BankID kan du skaffa ett "
        "hos din bank.",
    ),
    "RFA16": (
        "The BankID you are trying to use is blocked or too old. Please use another BankID or get a new "
        "one from your bank.",
        "Det BankID du försöker använda är för gammalt eller spärrat. Använd ett annat BankID eller "
        "skaffa ett nytt hos din bank.",
    ),
    "RFA17A": (
        "The BankID app couldn’t be found on your computer or mobile device. Please install it and get a "
        "BankID from your bank. Install the app from your app store or https://install.bankid.com",
        "BankID-appen verkar inte finnas i din dator eller mobil. Installera den och skaffa ett BankID "
        "hos din bank. Installera appen från din appbutik eller https://install.bankid.com",
    ),
    "RFA17B": (
        "Failed to scan the QR code. Start the BankID app and scan the QR code. Check that the BankID app "
        "is up to date. If you don't have the BankID app, you need to install it and get a BankID from "
        "your bank. Install the app from your app store or https://install.bankid.com",
        "Misslyckades att läsa av QR-koden. Starta BankID-appen och läs av QR-koden. Kontrollera att "
        "BankID-appen är uppdaterad. Om du inte har BankID-appen måste du installera den och skaffa ett "
        "BankID hos din bank. Installera appen från din appbutik eller https://install.bankid.com",
    ),
    "RFA18": ("Start the BankID app", "Starta BankID-appen"),
    "RFA19": (
        "Would you like to identify yourself or sign with a BankID on this computer, or with a Mobile "
        "BankID?",
        "Vill du identifiera dig eller skriva under med BankID på den här datorn eller med ett Mobilt "
        "BankID?",
    ),
    "RFA20": (
        "Would you like to identify yourself or sign with a BankID on this device, or with a BankID on "
        "another device?",
        "Vill du identifiera dig eller skriva under med ett BankID på den här enheten eller med ett "
        "BankID på en annan enhet?",
    ),
    "RFA21": ("Identification or signing in progress.", "Identifiering eller underskrift pågår."),
    "RFA22": ("Unknown error. Please try again.", "Okänt fel. Försök igen."),
    "RFA23": (
        "Process your machine-readable travel document using the BankID app.",
        "Fotografera och läs av din ID-handling med BankID-appen.",
    ),
}

# The same English texts as literals, so the extractor sees every msgid; a test checks they match RFA_TEXTS.
_TEXTS: dict[str, Any] = {
    "RFA1": lazy_gettext("Start your BankID app."),
    "RFA2": lazy_gettext("The BankID app is not installed. Please contact your bank."),
    "RFA3": lazy_gettext("Action cancelled. Please try again."),
    "RFA4": lazy_gettext(
        "An identification or signing for this personal number is already started. Please try again."
    ),
    "RFA5": lazy_gettext("Internal error. Please try again."),
    "RFA6": lazy_gettext("Action cancelled."),
    "RFA8": lazy_gettext(
        "The BankID app is not responding. Please check that it’s started and that you have internet "
        "access. If you don’t have a valid BankID you can get one from your bank. Try again."
    ),
    "RFA9": lazy_gettext("Enter your security code in the BankID app and select Identify or Sign."),
    "RFA13": lazy_gettext("Trying to start your BankID app."),
    "RFA14A": lazy_gettext(
        "Searching for BankID, it may take a little while … If a few seconds have passed and still no "
        "BankID has been found, you probably don’t have a BankID which can be used for this "
        "identification/signing on this computer. If you have a BankID card, please insert it into your "
        "card reader. If you don’t have a BankID you can get one from your bank. If you have a BankID on "
        "another device you can start the BankID app on that device."
    ),
    "RFA14B": lazy_gettext(
        "Searching for BankID, it may take a little while … If a few seconds have passed and still no "
        "BankID has been found, you probably don’t have a BankID which can be used for this "
        "identification/signing on this device. If you don’t have a BankID you can get one from your "
        "bank. If you have a BankID on another device you can start the BankID app on that device."
    ),
    "RFA15A": lazy_gettext(
        "Searching for BankID:s, it may take a little while … If a few seconds have passed and still no "
        "BankID has been found, you probably don’t have a BankID which can be used for this "
        "identification/signing on this computer. If you have a BankID card, please insert it into your "
        "card reader. If you don’t have a BankID you can get one from your bank."
    ),
    "RFA15B": lazy_gettext(
        "Searching for BankID, it may take a little while … If a few seconds have passed and still no "
        "BankID has been found, you probably don’t have a BankID which can be used for this "
        "identification/signing on this device. If you don’t have a BankID you can get one from your "
        "bank."
    ),
    "RFA16": lazy_gettext(
        "The BankID you are trying to use is blocked or too old. Please use another BankID or get a new "
        "one from your bank."
    ),
    "RFA17A": lazy_gettext(
        "The BankID app couldn’t be found on your computer or mobile device. Please install it and get a "
        "BankID from your bank. Install the app from your app store or https://install.bankid.com"
    ),
    "RFA17B": lazy_gettext(
        "Failed to scan the QR code. Start the BankID app and scan the QR code. Check that the BankID app "
        "is up to date. If you don't have the BankID app, you need to install it and get a BankID from "
        "your bank. Install the app from your app store or https://install.bankid.com"
    ),
    "RFA18": lazy_gettext("Start the BankID app"),
    "RFA19": lazy_gettext(
        "Would you like to identify yourself or sign with a BankID on this computer, or with a Mobile BankID?"
    ),
    "RFA20": lazy_gettext(
        "Would you like to identify yourself or sign with a BankID on this device, or with a BankID on "
        "another device?"
    ),
    "RFA21": lazy_gettext("Identification or signing in progress."),
    "RFA22": lazy_gettext("Unknown error. Please try again."),
    "RFA23": lazy_gettext("Process your machine-readable travel document using the BankID app."),
}

# status=failed hint codes with a message of their own; any other failed hint code gets RFA22.
_FAILED = {
    "expiredTransaction": "RFA8",
    "certificateErr": "RFA16",
    "userCancel": "RFA6",
    "cancelled": "RFA3",
    # startFailed depends on how the app was to be started: see user_message().
}

# errorCode of an error answer (or BankIDUnavailable.error_code) → message. Anything else → RFA22.
_ERRORS = {
    "alreadyInProgress": "RFA4",
    "requestTimeout": "RFA5",
    "internalError": "RFA5",
    # BankID: retry maintenance quietly a few times; show RFA5 if it persists.
    "maintenance": "RFA5",
    # Our own transport failure (portal.auth.bankid.client.BankIDUnavailable): BankID did not answer.
    "unavailable": "RFA5",
    "cancelled": "RFA3",
}


def message_for(rfa: str) -> UserMessage:
    """The message with a given code, e.g. RFA18 for the "start the app" button or RFA19/RFA20 for
    the device choice."""
    return UserMessage(rfa, _TEXTS[rfa])


def user_message(
    *,
    status: str | None,
    hint_code: str | None = None,
    error_code: str | None = None,
    qr: bool,
    mobile: bool = False,
) -> UserMessage:
    """The message to show for a collect answer (``status`` + ``hint_code``) or an error (``error_code``).

    ``qr``: the user was shown the animated QR code (BankID on another device) rather than the app being
    started on this device with the autostart token. ``mobile``: the user's browser runs on a phone or
    tablet, not a computer; it only matters for hintCode ``started`` (RFA15A/RFA15B).

    Unknown hint codes give RFA21 while pending and RFA22 when failed, unknown error codes RFA22, as BankID
    asks. There is no message for a complete order; asking for one raises ValueError.
    """
    if error_code is not None:
        return message_for(_ERRORS.get(error_code, "RFA22"))
    if status == "pending":
        return message_for(_pending_rfa(hint_code, qr=qr, mobile=mobile))
    if status == "failed":
        if hint_code == "startFailed":
            return message_for("RFA17B" if qr else "RFA17A")
        return message_for(_FAILED.get(hint_code or "", "RFA22"))
    if status == "complete":
        raise ValueError("a complete order has no user message; continue the login instead")
    return message_for("RFA22")


def _pending_rfa(hint_code: str | None, *, qr: bool, mobile: bool) -> str:
    if hint_code == "outstandingTransaction":
        # Same device: the page has just launched the app. Another device: the user must open it.
        return "RFA1" if qr else "RFA13"
    if hint_code == "noClient":
        return "RFA1"
    if hint_code == "started":
        # RFA15, not RFA14: RFA14's extra advice (start the app on another device) needs an order bound
        # to a personal number, which RP API v6.0's secure start no longer offers.
        return "RFA15B" if mobile else "RFA15A"
    if hint_code == "userSign":
        return "RFA9"
    if hint_code == "userMrtd":
        return "RFA23"
    # userCallConfirm (phone orders, which the portal does not use) and any new code.
    return "RFA21"
