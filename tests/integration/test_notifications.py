"""E-mail notifications end to end: queued with the action, sent to a real SMTP
server started here, retried when it fails, never sent twice; the settings."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from cop_drafts.cli import main
from cop_drafts.config import load_settings
from cop_drafts.db.models import (
    Code,
    Comment,
    Disposition,
    DispositionKind,
    Iteration,
    Notification,
    NotificationKind,
    NotificationSetting,
    Role,
    Round,
    User,
    Visibility,
    utcnow,
)
from cop_drafts.db.session import make_sessionmaker
from cop_drafts.services import accounts, demo, rounds
from cop_drafts.services import comments as comment_service
from cop_drafts.services import notifications as notify
from cop_drafts.store.repo import DraftStore
from tests.conftest import csrf_token
from tests.story import KEEP, S, open_round_on_draft_3, post_comment

from .html import parse

AsUser = Callable[[str | None], FlaskClient]
BASE = "https://cop.example.eu"
PAGE = f"/c/gpai-code/s/{S}?rev=draft-3"


# -- a real SMTP server --------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """What the test server received; `refuse` makes it answer 451 to DATA."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False
    delay: float = 0.0
    unknown: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.unknown:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            return "451 4.3.0 Mailbox busy, try again later"
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, key: str) -> list[EmailMessage]:
        return [m for m in self.messages if f"{key}@{demo.DOMAIN}" in str(m["To"])]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def smtp(port: int) -> notify.SMTPMailer:
    return notify.SMTPMailer(
        "127.0.0.1",
        port,
        sender="cop-drafts <noreply@example.eu>",
        tls=False,
        timeout=5,
    )


def send(db: Session, port: int, now: datetime | None = None) -> notify.SendReport:
    return notify.send_due(db, smtp(port), now or utcnow(), base_url=BASE)


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    text: str = part.get_content()  # type: ignore[attr-defined]
    return text.replace("\r\n", "\n")


# -- story helpers ---------------------------------------------------------------
def user(db: Session, key: str) -> User:
    found = accounts.find_user(db, f"{key}@{demo.DOMAIN}")
    assert found is not None
    return found


def comment_on_draft_3(
    db: Session, store: DraftStore, code: Code, key: str, text: str = "A comment."
) -> Comment:
    return post_comment(db, store, code, key, quote=KEEP, body=text)


def reply(
    db: Session, code: Code, key: str, to: Comment, text: str, now: datetime | None
) -> Comment:
    return comment_service.reply(
        db, code, user(db, key), to.id, text, uuid.uuid4().hex, now
    )


def choose(db: Session, key: str, **deliveries: str) -> None:
    choices = {kind.value: notify.IMMEDIATE for kind in notify.CHOSEN_KINDS}
    choices.update(deliveries)
    notify.save_preferences(db, user(db, key), choices)


def rows(db: Session, key: str | None = None) -> list[Notification]:
    db.expire_all()
    query = select(Notification).order_by(Notification.id)
    if key is not None:
        query = query.where(Notification.user_id == user(db, key).id)
    return list(db.scalars(query))


# -- replies -------------------------------------------------------------------
def test_reply_mails_the_author_once(
    db: Session, seeded: Code, seeded_store: DraftStore, as_user: AsUser, inbox: Inbox
) -> None:
    open_round_on_draft_3(db, seeded)
    comment = comment_on_draft_3(db, seeded_store, seeded, "provider", "My point.")
    academic = as_user("academic")
    response = academic.post(
        f"/c/gpai-code/comments/{comment.id}/replies",
        data={
            "body": "I agree, and the deadline\nshould move.",
            "client_token": uuid.uuid4().hex,
            "rev": "draft-3",
            "csrf_token": csrf_token(academic, PAGE),
        },
    )
    assert response.status_code == 302
    reply(db, seeded, "provider", comment, "Thanks, answering myself.", None)
    reply(db, seeded, "wg2-chair", comment, "The Chairs will look at it.", None)

    assert [r.kind for r in rows(db)] == [NotificationKind.REPLY] * 2
    assert send(db, inbox.port).sent == 2
    assert send(db, inbox.port).sent == 0  # marked sent: never twice
    mails = inbox.to("provider")
    assert len(inbox.messages) == len(mails) == 2
    first, second = mails
    assert str(first["Subject"]) == (
        "A participant (Academia or independent expert) replied to your comment "
        f"on {S} (draft-3)"
    )
    text = body(first)
    assert "Hello Mara Lindqvist," in text
    assert "> I agree, and the deadline\n> should move." in text
    assert f"{BASE}/c/gpai-code/comments/{comment.id}" in text
    assert f"{BASE}/settings/notifications" in text
    assert "{site}" not in text
    # A Chair's name is shown, as in the margin.
    assert str(second["Subject"]).endswith(
        f"(Chair) replied to your comment on {S} (draft-3)"
    )
    assert first["Auto-Submitted"] == "auto-generated"
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows(db))


