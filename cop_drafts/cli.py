"""The ``cop-drafts`` command line: set up, seed, serve and administer.

Loading it imports click and the settings only: each command imports what it
uses when it runs, so ``cop-drafts --help`` answers at once instead of
loading the app, the database models, git and WeasyPrint first
(tests/integration/test_cli.py checks what importing this module loads).
"""

from __future__ import annotations

import functools
import os
import secrets
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cop_drafts.config import SECRET_FILE, Settings, load_settings, shipped

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cop_drafts.services import accounts


class _LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A choice whose values are looked up when first needed (checking a value,
    showing the command's help), not when the command line is loaded."""

    def __init__(self, values: Callable[[], Iterable[str]]) -> None:
        self._values = values
        self._loaded: tuple[str, ...] | None = None
        self.case_sensitive = True

    @property  # type: ignore[override]
    def choices(self) -> Sequence[str]:
        if self._loaded is None:
            self._loaded = tuple(self._values())
        return self._loaded

    @choices.setter
    def choices(self, values: Iterable[str]) -> None:
        self._loaded = tuple(values)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    from cop_drafts.db.session import make_engine, make_sessionmaker, upgrade

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as db:
            yield db
    finally:
        engine.dispose()


@contextmanager
def _errors() -> Iterator[None]:
    """Domain errors become one clear line and exit status 1."""
    from cop_drafts.export.errors import ExportUnavailable
    from cop_drafts.services.errors import ServiceError, ValidationError
    from cop_drafts.store import StoreError

    try:
        yield
    except ValidationError as error:
        details = "; ".join(error.fields.values())
        raise click.ClickException(f"{error} {details}".strip()) from error
    except (ServiceError, StoreError, ExportUnavailable) as error:
        raise click.ClickException(str(error)) from error


def _ensure_secret(settings: Settings) -> None:
    path = settings.data_dir / SECRET_FILE
    if settings.secret_key or path.exists():
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))


def _output_option(help_text: str, *, dash: bool = True) -> Callable[..., Any]:
    """The required ``-o/--output FILE`` option (``-`` for standard output)."""
    return click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(dir_okay=False, allow_dash=dash, path_type=Path),
        help=help_text,
    )


@click.group()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data folder (default: ./instance or $COP_DRAFTS_DATA).",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """Draft, comment on and publish a Code of Practice kept in git."""
    from cop_drafts.store import set_durable

    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir.resolve()
    ctx.obj = load_settings(overrides)
    set_durable(ctx.obj.fsync)


@main.command("migrate")
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Create or upgrade the database schema."""
    from cop_drafts.db.session import upgrade

    upgrade(settings.database_url)
    click.echo("Database schema is up to date.")


@main.command("init")
@click.argument("slug")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--author", default="Coordinating Chair", show_default=True)
@click.option("--email", default="coordinator@example.org", show_default=True)
@click.pass_obj
def init(settings: Settings, slug: str, folder: Path, author: str, email: str) -> None:
    """Create Code SLUG from FOLDER (code.toml and one Markdown file per section)."""
    from cop_drafts.services import codes
    from cop_drafts.store import Person

    _ensure_secret(settings)
    with _session(settings) as db, _errors():
        code = codes.create_code(
            db,
            settings,
            slug,
            folder,
            author=Person(author, email),
            message=f"Create the Code from {folder.name}",
        )
    click.echo(f"Created {code.title!r} as {slug} in {settings.codes_dir}")


def _prepare_downloads(db: Session, settings: Settings, slug: str) -> int:
    from cop_drafts.cache import FileCache
    from cop_drafts.services import codes, exports

    code = codes.get_code(db, slug)
    files = FileCache(settings.downloads_dir)
    count = 0
    with codes.open_store(settings, slug) as store:
        for iteration in codes.iterations_all(db, code):
            count += len(exports.prepare(db, store, files, code, iteration))
    return count


