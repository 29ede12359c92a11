"""E-mail notifications. They carry no personal or case details: only that something is waiting, and a link.

With ``PORTAL_SMTP_HOST`` set, mail goes over SMTP (STARTTLS when the server offers it); otherwise, outside
production, each message is written as an .eml file to ``instance/outgoing-mail/`` so a demo shows it.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

from integrations import registry
from integrations.base import Adapter, Delivery, DeliveryResult, PermanentError, TransientError

if TYPE_CHECKING:
    from portal.config import Config


def message_id(idempotency_key: str, sender: str) -> str:
    """An RFC 5322 msg-id of this notice: unique to it (outbox keys are unique), on the sender's domain, and
    the same on every retry, so a notice redelivered after a lost SMTP answer is recognised as one.

    Not ``email.utils.make_msgid``: it draws a new random id per call, which a retry would not keep. The
    outbox key itself cannot be used either ("notify-mail:<case>:<what>:<time>"): ":" is no atom
    character, and Python's header parser cut every such id to "<notify-mail", the same for all notices.
    """
    domain = parseaddr(sender)[1].rpartition("@")[2].strip().lower()
    if not domain or not all(
        part.isascii() and part.replace("-", "").isalnum() for part in domain.split(".")
    ):
        domain = "medborgarvy.invalid"
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@{domain}>"


def build_message(delivery: Delivery, sender: str) -> EmailMessage:
    payload = delivery.payload
    message = EmailMessage()
    message["From"] = sender
    message["To"] = str(payload["to"])
    message["Subject"] = str(payload["subject"])
    message["Message-ID"] = message_id(delivery.idempotency_key, sender)
    message.set_content(str(payload["body"]))
    return message


@registry.register("mail")
class MailAdapter(Adapter):
    id = "mail"
    label = "E-mail (SMTP)"

    def __init__(
        self,
        *,
        host: str = "",
        port: int = 25,
        sender: str = "",
        username: str = "",
        password: str = "",
        maildir: Path | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender or "noreply@medborgarvy.invalid"
        self.username, self.password, self.maildir, self.timeout = username, password, maildir, timeout

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], config: Config | None = None) -> MailAdapter:
        """From the installation's ``PORTAL_SMTP_*`` settings; outside production, without an SMTP host,
        messages are written to ``PORTAL_OUTGOING_MAIL_DIR``."""
        if config is None:
            raise PermanentError("mail: the installation's settings are needed")
        return cls(
            host=config.smtp_host,
            port=config.smtp_port,
            sender=config.smtp_from,
            username=config.smtp_username,
            password=config.smtp_password,
            maildir=None if config.is_production else Path(config.outgoing_mail_dir),
        )

    def close(self) -> None:
        """Nothing to release: each message has its own SMTP connection."""

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        if delivery.topic != "notification.email":
            raise PermanentError(f"the mail adapter does not take {delivery.topic}")
        message = build_message(delivery, self.sender)
        if not self.host:
            if self.maildir is None:
                raise PermanentError("no SMTP server configured")
            self.maildir.mkdir(parents=True, exist_ok=True)
            (self.maildir / f"{delivery.idempotency_key}.eml").write_bytes(bytes(message))
            return DeliveryResult()
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError("recipient refused") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"SMTP: {exc.__class__.__name__}") from exc
        return DeliveryResult()