def test_no_mail_about_a_reply_the_author_may_not_read(
    db: Session, seeded: Code, seeded_store: DraftStore
) -> None:
    office = user(db, "ai-office")
    rounds.open_round(
        db,
        seeded,
        office,
        rounds.RoundInput(
            tag="draft-3",
            plenary_at=utcnow() - timedelta(hours=1),
            visibility=Visibility.CHAIRS,
            observers_may_comment=False,
        ),
    )
    comment = comment_on_draft_3(db, seeded_store, seeded, "provider")
    chair_reply = reply(db, seeded, "wg2-chair", comment, "Chairs only.", None)
    assert not comment_service.can_see(user(db, "provider"), chair_reply)
    assert rows(db) == []


def test_opt_out_sends_nothing_even_when_already_queued(
    db: Session, seeded: Code, seeded_store: DraftStore, inbox: Inbox
) -> None:
    open_round_on_draft_3(db, seeded)
    comment = comment_on_draft_3(db, seeded_store, seeded, "provider")
    choose(db, "provider", reply=notify.OFF)
    reply(db, seeded, "academic", comment, "First.", None)
    assert rows(db) == []

    choose(db, "provider")
    reply(db, seeded, "academic", comment, "Second.", None)
    choose(db, "provider", reply=notify.OFF)  # turned off before it went out
    assert send(db, inbox.port) == notify.SendReport(0, 0)
    assert inbox.messages == []
    [row] = rows(db)
    assert row.sent_at is None and row.last_error == "not sent: turned off"
    assert send(db, inbox.port, utcnow() + timedelta(days=3)).sent == 0


def test_daily_digest_is_one_mail_at_seven_brussels(
    db: Session, seeded: Code, seeded_store: DraftStore, inbox: Inbox
) -> None:
    open_round_on_draft_3(db, seeded)
    comment = comment_on_draft_3(db, seeded_store, seeded, "provider")
    choose(db, "provider", reply=notify.DAILY, disposition=notify.DAILY)
    now = utcnow()
    reply(db, seeded, "academic", comment, "One.", now)
    reply(db, seeded, "civil-society", comment, "Two.", now)
    answer = Disposition(
        comment_id=comment.id,
        kind=DispositionKind.NOTED,
        response="Out of scope.",
        released_at=now,
        updated_by_id=user(db, "wg2-chair").id,
    )
    db.add(answer)
    db.flush()
    assert notify.on_released(db, [answer]) == 1
    db.commit()

    digest_at = notify.next_digest(now)
    local = digest_at.astimezone(rounds.BRUSSELS)
    assert (local.hour, local.minute) == (7, 0) and now < digest_at
    assert digest_at - now <= timedelta(days=1)
    assert {r.send_after for r in rows(db)} == {digest_at}
    assert send(db, inbox.port, now).sent == 0
    assert send(db, inbox.port, digest_at).sent == 1
    [mail] = inbox.messages
    assert str(mail["Subject"]) == "Daily digest: 3 updates"
    text = body(mail)
    assert "> One." in text and "> Two." in text and "Disposition: Noted" in text
    assert text.count("Hello ") == 1
    assert "in a daily digest about: “Replies to my comments”; “The Chairs" in text
    assert all(r.sent_at == digest_at for r in rows(db))


