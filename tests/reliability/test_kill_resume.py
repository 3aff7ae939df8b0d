"""Kills: the corpus writer's workers die with it, a second writer is locked out, and the
temporaries a SIGKILL leaves behind are removed by the next run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from edgegym.agents.corpus import MANIFEST
from edgegym.tasks.io import folder_lock, remove_stale_temporaries

Cli = Callable[..., subprocess.CompletedProcess[str]]

CORPUS = ["corpus", "pretrain", "--ops", "2-8", "--shard-size", "32"]


def _children(pid: int) -> list[int]:
    """Every live process whose parent chain leads to ``pid``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaps in a container counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _describe(pids: list[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:100]
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:12]
        except OSError:
            cmd, stat = "?", "gone"
        out.append(f"{pid} [{stat}] {cmd}")
    return out


def _shards(out: Path) -> int:
    try:
        return len(json.loads((out / MANIFEST).read_text())["shards"])
    except (OSError, ValueError):
        return 0


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _kill_main_process(command: list[str], out: Path, env: dict[str, str]) -> list[int]:
    """Start the writer, SIGKILL its main process (only) mid-run; returns its workers."""
    proc = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if _shards(out) >= 2 and len(workers) >= 2:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the writer ended before the kill"
    os.kill(proc.pid, signal.SIGKILL)  # the main process only: its workers are not signalled
    proc.wait()
    return workers


def _no_orphan_after(workers: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.05)
    return [p for p in workers if _alive(p)]


def _check_kill_and_resume(tmp_path: Path, env: dict[str, str], tokens: str, kills: int) -> None:
    base = [sys.executable, "-m", "edgegym", *CORPUS, "--tokens", tokens]
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    subprocess.run([*base, "--workers", "1", "--out", str(clean)], env=env, check=True)
    for _ in range(kills):
        command = [*base, "--workers", "2", "--out", str(killed)]
        workers = _kill_main_process(command, killed, env)
        assert workers, "no worker processes seen"
        orphans = _no_orphan_after(workers, 5.0)
        assert not orphans, f"{_describe(orphans)} outlived their writer by 5 s"
        assert not json.loads((killed / MANIFEST).read_text())["complete"]
    command = [*base, "--workers", "2", "--out", str(killed)]
    subprocess.run(command, env=env, check=True, capture_output=True)
    assert _files(killed) == _files(clean)  # byte-identical, no stray shard or temporary


def test_sigkill_of_the_writer_leaves_no_worker_and_resumes_identically(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    _check_kill_and_resume(tmp_path, child_env, "1500k", kills=1)


@pytest.mark.slow
def test_repeated_sigkills_of_the_writer(tmp_path: Path, child_env: dict[str, str]) -> None:
    _check_kill_and_resume(tmp_path, child_env, "6000k", kills=4)


def test_a_second_writer_is_locked_out(tmp_path: Path, cli: Cli) -> None:
    out = tmp_path / "c"
    with folder_lock(out, "corpus writer"):
        result = cli(*CORPUS, "--records", "8", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 2
    assert "locked by another corpus writer" in result.stderr
    assert not (out / MANIFEST).exists()
    assert cli(*CORPUS, "--records", "8", "--out", str(out), cwd=tmp_path).returncode == 0


# ---- stale temporaries --------------------------------------------------------------------

_HOLD = """
import sys, time
from edgegym.tasks.io import atomic_dir, atomic_write
kind, path = sys.argv[1], sys.argv[2]
with (atomic_dir(path) if kind == "dir" else atomic_write(path)) as handle:
    if kind == "dir":
        (handle / "state.pt").write_bytes(b"x" * 1000)
    else:
        handle.write("half a file")
    print("ready", flush=True)
    time.sleep(600)
"""


def _killed_mid_write(kind: str, path: Path, env: dict[str, str]) -> list[Path]:
    """SIGKILL a process inside ``atomic_write``/``atomic_dir``; returns what it left."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, kind, str(path)], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.kill()
    proc.wait()
    left = sorted(path.parent.glob(f".{path.name}.*"))
    assert left, "the kill left no temporary"
    return left


def test_generate_removes_what_a_killed_generate_left(
    tmp_path: Path, cli: Cli, child_env: dict[str, str]
) -> None:
    target = tmp_path / "big.jsonl"
    left = _killed_mid_write("file", target, child_env)
    live = tmp_path / f".big.jsonl.{os.getpid()}.abcdefgh.tmp"  # a live writer's: kept
    live.write_text("in progress")
    result = cli("generate", "--ops", "2", "--per-op", "2", "--out", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not any(p.exists() for p in left) and live.exists()
    assert len(target.read_text().splitlines()) == 2


def test_curriculum_save_removes_a_stale_state_temporary(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    from edgegym.curricula import make_curriculum

    state = tmp_path / "state.json"
    left = _killed_mid_write("file", state, child_env)
    make_curriculum().save(state)
    assert not any(p.exists() for p in left)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_checkpoint_removes_a_killed_checkpoint_temp_folder(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    torch = pytest.importorskip("torch")
    from edgegym.agents.train.checkpoint import load_latest, save_checkpoint

    left = _killed_mid_write("dir", tmp_path / "step-00000001", child_env)
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    save_checkpoint(tmp_path, step=2, model=model, optimizer=optimizer)
    assert not any(p.exists() for p in left)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LATEST", "step-00000002"]
    loaded = load_latest(tmp_path)
    assert loaded is not None and loaded.step == 2


def test_only_dead_writers_temporaries_match(tmp_path: Path) -> None:
    """Other files, other targets and live writers' temporaries are never touched."""
    names = [
        ".x.jsonl.999999999.abcdefgh.tmp",  # a pid no system has: dead
        f".x.jsonl.{os.getpid()}.abcdefgh.tmp",  # alive
        ".x.jsonl.notapid.tmp",
        ".y.jsonl.999999999.abcdefgh.tmp",
        "x.jsonl",
    ]
    for name in names:
        (tmp_path / name).write_text("x")
    removed = remove_stale_temporaries(tmp_path / "x.jsonl")
    assert [p.name for p in removed] == [names[0]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])
