"""Settings: defaults, overridden by the environment, then by a dict (tests)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PACKAGE = Path(__file__).resolve().parent
# The top of a checkout (where web/ and drafts/ are while developing); in an
# installed wheel, the folder the package was installed into.
CHECKOUT = PACKAGE.parent
SECRET_FILE = "secret_key"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def shipped(name: str) -> Path:
    """A folder shipped with the code, ``web`` or ``drafts``: inside the package
    in an installed wheel (cop_drafts/<name>), at the top of the checkout
    otherwise (an editable install, where it stays as the repository has it)."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else CHECKOUT / name


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app and the CLI need to know about where things live."""

    data_dir: Path = field(default_factory=lambda: Path("instance").resolve())
    database_url: str = ""
    secret_key: str = ""
    web_dir: Path = field(default_factory=lambda: shipped("web"))
    testing: bool = False
    https: bool = False
    fsync: bool = True  # git writes reach the disk before a save is acknowledged
    max_upload_bytes: int = 2 * 1024 * 1024
    # Login throttling: free failures per account from one address, per
    # address over all accounts, and per account from addresses it never
    # logged in from; past each, the next try waits login_delay_seconds,
    # doubling with every further failure (at most the window).
    login_max_failures: int = 5
    login_address_failures: int = 20
    login_account_failures: int = 20
    login_delay_seconds: int = 5
    login_window_minutes: int = 15
    # A session unused this long is ended on the server.
    session_idle_minutes: int = 12 * 60
    # Hosts the app answers for, besides the canonical URL's (base_url);
    # requests naming any other Host are refused.
    trusted_hosts: tuple[str, ...] = ()
    # Fields in one form post (urlencoded or multipart).
    max_form_fields: int = 1000
    invitation_days: int = 14
    # The cache of rendered pages, blame and diffs (cache_dir) keeps the most
    # recently used entries up to this size; 0: no bound.
    cache_max_mb: int = 1024
    # Downloads are keyed by immutable commit ids only, so one folder can
    # serve several data folders (the tests share one across a run).
    downloads_root: Path | None = None
    # Build every download of a new iteration in the background right after
    # publishing, so its page lists every hash without making anyone wait.
    prepare_downloads: bool = True
    # The canonical address of the site: every absolute link (invitations,
    # e-mails) is built from it, never from the request's Host. Mail goes over
    # SMTP when a host is set, to the log otherwise (development).
    base_url: str = "http://127.0.0.1:5000"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "cop-drafts <cop-drafts@localhost>"
    smtp_tls: bool = True  # STARTTLS before logging in or sending
    smtp_timeout: float = 20.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def codes_dir(self) -> Path:
        """Where the bare repositories live: one ``<slug>.git`` per Code."""
        return self.data_dir / "codes"

    @property
    def cache_dir(self) -> Path:
        """Rendered HTML, blame and diffs, keyed by immutable commit ids."""
        return self.data_dir / "cache"

    @property
    def cache_max_bytes(self) -> int | None:
        """The bound of cache_dir in bytes; None when it has none."""
        return self.cache_max_mb * 1024 * 1024 if self.cache_max_mb > 0 else None

    @property
    def downloads_dir(self) -> Path:
        """Built downloads of published iterations (PDF, Word, ...) by commit."""
        return self.downloads_root or self.data_dir / "downloads"

    @property
    def allowed_hosts(self) -> list[str]:
        """Hosts requests may name: the canonical URL's, the trusted ones, and
        127.0.0.1/localhost in tests and when the canonical URL is local."""
        canonical = urlsplit(self.base_url).hostname or ""
        hosts = [canonical, *self.trusted_hosts]
        if self.testing or canonical in LOOPBACK_HOSTS:
            hosts += LOOPBACK_HOSTS
        return list(dict.fromkeys(h.strip().lower() for h in hosts if h.strip()))

    def as_flask_config(self) -> dict[str, Any]:
        """The Flask config mapping for these settings."""
        return {
            "SECRET_KEY": self.secret_key,
            "TESTING": self.testing,
            "MAX_CONTENT_LENGTH": self.max_upload_bytes + 64 * 1024,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.https,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.https,
            "WTF_CSRF_TIME_LIMIT": None,
            # werkzeug answers 400 to a Host header not in this list.
            "TRUSTED_HOSTS": self.allowed_hosts,
            "MAX_FORM_PARTS": self.max_form_fields,
            "PREFERRED_URL_SCHEME": "https" if self.https else "http",
            "SETTINGS": self,
            **self.extra,
        }


def _read_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_FILE
    return path.read_text().strip() if path.is_file() else ""


def _mail_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """COP_DRAFTS_BASE_URL and COP_DRAFTS_SMTP_* (HOST, PORT, USER, PASSWORD,
    FROM, TLS) from the environment."""
    values: dict[str, Any] = {}
    if env.get("COP_DRAFTS_BASE_URL"):
        values["base_url"] = env["COP_DRAFTS_BASE_URL"].rstrip("/")
    for name in ("host", "user", "password", "from"):
        if env.get(f"COP_DRAFTS_SMTP_{name.upper()}"):
            values[f"smtp_{name}"] = env[f"COP_DRAFTS_SMTP_{name.upper()}"]
    if env.get("COP_DRAFTS_SMTP_PORT"):
        try:
            values["smtp_port"] = int(env["COP_DRAFTS_SMTP_PORT"])
        except ValueError as error:
            raise ValueError("COP_DRAFTS_SMTP_PORT must be a number") from error
    if env.get("COP_DRAFTS_SMTP_TLS", "").lower() in {"0", "false", "no"}:
        values["smtp_tls"] = False
    return values


def _session_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """COP_DRAFTS_TRUSTED_HOSTS (comma-separated) and
    COP_DRAFTS_SESSION_IDLE_MINUTES from the environment."""
    values: dict[str, Any] = {}
    if env.get("COP_DRAFTS_TRUSTED_HOSTS"):
        hosts = env["COP_DRAFTS_TRUSTED_HOSTS"].split(",")
        values["trusted_hosts"] = tuple(h.strip() for h in hosts if h.strip())
    if env.get("COP_DRAFTS_SESSION_IDLE_MINUTES"):
        try:
            values["session_idle_minutes"] = int(env["COP_DRAFTS_SESSION_IDLE_MINUTES"])
        except ValueError as error:
            raise ValueError(
                "COP_DRAFTS_SESSION_IDLE_MINUTES must be a number"
            ) from error
    return values


def _cache_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """COP_DRAFTS_CACHE_MAX_MB from the environment."""
    if not env.get("COP_DRAFTS_CACHE_MAX_MB"):
        return {}
    try:
        return {"cache_max_mb": int(env["COP_DRAFTS_CACHE_MAX_MB"])}
    except ValueError as error:
        raise ValueError("COP_DRAFTS_CACHE_MAX_MB must be a number") from error


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Defaults <- environment (COP_DRAFTS_*, DATABASE_URL, SECRET_KEY) <- dict."""
    env = os.environ
    values: dict[str, Any] = {}
    if "COP_DRAFTS_DATA" in env:
        values["data_dir"] = Path(env["COP_DRAFTS_DATA"]).resolve()
    if env.get("DATABASE_URL"):
        values["database_url"] = env["DATABASE_URL"]
    if env.get("SECRET_KEY"):
        values["secret_key"] = env["SECRET_KEY"]
    if env.get("COP_DRAFTS_WEB_DIR"):
        values["web_dir"] = Path(env["COP_DRAFTS_WEB_DIR"]).resolve()
    if env.get("COP_DRAFTS_DOWNLOADS"):
        values["downloads_root"] = Path(env["COP_DRAFTS_DOWNLOADS"]).resolve()
    if env.get("COP_DRAFTS_HTTPS", "").lower() in {"1", "true", "yes"}:
        values["https"] = True
    if env.get("COP_DRAFTS_FSYNC", "").lower() in {"0", "false", "no"}:
        values["fsync"] = False
    values.update(_session_settings(env))
    values.update(_cache_settings(env))
    values.update(_mail_settings(env))
    values.update(overrides or {})
    settings = replace(Settings(), **values)
    if not settings.database_url:
        url = f"sqlite:///{settings.data_dir / 'cop-drafts.db'}"
        settings = replace(settings, database_url=url)
    if not settings.secret_key:
        settings = replace(settings, secret_key=_read_secret(settings.data_dir))
    return settings