def test_next_digest_across_daylight_saving() -> None:
    winter = datetime(2026, 3, 28, 6, 59, tzinfo=UTC)  # 07:59 Brussels (CET)
    assert notify.next_digest(winter) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    early = datetime(2026, 3, 28, 5, 59, tzinfo=UTC)  # 06:59 CET
    assert notify.next_digest(early) == datetime(2026, 3, 28, 6, 0, tzinfo=UTC)


# -- the Chairs' answers and new iterations ------------------------------------
def test_released_answer_mails_the_comment_author(
    db: Session, seeded: Code, seeded_store: DraftStore, inbox: Inbox
) -> None:
    open_round_on_draft_3(db, seeded)
    comment = comment_on_draft_3(db, seeded_store, seeded, "civil-society")
    draft = Disposition(comment_id=comment.id, kind=DispositionKind.ACCEPTED)
    db.add(draft)
    db.flush()
    assert notify.on_released(db, [draft]) == 0  # not released yet
    draft.response = "We reworded the Measure.\nSee draft-4."
    draft.commit_id = "a" * 40
    draft.released_at = utcnow()
    draft.updated_by_id = user(db, "wg2-chair").id
    assert notify.on_released(db, [draft]) == 1
    db.flush()
    assert notify.on_released(db, [draft]) == 0  # the same release: once
    db.commit()
    assert send(db, inbox.port).sent == 1
    [mail] = inbox.to("civil-society")
    assert str(mail["Subject"]) == f"The Chairs answered your comment on {S} (draft-3)"
    text = body(mail)
    assert "Disposition: Accepted" in text
    assert "> We reworded the Measure.\n> See draft-4." in text
    assert "Implemented in commit aaaaaaaaaa." in text
    assert f"{BASE}/c/gpai-code/comments/{comment.id}" in text


def test_published_iteration_mails_everyone_taking_part_but_the_publisher(
    db: Session, seeded: Code, inbox: Inbox
) -> None:
    office = user(db, "ai-office")
    accounts.invite(
        db,
        office,
        accounts.NewPerson(
            "new@example.eu", "Not Yet", Role.PARTICIPANT, None, None, ()
        ),
        days=14,
    )
    iteration = db.scalar(select(Iteration).where(Iteration.tag == "draft-3"))
    assert iteration is not None
    iteration.published_by_id = office.id
    iteration.notes = "Third draft: the risk taxonomy is new."
    choose(db, "observer", iteration=notify.OFF)
    people = db.scalar(
        select(func.count())
        .select_from(User)
        .where(User.password_hash.is_not(None), User.is_active.is_(True))
    )
    added = notify.on_published(db, seeded, iteration)
    assert added == people - 2  # not the publisher, not the observer who opted out
    assert notify.on_published(db, seeded, iteration) == 0
    db.commit()
    assert send(db, inbox.port).sent == added
    assert inbox.to("ai-office") == inbox.to("observer") == []
    assert not [m for m in inbox.messages if "new@example.eu" in str(m["To"])]
    [mail] = inbox.to("downstream")
    assert "Tomás Ferreira" in str(mail["To"])
    assert str(mail["Subject"]) == f"{seeded.title}: draft-3 is published"
    text = body(mail)
    assert "> Third draft: the risk taxonomy is new." in text
    assert f"{BASE}/c/gpai-code/iterations/draft-3" in text