@main.command("demo")
@click.option(
    "--drafts",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=lambda: shipped("drafts"),
    show_default="the demo Code shipped with cop-drafts",
)
@click.pass_obj
def demo_command(settings: Settings, drafts: Path) -> None:
    """Build the demo Code from drafts/ and seed one account per role (idempotent)."""
    from cop_drafts.db.models import ROLE_LABELS, WgRole
    from cop_drafts.services import demo

    _ensure_secret(settings)
    with _session(settings) as db, _errors():
        code = demo.build_demo(db, settings, drafts)
        seeded = demo.seed_accounts(db, drafts)
        click.echo("Demo Code: " + ("built." if code else "already there, kept."))
        # Built once here so the iteration pages list every hash at once.
        built = _prepare_downloads(db, settings, demo.DEMO_SLUG)
        click.echo(f"Downloads of the published iterations: {built} ready.")
    click.echo(f"Accounts (password for all: {demo.DEMO_PASSWORD}):")
    for account, user, created in seeded:
        wgs = ", ".join(
            f"WG{wg} {role.value.replace('_', '-')}"
            for wg, role in account.memberships
            if role != WgRole.MEMBER
        )
        if not wgs and account.memberships:
            wgs = "member of " + ", ".join(f"WG{wg}" for wg, _ in account.memberships)
        label = ROLE_LABELS[account.role]
        note = " (created)" if created else " (existing)"
        click.echo(f"  {user.email:<40} {label:<22} {wgs}{note}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=int, help="Worker processes  [default: two per core]")
@click.option(
    "--threads", default=2, show_default=True, type=int, help="Threads per worker."
)
@click.option(
    "--worker-class",
    type=click.Choice(["gthread", "sync"]),
    default="gthread",
    show_default=True,
    help="gthread: slow clients hold no worker (sync only for comparison).",
)
@click.pass_obj
def serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int | None,
    threads: int,
    worker_class: str,
) -> None:
    """Serve the app with gunicorn (threaded workers, request limits, timeouts)."""
    from cop_drafts.app import create_app
    from cop_drafts.app.serving import ServeOptions, default_workers, run
    from cop_drafts.db.session import upgrade

    upgrade(settings.database_url)
    app = create_app({"data_dir": settings.data_dir})
    options = ServeOptions(
        host=host,
        port=port,
        workers=workers or default_workers(),
        threads=threads if worker_class == "gthread" else 1,
        worker_class=worker_class,
    )
    click.echo(f"Serving on http://{host}:{port}  (Ctrl-C to stop)")
    run(app, options)


