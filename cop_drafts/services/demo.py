"""The demo: a Code with a true history built from drafts/, and seeded accounts.

drafts/ holds three complete iterations; history.toml says which Chair made
which part of each change. The builder replays them as commits on the
Working Group branches, consolidates into ``main`` and tags each iteration,
so that history, blame, diffs and moving comments have real material.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cop_drafts.config import Settings
from cop_drafts.db.models import (
    Category,
    Code,
    CommentKind,
    DispositionKind,
    Role,
    User,
    Visibility,
    WgRole,
    utcnow,
)
from cop_drafts.store import DraftStore, Person, import_folder
from cop_drafts.store.errors import InvalidContent, NoChange
from cop_drafts.store.manifest import MANIFEST
from cop_drafts.store.refs import MAIN, wg_branch

from . import (
    accounts,
    codes,
    comments,
    demo_membership,
    dispositions,
    publishing,
    rounds,
    submissions,
)

DEMO_SLUG = "gpai-code"
DEMO_PASSWORD = "demo-password-2026"
DOMAIN = "demo.cop-drafts.eu"
#: Iterations the demo makes public; the newest stays with the participants.
PUBLIC_TAGS = ("draft-1", "draft-2")


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """One seeded login."""

    key: str
    role: Role
    memberships: tuple[tuple[int, WgRole], ...] = ()
    category: Category | None = None
    organisation: str | None = None
    name: str = ""

    @property
    def email(self) -> str:
        """The login of this account."""
        return f"{self.key}@{DOMAIN}"


def _chairs() -> list[DemoAccount]:
    out = []
    for wg in range(1, 5):
        out.append(
            DemoAccount(
                f"wg{wg}-chair", Role.CHAIR, ((wg, WgRole.CHAIR),), Category.INSTITUTION
            )
        )
        out.append(
            DemoAccount(
                f"wg{wg}-vice",
                Role.CHAIR,
                ((wg, WgRole.VICE_CHAIR),),
                Category.INSTITUTION,
            )
        )
    return out


ALL_WGS = tuple((wg, WgRole.MEMBER) for wg in range(1, 5))
ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("ai-office", Role.AI_OFFICE, (), Category.INSTITUTION, "AI Office"),
    DemoAccount("coordinator", Role.COORDINATOR, (), Category.INSTITUTION),
    *_chairs(),
    DemoAccount(
        "provider",
        Role.PARTICIPANT,
        ALL_WGS,
        Category.MODEL_PROVIDER,
        "Northwind Models SE",
        "Mara Lindqvist",
    ),
    DemoAccount(
        "downstream",
        Role.PARTICIPANT,
        ((1, WgRole.MEMBER), (3, WgRole.MEMBER)),
        Category.DOWNSTREAM_PROVIDER,
        "Quayside Apps GmbH",
        "Tomás Ferreira",
    ),
    DemoAccount(
        "industry",
        Role.PARTICIPANT,
        ((4, WgRole.MEMBER),),
        Category.INDUSTRY,
        "European Software Alliance",
        "Ingrid Vos",
    ),
    DemoAccount(
        "civil-society",
        Role.PARTICIPANT,
        ALL_WGS,
        Category.CIVIL_SOCIETY,
        "Digital Rights Forum",
        "Amadou Diallo",
    ),
    DemoAccount(
        "rightsholder",
        Role.PARTICIPANT,
        ((1, WgRole.MEMBER),),
        Category.RIGHTSHOLDER,
        "Authors and Publishers Council",
        "Clara Benedetti",
    ),
    DemoAccount(
        "academic",
        Role.PARTICIPANT,
        ((2, WgRole.MEMBER), (3, WgRole.MEMBER)),
        Category.ACADEMIA,
        "Independent expert",
        "Prof. Jonas Weber",
    ),
    DemoAccount(
        "observer",
        Role.OBSERVER,
        ALL_WGS,
        Category.PUBLIC_BODY,
        "Ministry of Digital Affairs (Member State)",
        "Helena Novak",
    ),
)


def load_people(drafts: Path) -> dict[str, str]:
    """Demo names by key from drafts/people.toml (empty when missing)."""
    path = drafts / "people.toml"
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        key: str(value.get("name", key))
        for key, value in data.get("people", {}).items()
    }


#: Key in ``Session.info``: the e-mails of the demo accounts this session
#: created, so that a later call in the same run (``cop-drafts demo`` seeds
#: inside build_demo, then lists the accounts) still says "created".
_CREATED = "cop_drafts.demo.created"


def seed_accounts(db: Session, drafts: Path) -> list[tuple[DemoAccount, User, bool]]:
    """Create every demo account that is missing; (account, user, created),
    where created is True for accounts made by this session (this run)."""
    names = load_people(drafts)
    made: set[str] = db.info.setdefault(_CREATED, set())
    out = []
    for account in ACCOUNTS:
        user = accounts.find_user(db, account.email)
        if user is None:
            name = account.name or names.get(account.key) or account.key
            person = accounts.NewPerson(
                account.email,
                name,
                account.role,
                account.category,
                account.organisation,
                account.memberships,
            )
            user = accounts.create_user(db, person, password=DEMO_PASSWORD, actor=None)
            made.add(account.email)
        out.append((account, user, account.email in made))
    return out


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _partial(old: str, new: str, parts: int) -> list[str]:
    """Texts stepping from `old` to `new` in `parts` steps, hunks in order."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    changes = [i for i, op in enumerate(ops) if op[0] != "equal"]
    if not changes:
        return []
    parts = max(1, min(parts, len(changes)))
    steps = []
    for step in range(1, parts + 1):
        applied = set(changes[: round(len(changes) * step / parts)])
        text = []
        for i, (tag, i1, i2, j1, j2) in enumerate(ops):
            text.extend(b[j1:j2] if (tag == "equal" or i in applied) else a[i1:i2])
        steps.append("".join(text))
    return steps