# -- deadlines -------------------------------------------------------------------
def test_deadline_reminder_two_days_ahead_once(
    db: Session, seeded: Code, inbox: Inbox
) -> None:
    round_ = open_round_on_draft_3(db, seeded)
    closes = round_.closes_at
    assert notify.queue_deadlines(db, utcnow()) == 0
    assert notify.queue_deadlines(db, closes - timedelta(days=3)) == 0
    two_days = closes - timedelta(days=2)
    queued = notify.queue_deadlines(db, two_days)
    db.commit()
    assert queued > 0
    assert notify.queue_deadlines(db, two_days + timedelta(hours=1)) == 0
    assert notify.queue_deadlines(db, closes - timedelta(days=1)) == 0
    db.commit()
    assert send(db, inbox.port, two_days).sent == queued
    recipients = {str(m["To"]) for m in inbox.messages}
    assert len(recipients) == queued
    assert inbox.to("provider") and inbox.to("wg2-chair")
    assert inbox.to("observer") == []  # observers may not comment in this round
    [mail] = inbox.to("provider")
    assert str(mail["Subject"]) == (
        f"{seeded.title}: comments on draft-3 close in 2 days at 18:00"
    )
    assert f"{BASE}/c/gpai-code/comments?rev=draft-3" in body(mail)
    # An extended window is a new deadline, with a reminder of its own.
    later = closes + timedelta(days=7)
    rounds.extend_round(db, seeded, user(db, "ai-office"), round_.id, later)
    assert notify.queue_deadlines(db, later - timedelta(days=2)) == queued
    assert notify.queue_deadlines(db, later + timedelta(minutes=1)) == 0  # closed


# -- failures --------------------------------------------------------------------
def test_failing_server_keeps_the_action_and_retries_later(
    db: Session,
    seeded: Code,
    seeded_store: DraftStore,
    as_user: AsUser,
    inbox: Inbox,
) -> None:
    open_round_on_draft_3(db, seeded)
    comment = comment_on_draft_3(db, seeded_store, seeded, "provider")
    reply(db, seeded, "academic", comment, "A reply.", None)
    dead = _free_port()  # nothing listens there
    now = utcnow()
    assert send(db, dead, now) == notify.SendReport(0, 1)
    [row] = rows(db)
    assert row.sent_at is None and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.send_after == now + timedelta(minutes=5)
    assert db.get(Comment, comment.id) is not None
    assert db.scalar(select(func.count()).select_from(Comment)) == 2

    assert send(db, inbox.port, now + timedelta(minutes=4)).sent == 0  # backing off
    inbox.refuse = True
    assert send(db, inbox.port, now + timedelta(minutes=5)) == notify.SendReport(0, 1)
    [row] = rows(db)
    assert row.attempts == 2 and row.last_error.startswith("451 4.3.0 Mailbox busy")
    retry = now + timedelta(minutes=35)
    assert row.send_after == retry
    inbox.refuse = False
    assert send(db, inbox.port, retry).sent == 1
    [row] = rows(db)
    assert row.sent_at == retry and row.attempts == 3 and row.last_error == ""
    assert len(inbox.to("provider")) == 1


def test_gives_up_after_the_last_attempt_and_keeps_the_row(
    db: Session, seeded: Code, seeded_store: DraftStore, inbox: Inbox
) -> None:
    open_round_on_draft_3(db, seeded)
    comment = comment_on_draft_3(db, seeded_store, seeded, "provider")
    reply(db, seeded, "academic", comment, "A reply.", None)
    [row] = rows(db)
    row.attempts = notify.MAX_ATTEMPTS - 1
    db.commit()
    now = utcnow()
    inbox.refuse = True
    assert send(db, inbox.port, now).failed == 1
    [row] = rows(db)
    assert row.attempts == notify.MAX_ATTEMPTS
    assert row.last_error.startswith(f"gave up after {notify.MAX_ATTEMPTS} attempts")
    inbox.refuse = False
    assert send(db, inbox.port, now + timedelta(days=30)).sent == 0
    assert inbox.messages == [] and len(rows(db)) == 1


def test_a_refused_mail_does_not_stop_the_others(
    db: Session, seeded: Code, inbox: Inbox
) -> None:
    _queue_many(db, 4)
    inbox.unknown.add(f"academic@{demo.DOMAIN}")
    assert send(db, inbox.port) == notify.SendReport(3, 1)
    [refused] = [r for r in rows(db) if r.sent_at is None]
    assert refused.user_id == user(db, "academic").id
    assert refused.last_error == "recipient refused: 550 5.1.1 No such user"
    # A mail that cannot even be written fails alone too.
    mailer = smtp(inbox.port)
    with pytest.raises(notify.MailError) as failed:
        mailer.send(notify.Mail("not an address", "X", "Subject", "Body"))
    assert not failed.value.server_down
    mailer.send(notify.Mail("someone@example.eu", "Ünïcode Näme", "Sübject", "Bödy"))
    mailer.close()
    assert str(inbox.messages[-1]["To"]) == "Ünïcode Näme <someone@example.eu>"
    assert body(inbox.messages[-1]) == "Bödy\n"


