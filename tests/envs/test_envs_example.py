"""The quickstart example runs as shipped and prints what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gym_quickstart.py"


def test_gym_quickstart_runs() -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "Reason-v0     oracle mean strict reward 1.00" in out
    assert "Reason-v0     random mean strict reward 0.00" in out
    assert "ReasonStep-v0 oracle episode score 1.00" in out
