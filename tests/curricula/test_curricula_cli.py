"""``edgegym curriculum``: simulate with a table, a plot and a saved state; show a state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgegym.cli import main


def test_simulate_writes_plot_and_state_then_show_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    plot, state = tmp_path / "mass.png", tmp_path / "state.json"
    status = main([
        "curriculum", "simulate", "--strategy", "frontier", "--steps", "40", "--groups", "8",
        "--plot", str(plot), "--save", str(state), "--refresh", "10",
    ])  # fmt: skip
    out = " ".join(capsys.readouterr().out.split())  # rich wraps lines at the console width
    assert status == 0
    assert "dag/zoo/forward" in out and "frontier" in out and "zero-variance groups" in out
    assert plot.read_bytes()[:4] == b"\x89PNG"
    saved = json.loads(state.read_text())
    assert saved["strategy"] == "frontier" and saved["proposals"] == 40

    assert main(["curriculum", "show", str(state)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "strategy frontier" in out and "320 specs issued" in out


@pytest.mark.parametrize("strategy", ["uniform", "fixed-band", "learnability", "target-difficulty"])
def test_simulate_every_strategy(strategy: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "simulate", "--strategy", strategy, "--steps", "5"]) == 0
    assert strategy in capsys.readouterr().out


def test_target_stops_early(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["curriculum", "simulate", "--steps", "400", "--theta0", "9", "--target", "9.5"])
    assert status == 0
    assert "reached skill 9.5 at step" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    "argv",
    [
        ["curriculum", "simulate", "--op-min", "12", "--op-max", "5"],  # empty op range
        ["curriculum", "simulate", "--modes", "sideways"],  # unknown mode
        ["curriculum", "simulate", "--refresh", "0"],  # never redraw
        [
            "curriculum",
            "simulate",
            "--strategy",
            "fixed-band",
            "--op-max",
            "9",
        ],  # band out of range
    ],
)
def test_user_errors_exit_2_with_a_message(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_unknown_strategy_is_an_argparse_error() -> None:
    with pytest.raises(SystemExit) as info:
        main(["curriculum", "simulate", "--strategy", "curiosity"])
    assert info.value.code == 2


def test_show_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum", "show", str(tmp_path / "nope.json")]) == 2


def test_bare_group_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["curriculum"]) == 2
    assert "simulate" in capsys.readouterr().out