def test_a_dead_server_is_tried_once_per_run(db: Session, seeded: Code) -> None:
    _queue_many(db, 5)
    now = utcnow()
    tried: list[notify.Mail] = []

    class Counting(notify.SMTPMailer):
        def send(self, mail: notify.Mail) -> None:
            tried.append(mail)
            super().send(mail)

    dead = Counting("127.0.0.1", _free_port(), sender="x@example.eu", tls=False)
    assert notify.send_due(db, dead, now) == notify.SendReport(0, 5)
    assert len(tried) == 1
    assert {(r.attempts, r.send_after) for r in rows(db)} == {
        (1, now + timedelta(minutes=5))
    }


def test_reply_through_the_app_with_the_mail_server_down(
    db: Session, seeded: Code, seeded_store: DraftStore, as_user: AsUser
) -> None:
    open_round_on_draft_3(db, seeded)
    comment = comment_on_draft_3(db, seeded_store, seeded, "provider")
    client = as_user("academic")
    response = client.post(
        f"/c/gpai-code/comments/{comment.id}/replies",
        data={
            "body": "Posted while mail is down.",
            "client_token": uuid.uuid4().hex,
            "rev": "draft-3",
            "csrf_token": csrf_token(client, PAGE),
        },
    )
    assert response.status_code == 302
    assert send(db, _free_port()).failed == 1
    db.expire_all()
    assert db.scalar(select(Comment).where(Comment.parent_id == comment.id)) is not None


# -- two senders -----------------------------------------------------------------
def _queue_many(db: Session, count: int) -> None:
    people = [user(db, k) for k in ("provider", "academic", "industry", "observer")]
    for n in range(count):
        db.add(
            Notification(
                user_id=people[n % len(people)].id,
                kind=NotificationKind.ITERATION,
                dedupe_key=f"test:{n}",
                subject=f"Mail number {n}",
                body="Body.",
                send_after=utcnow() - timedelta(minutes=1),
            )
        )
    db.commit()


def test_two_senders_at_once_send_each_mail_once(
    db: Session, seeded: Code, inbox: Inbox
) -> None:
    _queue_many(db, 48)
    inbox.delay = 0.005
    sessions = make_sessionmaker(db.get_bind())
    now = utcnow()
    reports: list[notify.SendReport] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def sender() -> None:
        try:
            with sessions() as own:
                start.wait()
                reports.append(notify.send_due(own, smtp(inbox.port), now, batch=7))
        except BaseException as error:  # reported in the main thread
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    subjects = sorted(str(m["Subject"]) for m in inbox.messages)
    assert subjects == sorted(f"Mail number {n}" for n in range(48))
    assert sum(r.sent for r in reports) == 48
    assert all(r.sent_at == now for r in rows(db))


def test_no_transaction_is_open_while_mailing(db: Session, seeded: Code) -> None:
    _queue_many(db, 3)
    sessions = make_sessionmaker(db.get_bind())
    seen: list[tuple[bool, notify.SendReport]] = []
    now = utcnow()

    class Probe:
        def __init__(self, own: Session) -> None:
            self.own = own

        def send(self, mail: notify.Mail) -> None:
            # A second sender meanwhile finds every row claimed, and can write.
            with sessions() as other:
                report = notify.send_due(other, notify.LogMailer(lambda _: None), now)
            seen.append((self.own.in_transaction(), report))

        def close(self) -> None:
            pass

    with sessions() as own:
        assert notify.send_due(own, Probe(own), now).sent == 3
    assert seen == [(False, notify.SendReport(0, 0))] * 3


