"""E-mail notifications: queued in the transaction of the action that causes
them (the outbox), sent afterwards by `send_due` with retries and backoff, so a
failing mail server never blocks or loses the action.

The public face: callers import from here. The rooms behind it: `choices`
(each person's delivery per kind, the digest time), `queueing` (what each
event says, into the outbox), `mailers` (SMTP or the log), `sending`
(`send_due`: claiming, composing mails and digests, retrying).
"""

from .choices import (
    CHOSEN_KINDS,
    DAILY,
    DELIVERY_LABELS,
    DIGEST_TIME,
    IMMEDIATE,
    KIND_LABELS,
    OFF,
    load_preferences,
    next_digest,
    save_preferences,
)
from .mailers import LogMailer, Mail, Mailer, MailError, SMTPMailer, make_mailer
from .queueing import (
    QUOTE_LIMIT,
    REMIND_DAYS,
    SITE,
    delete_account_mails,
    on_placed,
    on_published,
    on_released,
    on_reply,
    queue_account_mail,
    queue_deadlines,
)
from .sending import (
    BACKOFF,
    BATCH,
    DEFAULT_BASE_URL,
    LEASE,
    MAX_ATTEMPTS,
    SENT_BODY,
    SendReport,
    send_due,
)

__all__ = [
    "BACKOFF",
    "BATCH",
    "CHOSEN_KINDS",
    "DAILY",
    "DEFAULT_BASE_URL",
    "DELIVERY_LABELS",
    "DIGEST_TIME",
    "IMMEDIATE",
    "KIND_LABELS",
    "LEASE",
    "MAX_ATTEMPTS",
    "OFF",
    "QUOTE_LIMIT",
    "REMIND_DAYS",
    "SENT_BODY",
    "SITE",
    "LogMailer",
    "Mail",
    "MailError",
    "Mailer",
    "SMTPMailer",
    "SendReport",
    "delete_account_mails",
    "load_preferences",
    "make_mailer",
    "next_digest",
    "on_published",
    "on_placed",
    "on_released",
    "on_reply",
    "queue_account_mail",
    "queue_deadlines",
    "save_preferences",
    "send_due",
]
