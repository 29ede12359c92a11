"""BankID: the RP API v6.0 client, the animated QR code and BankID's recommended user messages."""

from portal.auth.bankid.client import (
    PRODUCTION_URL,
    SIMPLE_MARKDOWN_V1,
    TEST_URL,
    BankIDClient,
    BankIDError,
    BankIDUnavailable,
    CollectResult,
    Completion,
    Order,
    autostart_url,
)
from portal.auth.bankid.messages import RFA_TEXTS, UserMessage, message_for, user_message
from portal.auth.bankid.qr import qr_data, qr_svg

__all__ = [
    "PRODUCTION_URL",
    "RFA_TEXTS",
    "SIMPLE_MARKDOWN_V1",
    "TEST_URL",
    "BankIDClient",
    "BankIDError",
    "BankIDUnavailable",
    "CollectResult",
    "Completion",
    "Order",
    "UserMessage",
    "autostart_url",
    "message_for",
    "qr_data",
    "qr_svg",
    "user_message",
]