def _read_markdown(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise click.ClickException(
            f"cannot read {path}: {error.strerror or error}"
        ) from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(
            f"{path} is not UTF-8 text (byte 0x{data[error.start]:02x} at "
            f"offset {error.start}); convert it to UTF-8 first"
        ) from error


def _write(output: Path, data: bytes) -> None:
    """Write `data` to `output`, or to standard output for ``-``."""
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as error:
        raise click.ClickException(
            f"cannot write {output}: {error.strerror or error}"
        ) from error


@main.command("redline")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@_output_option("The HTML file to write; - for standard output.")
@click.pass_obj
def redline(settings: Settings, old: Path, new: Path, output: Path) -> None:
    """Write the redline of OLD.md to NEW.md as a standalone, printable HTML file.

    A summary line of the changes goes to standard error.
    """
    from cop_drafts.services.redline_document import standalone_html

    old_text, new_text = _read_markdown(old), _read_markdown(new)
    # Two files of the same name are told apart by the paths as typed.
    same = old.name == new.name
    old_label = str(old) if same else old.name
    new_label = str(new) if same else new.name
    html, line = standalone_html(
        old_text,
        new_text,
        title=f"Changes from {old_label} to {new_label}",
        old_label=old_label,
        new_label=new_label,
        web_dir=settings.web_dir,
    )
    _write(output, html.encode("utf-8"))
    click.echo(line, err=True)


def _export_formats() -> Iterable[str]:
    from cop_drafts.services import exports

    return exports.FORMATS


@main.command("export")
@click.option("--code", "code_slug", required=True, help="The Code, e.g. gpai-code.")
@click.option("--iteration", "tag", required=True, help="A published iteration.")
@click.option(
    "--format",
    "fmt",
    required=True,
    type=_LazyChoice(_export_formats),
    help="What to write.",
)
@_output_option("The file to write; - for standard output.")
@click.pass_obj
def export(
    settings: Settings, code_slug: str, tag: str, fmt: str, output: Path
) -> None:
    """Write a download of a published iteration; print its SHA-256.

    The same iteration gives the same bytes every time, on any machine, so
    the hash can be compared with the one on the iteration's page.
    """
    from cop_drafts.cache import FileCache
    from cop_drafts.services import codes, exports

    with _session(settings) as db, _errors():
        code = codes.get_code(db, code_slug)
        iteration = codes.find_iteration(db, code, tag)
        if iteration is None:
            raise click.ClickException(f"{code_slug} has no published iteration {tag}")
        with codes.open_store(settings, code_slug) as store:
            built = exports.build(
                db, store, FileCache(settings.downloads_dir), code, iteration, fmt
            )
    _write(output, built.data)
    click.echo(f"{built.sha256}  {built.name}", err=str(output) == "-")


@main.group("notify")
def notify() -> None:
    """E-mail notifications: send what is due, queue deadline reminders (cron)."""


@notify.command("send")
@click.pass_obj
def notify_send(settings: Settings) -> None:
    """Send the notifications that are due (run every minute from cron).

    Over SMTP when COP_DRAFTS_SMTP_HOST is set; otherwise the mails are
    printed here. A failing server leaves them queued for a later run.
    """
    from cop_drafts.db.models import utcnow
    from cop_drafts.services import notifications

    mailer = notifications.make_mailer(settings, emit=click.echo)
    with _session(settings) as db, _errors():
        report = notifications.send_due(
            db, mailer, utcnow(), base_url=settings.base_url
        )
    click.echo(f"Sent {report.sent} mail(s); {report.failed} to retry later.")


@notify.command("deadlines")
@click.pass_obj
def notify_deadlines(settings: Settings) -> None:
    """Queue the reminders of comment deadlines two days ahead (run daily)."""
    from cop_drafts.db.models import utcnow
    from cop_drafts.services import notifications

    with _session(settings) as db, _errors():
        queued = notifications.queue_deadlines(db, utcnow())
        db.commit()
    click.echo(f"Queued {queued} deadline reminder(s).")


@main.group("users")
def users() -> None:
    """List, add and invite people."""


def _person(
    email: str,
    name: str,
    role: str,
    category: str | None,
    organisation: str | None,
    wg: tuple[str, ...],
) -> accounts.NewPerson:
    from cop_drafts.db.models import Category, Role, WgRole
    from cop_drafts.services import accounts

    memberships = []
    for item in wg:
        number, _, wg_role = item.partition(":")
        if not number.isdigit():
            raise click.BadParameter(
                f"{item!r}: use N or N:chair|vice_chair|member", param_hint="--wg"
            )
        try:
            memberships.append((int(number), WgRole(wg_role or "member")))
        except ValueError as error:
            raise click.BadParameter(
                f"unknown Working Group role in {item!r}", param_hint="--wg"
            ) from error
    return accounts.NewPerson(
        email,
        name,
        Role(role),
        Category(category) if category else None,
        organisation,
        tuple(memberships),
    )


def _roles() -> list[str]:
    from cop_drafts.db.models import Role

    return [r.value for r in Role]


def _categories() -> list[str]:
    from cop_drafts.db.models import Category

    return [c.value for c in Category]


def _person_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The arguments and options that describe a person, shared by add/invite.

    The decorated command receives one ``person`` (accounts.NewPerson).
    """

    @click.argument("email")
    @click.argument("name")
    @click.option(
        "--role", type=_LazyChoice(_roles), default="participant", show_default=True
    )
    @click.option("--category", type=_LazyChoice(_categories))
    @click.option("--organisation")
    @click.option("--wg", multiple=True, help="N or N:chair|vice_chair|member; repeat.")
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        email: str,
        name: str,
        role: str,
        category: str | None,
        organisation: str | None,
        wg: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        person = _person(email, name, role, category, organisation, wg)
        return command(*args, person=person, **kwargs)

    return wrapper


@users.command("add")
@_person_options
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
@click.option("--password", "password_given", hidden=True)
@click.pass_obj
def users_add(
    settings: Settings,
    person: accounts.NewPerson,
    password_stdin: bool,
    password_given: str | None,
) -> None:
    """Create an account with a password: asked for (twice, not shown), or
    read from standard input with --password-stdin."""
    from cop_drafts.db.models import ROLE_LABELS
    from cop_drafts.services import accounts

    if password_given is not None:
        # A password in the arguments is seen by every user of the machine
        # (ps) and kept in the shell's history.
        raise click.UsageError(
            "A password is never taken from the command line: leave --password "
            "out to be asked for it, or pipe it in with --password-stdin."
        )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "Password (at least 12 characters, not a common one)",
            hide_input=True,
            confirmation_prompt=True,
        )
    with _session(settings) as db, _errors():
        user = accounts.create_user(db, person, password=password, actor=None)
    click.echo(f"Created {user.email} ({ROLE_LABELS[user.role]}).")


@users.command("invite")
@_person_options
@click.option("--base-url", help="Default: COP_DRAFTS_BASE_URL.")
@click.pass_obj
def users_invite(
    settings: Settings, person: accounts.NewPerson, base_url: str | None
) -> None:
    """Create an account and print its one-time invitation link."""
    from cop_drafts.services import accounts
    from cop_drafts.services.permissions import SYSTEM  # the operator invites

    base_url = base_url or settings.base_url
    with _session(settings) as db, _errors():
        user, token = accounts.invite(db, SYSTEM, person, days=settings.invitation_days)
    click.echo(f"Invitation for {user.email}, valid {settings.invitation_days} days:")
    click.echo(f"{base_url.rstrip('/')}/invite/{token}")


@users.command("list")
@click.pass_obj
def users_list(settings: Settings) -> None:
    """List every account."""
    from cop_drafts.db.models import CATEGORY_LABELS
    from cop_drafts.services import accounts

    with _session(settings) as db:
        for user in accounts.list_users(db):
            wgs = ",".join(f"{m.wg}:{m.wg_role.value}" for m in user.memberships)
            category = CATEGORY_LABELS[user.category] if user.category else ""
            state = "active" if user.password_hash else "invited"
            click.echo(
                f"{user.email:<40} {user.role.value:<12} {state:<8} "
                f"{wgs:<30} {category}"
            )


@main.group("comments")
def comments_group() -> None:
    """Written submissions: the spreadsheet template, importing a filled-in
    one, and exporting every comment with its answer."""


def _spreadsheet_format(output: Path) -> str:
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        raise click.BadParameter(
            f"{output.name}: name the file .xlsx or .csv", param_hint="-o"
        )
    return fmt


@comments_group.command("template")
@click.option("--code", "code_slug", required=True, help="The Code, e.g. gpai-code.")
@click.option("--iteration", "tag", required=True, help="A published iteration.")
@_output_option("The file to write: .xlsx or .csv.", dash=False)
@click.pass_obj
def comments_template(
    settings: Settings, code_slug: str, tag: str, output: Path
) -> None:
    """Write the spreadsheet template for comments on an iteration."""
    from cop_drafts.services import codes, submissions

    fmt = _spreadsheet_format(output)
    with _session(settings) as db, _errors():
        code = codes.get_code(db, code_slug)
        if codes.find_iteration(db, code, tag) is None:
            raise click.ClickException(f"{code_slug} has no published iteration {tag}")
        with codes.open_store(settings, code_slug) as store:
            _name, data = submissions.template(store, code, tag, fmt)
    _write(output, data)
    click.echo(f"Wrote the template for {tag} to {output}.")


@comments_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code", "code_slug", required=True, help="The Code, e.g. gpai-code.")
@click.option("--iteration", "tag", required=True, help="The iteration commented on.")
@click.option("--as", "email", required=True, help="The participant's e-mail.")
@click.pass_obj
def comments_import(
    settings: Settings, file: Path, code_slug: str, tag: str, email: str
) -> None:
    """Import FILE (.xlsx or .csv) as comments by the participant EMAIL.

    All rows or none: when a row needs correcting, nothing is written and
    the rows to correct are listed. The same file twice imports once.
    """
    from cop_drafts.services import accounts, codes, submissions

    try:
        data = file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror}") from error
    with _session(settings) as db, _errors():
        code = codes.get_code(db, code_slug)
        author = accounts.find_user(db, email)
        if author is None:
            raise click.ClickException(f"no account with the e-mail {email}")
        with codes.open_store(settings, code_slug) as store:
            try:
                result = submissions.import_submission(
                    db,
                    store,
                    code,
                    None,
                    author,
                    tag,
                    file.name,
                    data,
                    limit=settings.max_upload_bytes,
                )
            except submissions.Rejected as error:
                click.echo(error.report(), err=True)
                raise click.ClickException(str(error)) from error
    if result.already:
        click.echo(f"{file.name} was already imported on {result.created_at:%Y-%m-%d}.")
    else:
        click.echo(f"{result.count} comments imported for {author.email} on {tag}.")


@comments_group.command("export")
@click.option("--code", "code_slug", required=True, help="The Code, e.g. gpai-code.")
@click.option("--format", "fmt", required=True, type=click.Choice(["csv", "xlsx"]))
@_output_option("The file to write; - for standard output.")
@click.pass_obj
def comments_export(settings: Settings, code_slug: str, fmt: str, output: Path) -> None:
    """Write every comment of the Code with its disposition and response."""
    from cop_drafts.services import codes, submissions

    with _session(settings) as db, _errors():
        code = codes.get_code(db, code_slug)
        with codes.open_store(settings, code_slug) as store:
            data = submissions.export(db, store, code, fmt)
    _write(output, data)
    if str(output) != "-":
        click.echo(f"Wrote every comment of {code_slug} to {output}.")


@main.group("applications")
def applications_group() -> None:
    """Expressions of interest: deleting what expired, personal data on request."""


@applications_group.command("purge")
@click.pass_obj
def applications_purge(settings: Settings) -> None:
    """Delete rejected applications past the call's retention period and
    unconfirmed ones past the confirmation time (run daily from cron)."""
    from cop_drafts.services import privacy

    with _session(settings) as db, _errors():
        report = privacy.purge(db, settings.data_dir / "cvs")
    click.echo(
        f"Deleted {report.rejected} rejected and {report.unconfirmed} unconfirmed "
        f"application(s), {report.kept_cvs} CV(s) of forms never sent."
    )


@applications_group.command("export")
@click.argument("email")
@_output_option("The JSON file to write; - for standard output.")
@click.pass_obj
def applications_export(settings: Settings, email: str, output: Path) -> None:
    """Write everything held about the person with EMAIL (applications with
    their CV, account, comments, statements, actions) as JSON."""
    import json

    from cop_drafts.services import privacy

    with _session(settings) as db, _errors():
        data = privacy.export_person(db, email, settings.data_dir / "cvs")
    _write(output, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"))
    if str(output) != "-":
        found = len(data["applications"]) + (1 if data["account"] else 0)
        click.echo(f"Wrote {found} record(s) about {data['email']} to {output}.")


@main.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def backup_command(settings: Settings, folder: Path) -> None:
    """Write a consistent snapshot (Codes, database, secret key, hashes) to FOLDER."""
    from cop_drafts.services import backup

    try:
        with _errors():
            report = backup.backup(settings, folder)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up {len(report.codes)} Code(s) and the {report.database} database "
        f"to {folder} ({report.files} files, hashes in {backup.MANIFEST})."
    )


@main.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the Codes and database there.")
@click.pass_obj
def restore_command(settings: Settings, folder: Path, force: bool) -> None:
    """Check FOLDER's hashes and restore it into the data folder and database."""
    from cop_drafts.db.session import upgrade
    from cop_drafts.services import backup

    try:
        with _errors():
            report = backup.restore(settings, folder, force=force)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    upgrade(settings.database_url)  # a backup of an older version catches up
    click.echo(
        f"Restored {len(report.codes)} Code(s) and the {report.database} database "
        f"into {settings.data_dir} ({report.files} files checked)."
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
