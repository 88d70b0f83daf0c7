"""Mailers: what sends a mail (SMTP, or the log in development) and how a
failure is told, so that `send_due` knows whether the others may still go."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Protocol

from cop_drafts.config import Settings
from cop_drafts.db.models import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mail:
    """One e-mail to one person, ready to send."""

    to: str
    name: str
    subject: str
    body: str


class MailError(Exception):
    """A mail was not sent; `server_down` when no mail can go now."""

    def __init__(self, message: str, *, server_down: bool = False) -> None:
        super().__init__(message)
        self.server_down = server_down


class Mailer(Protocol):
    """Sends mails; may keep a connection between them until `close`."""

    def send(self, mail: Mail) -> None:
        """Deliver `mail`. Raises MailError."""

    def close(self) -> None:
        """Release any connection."""


class LogMailer:
    """Writes mails to the log (or `emit`) instead of sending: development."""

    def __init__(self, emit: Callable[[str], None] | None = None) -> None:
        self._emit = emit or log.info

    def send(self, mail: Mail) -> None:
        """Write `mail` out; never fails."""
        self._emit(
            f"Mail to {mail.name} <{mail.to}>\nSubject: {mail.subject}\n\n{mail.body}\n"
        )

    def close(self) -> None:
        """Nothing to release."""


class SMTPMailer:
    """Sends over SMTP (STARTTLS when `tls`), one connection for a run."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        user: str = "",
        password: str = "",
        tls: bool = True,
        timeout: float = 20.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self._password, self.tls, self.timeout = user, password, tls, timeout
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        """The kept connection, or a new one. Raises MailError (server_down)."""
        if self._smtp is not None:
            return self._smtp
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except OSError as error:
            raise MailError(_describe(error), server_down=True) from error
        try:
            smtp.ehlo()
            if self.tls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self._password)
        except OSError as error:  # smtplib.SMTPException is an OSError
            smtp.close()
            raise MailError(_describe(error), server_down=True) from error
        self._smtp = smtp
        return smtp

    def send(self, mail: Mail) -> None:
        """Deliver `mail`. Raises MailError: server_down unless only this
        message was refused (or cannot be written), so the others may go."""
        try:
            message = _message(mail, self.sender)
        except (ValueError, MessageError) as error:
            raise MailError(f"cannot write this mail: {error}") from error
        try:
            try:
                self._open().send_message(message)
            except smtplib.SMTPServerDisconnected:
                # A kept connection the server closed while idle: once more.
                self._drop()
                self._open().send_message(message)
        except (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError,
            smtplib.SMTPNotSupportedError,  # e.g. an address needing SMTPUTF8
        ) as error:
            raise MailError(_describe(error)) from error
        except OSError as error:  # timeouts, resets: the server, not the mail
            self._drop()
            raise MailError(_describe(error), server_down=True) from error

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except OSError:
                pass
            self._drop()


def make_mailer(
    settings: Settings, emit: Callable[[str], None] | None = None
) -> Mailer:
    """SMTP when a host is configured; otherwise mails go to the log (`emit`)."""
    if not settings.smtp_host:
        return LogMailer(emit)
    return SMTPMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.smtp_from,
        user=settings.smtp_user,
        password=settings.smtp_password,
        tls=settings.smtp_tls,
        timeout=settings.smtp_timeout,
    )


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = Address(display_name=mail.name, addr_spec=mail.to)
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body, cte="quoted-printable")
    return message


def _describe(error: OSError) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "recipient refused: " + "; ".join(
            f"{code} {text.decode(errors='replace')}"
            for code, text in error.recipients.values()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        message = text.decode(errors="replace") if isinstance(text, bytes) else text
        return f"{error.smtp_code} {message}"
    return f"{type(error).__name__}: {error}"