class _Builder:
    """Replays drafts/ into a store: commits by Chairs, consolidation, tags."""

    def __init__(self, store: DraftStore, drafts: Path, people: dict[str, str]):
        self.store, self.drafts, self.people = store, drafts, people

    def person(self, key: str, when: datetime) -> Person:
        return Person(self.people.get(key, key), f"{key}@{DOMAIN}", when)

    def replay(self, previous: str, iteration: dict[str, Any]) -> None:
        tag = iteration["tag"]
        old_files = import_folder(self.drafts / previous)
        new_files = import_folder(self.drafts / tag)
        manifest = self.store.manifest(MAIN)
        commits = iteration.get("commits", [])
        last = _when(iteration["date"]) - timedelta(hours=2)
        for path in new_files:
            if path == MANIFEST:
                continue
            entries = [c for c in commits if c["file"] == path]
            spec = manifest.find_section(path)
            branch = wg_branch(spec.wg) if spec and spec.wg else MAIN
            default = {
                "author": "coordinator",
                "date": last.isoformat(),
                "message": f"Update {path} for {tag}",
            }
            steps = _partial(
                old_files.get(path, ""), new_files[path], len(entries) or 1
            )
            for step, entry in zip(steps, entries or [default], strict=False):
                when = _when(entry["date"])
                base = self.store.resolve(branch)
                try:
                    self.store.save(
                        branch,
                        path,
                        step,
                        base=base,
                        author=self.person(entry["author"], when),
                        message=entry["message"],
                    )
                except NoChange:
                    continue
        self.consolidate(
            tag, manifest.wgs(), _when(iteration["date"]), new_files[MANIFEST]
        )

    def consolidate(
        self, tag: str, wgs: tuple[int, ...], when: datetime, manifest_text: str
    ) -> None:
        coordinator = self.person("coordinator", when - timedelta(hours=1))
        for wg in wgs:
            try:
                self.store.merge(
                    wg_branch(wg),
                    MAIN,
                    author=coordinator,
                    message=f"Consolidate Working Group {wg} for {tag}",
                )
            except NoChange:
                pass
        base = self.store.resolve(MAIN)
        try:
            self.store.save(
                MAIN,
                MANIFEST,
                manifest_text,
                base=base,
                author=coordinator,
                message=f"Update section list for {tag}",
            )
        except NoChange:
            pass
        for wg in wgs:
            self.store.sync(
                wg_branch(wg),
                source=MAIN,
                author=coordinator,
                message=f"Bring consolidated {tag} into wg/{wg}",
            )