# -- the command line ----------------------------------------------------------
def _cli(db_url: str, data: Path, *args: str, **env: str) -> Any:
    return CliRunner().invoke(
        main,
        ["--data", str(data), *args],
        env={"DATABASE_URL": db_url, **env},
        catch_exceptions=False,
    )


def test_cli_queues_deadlines_and_sends(
    db: Session, db_url: str, data_dir: Path, seeded: Code, inbox: Inbox
) -> None:
    rounds.open_round(
        db,
        seeded,
        user(db, "ai-office"),
        rounds.RoundInput(
            tag="draft-3",
            plenary_at=utcnow() - timedelta(days=13),
            visibility=Visibility.WORKING_GROUP,
            observers_may_comment=False,
            closes_at=utcnow() + timedelta(days=1),
        ),
    )
    choose(db, "academic", deadline=notify.DAILY)
    others = [
        u.id
        for u in db.scalars(select(User))
        if u.email.split("@")[0] not in {"provider", "academic"}
    ]
    for user_id in others:
        db.add(
            NotificationSetting(
                user_id=user_id, kind=NotificationKind.DEADLINE, delivery=notify.OFF
            )
        )
    db.commit()
    queued = _cli(db_url, data_dir, "notify", "deadlines")
    assert queued.exit_code == 0, queued.output
    assert "Queued 2 deadline reminder(s)." in queued.output
    again = _cli(db_url, data_dir, "notify", "deadlines")
    assert "Queued 0 deadline reminder(s)." in again.output

    logged = _cli(db_url, data_dir, "notify", "send", COP_DRAFTS_BASE_URL=BASE)
    assert logged.exit_code == 0, logged.output
    assert f"Mail to Mara Lindqvist <provider@{demo.DOMAIN}>" in logged.output
    assert f"{BASE}/c/gpai-code/comments?rev=draft-3" in logged.output
    assert "Sent 1 mail(s); 0 to retry later." in logged.output  # academic: daily

    db.execute(
        Notification.__table__.update().values(send_after=utcnow(), sent_at=None)
    )
    db.commit()
    smtp_env = {
        "COP_DRAFTS_SMTP_HOST": "127.0.0.1",
        "COP_DRAFTS_SMTP_PORT": str(inbox.port),
        "COP_DRAFTS_SMTP_TLS": "0",
    }
    sent = _cli(db_url, data_dir, "notify", "send", **smtp_env)
    assert sent.exit_code == 0, sent.output
    assert "Sent 2 mail(s); 0 to retry later." in sent.output
    assert len(inbox.to("provider")) == len(inbox.to("academic")) == 1


def test_mail_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings({}).smtp_host == ""
    assert load_settings({}).base_url == notify.DEFAULT_BASE_URL
    monkeypatch.setenv("COP_DRAFTS_SMTP_HOST", "mail.example.eu")
    monkeypatch.setenv("COP_DRAFTS_SMTP_PORT", "2525")
    monkeypatch.setenv("COP_DRAFTS_SMTP_USER", "cop")
    monkeypatch.setenv("COP_DRAFTS_SMTP_PASSWORD", "s3cret-password")
    monkeypatch.setenv("COP_DRAFTS_SMTP_FROM", "Code <code@example.eu>")
    monkeypatch.setenv("COP_DRAFTS_SMTP_TLS", "no")
    monkeypatch.setenv("COP_DRAFTS_BASE_URL", "https://cop.example.eu/")
    settings = load_settings({})
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_user) == (
        "mail.example.eu",
        2525,
        "cop",
    )
    assert settings.smtp_password == "s3cret-password"
    assert "s3cret-password" not in repr(settings)
    assert settings.smtp_from == "Code <code@example.eu>" and not settings.smtp_tls
    assert settings.base_url == "https://cop.example.eu"
    mailer = notify.make_mailer(settings)
    assert isinstance(mailer, notify.SMTPMailer) and mailer.port == 2525
    monkeypatch.setenv("COP_DRAFTS_SMTP_PORT", "smtp")
    with pytest.raises(ValueError, match="COP_DRAFTS_SMTP_PORT"):
        load_settings({})


