"""The wheel built from the repository serves the demo outside the checkout.

Built offline (no build isolation: the build backend comes from the test
extras), installed without dependencies into a folder of its own, and run
from another folder with only that folder added to the path, so everything
the app needs from this project must come from the wheel: templates and
static files (web/, shipped as cop_drafts/web), the demo Code (drafts/, as
cop_drafts/drafts) and the migrations.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cop_drafts.config import CHECKOUT
from tests.integration.html import parse

pytestmark = pytest.mark.slow

# Build from a copy, so that the build's own folders never land in the checkout.
NOT_SOURCE = shutil.ignore_patterns(
    ".*", "*.egg-info", "__pycache__", "build", "dist", "instance", "tests", "bench"
)
SERVE = """
import json, sys
from pathlib import Path

import cop_drafts
from cop_drafts.app import create_app
from cop_drafts.config import load_settings, shipped
from cop_drafts.db.session import make_engine, make_sessionmaker, upgrade
from cop_drafts.services import demo

data = Path(sys.argv[1])
overrides = {"data_dir": data, "testing": True, "prepare_downloads": False}
settings = load_settings(overrides)
upgrade(settings.database_url)
engine = make_engine(settings.database_url)
with make_sessionmaker(engine)() as db:
    demo.build_demo(db, settings, shipped("drafts"))
engine.dispose()
client = create_app(overrides).test_client()
page = client.get("/c/" + demo.DEMO_SLUG)
html = page.get_data(as_text=True)
files = {}
for href in sys.argv[2:]:
    got = client.get(href)
    files[href] = [got.status_code, len(got.data)]
print(json.dumps({
    "package": cop_drafts.__file__,
    "web_dir": str(settings.web_dir),
    "status": page.status_code,
    "html": html,
    "files": files,
}))
"""


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=180, **kwargs)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the package installed from a freshly built wheel."""
    base = tmp_path_factory.mktemp("wheel")
    source, dist, target = base / "source", base / "dist", base / "site"
    shutil.copytree(CHECKOUT, source, ignore=NOT_SOURCE)
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
          "--outdir", str(dist), str(source)])  # fmt: skip
    (wheel,) = dist.glob("cop_drafts-*.whl")
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
          "--no-compile", "--quiet", "--target", str(target), str(wheel)])  # fmt: skip
    return target


def _serve(installed: Path, elsewhere: Path, *hrefs: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COP_DRAFTS_")}
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = str(installed)
    done = _run(
        [sys.executable, "-c", SERVE, str(elsewhere / "data"), *hrefs],
        cwd=elsewhere,
        env=env,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_the_installed_wheel_serves_the_demo_with_its_styles_and_scripts(
    installed: Path, tmp_path: Path
) -> None:
    first = _serve(installed, tmp_path)
    package = Path(str(first["package"]))
    assert package.is_relative_to(installed), package  # not the checkout's
    assert Path(str(first["web_dir"])) == installed / "cop_drafts" / "web"
    assert first["status"] == 200
    doc = parse(str(first["html"]))
    assert doc.find("h1") is not None
    sheets = [n.attrs["href"] for n in doc.find_all("link", rel="stylesheet")]
    scripts = [n.attrs["src"] for n in doc.find_all("script") if "src" in n.attrs]
    assert any(href.endswith("/app.css") for href in sheets), sheets
    served = _serve(installed, tmp_path, *sheets, *scripts)  # the demo is kept
    files = served["files"]
    assert isinstance(files, dict)
    for href, (status, size) in files.items():
        assert status == 200 and size > 100, (href, status, size)
