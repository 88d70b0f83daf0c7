"""Run a snippet in fresh Python processes with other hash seeds: an export
must not depend on anything a process draws at random."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[3]


def outputs_elsewhere(code: str, seeds: tuple[str, ...] = ("1", "4242")) -> set[str]:
    """What `code` prints in one process per seed (stripped), as a set."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=CHECKOUT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in seeds
    ]
    return {run.communicate(timeout=120)[0].strip() for run in runs}