# -- the settings page -----------------------------------------------------------
def _checked(client: FlaskClient) -> dict[str, str]:
    page = parse(client.get("/settings/notifications").get_data(as_text=True))
    form = page.find("form", data_testid="notification-settings")
    assert form is not None
    return {
        box.attrs["name"]: box.attrs["value"]
        for box in form.find_all("input", type="radio")
        if "checked" in box.attrs
    }


def test_settings_page_per_person_with_csrf(
    db: Session, seeded: Code, as_user: AsUser
) -> None:
    provider, academic = as_user("provider"), as_user("academic")
    defaults = {kind.value: notify.IMMEDIATE for kind in notify.CHOSEN_KINDS}
    assert _checked(provider) == defaults
    home = parse(provider.get("/").get_data(as_text=True))
    link = home.find("a", data_testid="notification-settings-link")
    assert link is not None and link.attrs["href"] == "/settings/notifications"

    chosen = {
        "reply": notify.DAILY,
        "disposition": notify.IMMEDIATE,
        "iteration": notify.OFF,
        "deadline": notify.DAILY,
    }
    assert provider.post("/settings/notifications", data=chosen).status_code == 400
    assert _checked(provider) == defaults  # no token, nothing changed
    token = csrf_token(provider, "/settings/notifications")
    saved = provider.post(
        "/settings/notifications", data={**chosen, "csrf_token": token}
    )
    assert saved.status_code == 302
    assert saved.headers["Location"] == "/settings/notifications"
    assert _checked(provider) == chosen
    assert _checked(academic) == defaults
    assert notify.load_preferences(db, user(db, "provider")) == {
        NotificationKind(k): v for k, v in chosen.items()
    }

    bad = provider.post(
        "/settings/notifications",
        data={**chosen, "reply": "hourly", "csrf_token": token},
    )
    assert bad.status_code == 400
    page = parse(bad.get_data(as_text=True))
    fieldset = page.find("fieldset", data_kind="reply")
    assert fieldset is not None and fieldset.find(class_="error") is not None
    assert _checked(provider) == chosen
    anonymous = as_user(None).get("/settings/notifications")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_save_preferences_refuses_unknown_choices(db: Session, seeded: Code) -> None:
    from cop_drafts.services.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        notify.save_preferences(db, user(db, "provider"), {"reply": "sometimes"})
    assert set(refused.value.fields) == {k.value for k in notify.CHOSEN_KINDS}
    assert db.scalar(select(func.count()).select_from(NotificationSetting)) == 0
    assert db.scalar(select(func.count()).select_from(Round)) == 0


def test_an_account_mail_keeps_no_copy_of_its_link_once_sent(
    db: Session, seeded: Code
) -> None:
    link = "{site}/invitations/one-time-secret"
    row = notify.queue_account_mail(
        db, "invite:1", "Your invitation", f"Open {link}", to=("n@example.org", "N")
    )
    db.commit()
    delivered: list[str] = []
    report = notify.send_due(db, notify.LogMailer(delivered.append), utcnow())
    assert report.sent == 1 and "one-time-secret" in delivered[0]
    db.expire_all()
    stored = db.get(Notification, row.id)
    assert stored is not None and stored.sent_at is not None
    assert stored.body == notify.SENT_BODY


def test_a_sent_account_mail_is_marked_sent_and_wiped_in_one_transaction(
    db: Session, seeded: Code
) -> None:
    # Marking a mail sent and wiping its one-time link were two commits: a
    # failure between them left a sent link in the outbox for good.
    row = notify.queue_account_mail(
        db,
        "invite:2",
        "Your invitation",
        "Open {site}/i/one-time-secret",
        to=("m@example.org", "M"),
    )
    db.commit()
    engine = db.get_bind()

    def refuse(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("UPDATE notifications SET body"):
            raise RuntimeError("disk full")

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        with pytest.raises(RuntimeError):
            notify.send_due(db, notify.LogMailer(lambda _: None), utcnow())
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    db.rollback()
    db.expire_all()
    stored = db.get(Notification, row.id)
    assert stored is not None and stored.sent_at is None  # due again, whole
    assert "one-time-secret" in stored.body