def build_demo(
    db: Session, settings: Settings, drafts: Path, *, in_progress: bool = True
) -> Code | None:
    """Create the demo Code from `drafts` unless it exists; None when it did.

    Raises InvalidContent when drafts/ is incomplete.
    """
    if codes.list_codes(db) and any(c.slug == DEMO_SLUG for c in codes.list_codes(db)):
        return None
    history_file = drafts / "history.toml"
    if not history_file.is_file():
        raise InvalidContent(f"{history_file} is missing")
    history = tomllib.loads(history_file.read_text(encoding="utf-8"))["iterations"]
    people = load_people(drafts)
    first = history[0]
    when = _when(first["date"])
    coordinator = Person(
        people.get("coordinator", "coordinator"),
        f"coordinator@{DOMAIN}",
        when - timedelta(days=7),
    )
    code = codes.create_code(
        db,
        settings,
        DEMO_SLUG,
        drafts / first["tag"],
        author=coordinator,
        message="Structure of the Code and first text of every section",
    )
    seed_accounts(db, drafts)
    office_user = _account(db, "ai-office")
    office = Person(people.get("ai-office", "AI Office"), f"ai-office@{DOMAIN}")
    plan = _load_comments(drafts)
    with codes.open_store(settings, DEMO_SLUG) as store:
        builder = _Builder(store, drafts, people)
        previous_round: list[tuple[dict[str, Any], int]] = []
        previous = first["tag"]
        for iteration in history:
            if iteration is not first:
                builder.replay(previous, iteration)
                previous = iteration["tag"]
            tag = iteration["tag"]
            if previous_round:
                # The Chairs answer the last round's comments before the next
                # iteration, so its tag carries their released answers.
                answered_at = _when(iteration["date"]) - timedelta(days=3)
                _answer_comments(db, store, code, previous_round, answered_at)
            publishing.publish(
                db,
                store,
                code,
                office_user,
                publishing.PublishInput(
                    tag=tag,
                    notes=iteration.get("message", tag),
                    next_round=_round_input(tag, plan),
                    # The demo shows findings as they are; it publishes anyway.
                    accept_errors=True,
                ),
                tagger=Person(office.name, office.email, _when(iteration["date"])),
            )
            previous_round = _post_comments(db, store, code, tag, plan)
            _written_submission(db, store, code, tag, drafts)
        for tag in PUBLIC_TAGS:
            codes.set_public(db, code, office_user, tag, True)
        if in_progress:
            _work_in_progress(store, drafts, people)
    demo_membership.build(db, settings, code, drafts)
    return code


def _work_in_progress(store: DraftStore, drafts: Path, people: dict[str, str]) -> None:
    """Edits on Working Group branches after the last iteration (not in main)."""
    path = drafts / "in-progress.toml"
    if not path.is_file():
        return
    manifest = store.manifest(MAIN)
    for n, edit in enumerate(tomllib.loads(path.read_text(encoding="utf-8"))["edits"]):
        spec = manifest.find_section(edit["file"])
        if spec is None or spec.wg is None:
            raise InvalidContent(f"in-progress edit on unknown section {edit['file']}")
        branch = wg_branch(spec.wg)
        text = store.read(branch, edit["file"]).text
        if edit["old"] not in text:
            raise InvalidContent(f"in-progress edit: text not found in {edit['file']}")
        when = (
            utcnow() - timedelta(hours=2 - n / 10)
            if edit["date"] == "now"
            else _when(edit["date"])
        )
        author = Person(
            people.get(edit["author"], edit["author"]),
            f"{edit['author']}@{DOMAIN}",
            when,
        )
        store.save(
            branch,
            edit["file"],
            text.replace(edit["old"], edit["new"], 1),
            base=store.resolve(branch),
            author=author,
            message=edit["message"],
        )


def _load_comments(drafts: Path) -> dict[str, Any]:
    path = drafts / "comments.toml"
    if not path.is_file():
        return {"rounds": [], "comments": []}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _round_input(tag: str, plan: dict[str, Any]) -> rounds.RoundInput | None:
    """The demo round opened when `tag` is published, if one is planned."""
    spec = next((r for r in plan["rounds"] if r["tag"] == tag), None)
    if spec is None:
        return None
    # "now": the Plenary met this morning, so the window is open for two weeks.
    plenary = (
        utcnow() - timedelta(hours=4)
        if spec["plenary"] == "now"
        else _when(spec["plenary"])
    )
    return rounds.RoundInput(
        tag=tag,
        plenary_at=plenary,
        visibility=Visibility(spec["visibility"]),
        observers_may_comment=bool(spec.get("observers_may_comment", False)),
    )


def _post_comments(
    db: Session, store: DraftStore, code: Code, tag: str, plan: dict[str, Any]
) -> list[tuple[dict[str, Any], int]]:
    """Post the demo comments of `tag`'s round during its window; each planned
    item with the id of its comment."""
    round_ = _round_input(tag, plan)
    if round_ is None:
        return []
    posted = []
    plenary = round_.plenary_at
    at = plenary + timedelta(hours=1)
    for n, item in enumerate(c for c in plan["comments"] if c["tag"] == tag):
        text = store.read(tag, item["file"]).text
        start = text.find(item["quote"])
        if start < 0:
            raise InvalidContent(f"demo comment quote not in {item['file']} at {tag}")
        line = text.count("\n", 0, start) + 1
        author = _account(db, item["author"])
        when = at + timedelta(minutes=37 * n)
        comment = comments.post(
            db,
            store,
            code,
            author,
            comments.NewComment(
                path=item["file"],
                rev=tag,
                body=item["body"],
                proposed_text=item.get("proposed"),
                line_start=line,
                line_end=line + item["quote"].count("\n"),
                quote=item["quote"],
                kind=CommentKind.COMMENT,
                client_token=f"demo-{tag}-{n:04d}",
            ),
            now=when,
        )
        posted.append((item, comment.id))
        if "reply" in item:
            replier = _account(db, item["reply"]["author"])
            comments.reply(
                db,
                code,
                replier,
                comment.id,
                item["reply"]["body"],
                f"demo-{tag}-{n:04d}-r",
                now=when + timedelta(hours=20),
            )
    return posted


def _answer_comments(
    db: Session,
    store: DraftStore,
    code: Code,
    posted: list[tuple[dict[str, Any], int]],
    when: datetime,
) -> None:
    """The Chairs' planned answers to a round's comments, some released; an
    answer may name the change that implements it by words of its message."""
    for n, (item, comment_id) in enumerate(p for p in posted if "answer" in p[0]):
        plan = item["answer"]
        chair = _account(db, plan["by"])
        commit = ""
        if "change" in plan:
            spec = store.manifest(MAIN).find_section(item["file"])
            branch = wg_branch(spec.wg) if spec and spec.wg else MAIN
            commit = next(
                c.commit_id
                for c in store.history(branch, item["file"])
                if plan["change"] in c.message
            )
        assignee = plan.get("assignee")
        dispositions.answer(
            db,
            store,
            code,
            chair,
            [comment_id],
            dispositions.AnswerInput(
                kind=DispositionKind(plan["kind"]),
                response=plan["response"],
                commit=commit,
                assignee_id=(_account(db, assignee).id if assignee else None),
            ),
            release=bool(plan.get("released")),
            now=when + timedelta(hours=n),
        )


def _account(db: Session, key: str) -> User:
    """The demo account `key` (``ai-office``, ``wg2-chair``...), seeded first."""
    found = accounts.find_user(db, f"{key}@{DOMAIN}")
    if found is None:
        raise InvalidContent(f"demo account {key} is missing: seed the accounts first")
    return found


def _written_submission(
    db: Session, store: DraftStore, code: Code, tag: str, drafts: Path
) -> None:
    """The written submission prepared offline for `tag`'s round, imported by
    the AI Office on a participant's behalf (drafts/submission-<tag>.csv)."""
    path = drafts / f"submission-{tag}.csv"
    if not path.is_file():
        return
    round_ = rounds.find_round(db, code, store.resolve(tag))
    if round_ is None:
        raise InvalidContent(f"{path.name}: {tag} has no round")
    office = _account(db, "ai-office")
    author = _account(db, "industry")
    submissions.import_submission(
        db,
        store,
        code,
        office,
        author,
        tag,
        path.name,
        path.read_bytes(),
        now=round_.opens_at + timedelta(days=9),
    )
