"""Atomic file and folder writing and JSONL reading, shared by every writer of the package.

A crash while writing leaves either the old file or nothing under the final name,
never half a file: data goes to a temporary file in the same folder, is flushed and
fsynced, then renamed over the target with ``os.replace``. Written files get the usual
(umask) permissions, not the private ones of ``mkstemp``.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "FOLDER_MARKER",
    "atomic_dir",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_replaceable",
    "claim_folder",
    "folder_lock",
    "read_json",
    "read_jsonl",
    "remove_stale_temporaries",
]

FOLDER_MARKER = "edgegym-folder.json"
"""File that :func:`atomic_dir` (and a run folder) writes into every folder it makes: only a
folder holding it, or an empty one, is ever replaced or deleted by edgegym."""


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path`` atomically.

    Raises:
        IsADirectoryError: ``path`` is a folder; NotADirectoryError: a parent is a file.
    """
    target = Path(path)
    _check_file_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a written file should not be
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _check_file_target(target: Path) -> None:
    """Fail before writing anything when ``target`` cannot become a file."""
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder, not a file path")
    _check_parents(target)


def _check_parents(target: Path) -> None:
    """``NotADirectoryError`` when the nearest existing parent of ``target`` is a file."""
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(f"{parent} is a file, so {target} cannot be written")
            return


def _temp_prefix(target: Path, kind: str = "") -> str:
    """``.<name>.[old.]<pid>.``: the writer's pid tells a live temporary from a stale one."""
    return f".{target.name}.{kind}{os.getpid()}."


def remove_stale_temporaries(target: str | os.PathLike[str]) -> list[Path]:
    """Remove what killed writers left beside ``target``: temporaries of :func:`atomic_write`
    and :func:`atomic_dir` whose process is gone. ``target``'s name may be a glob
    (``folder / "step-*"``). Returns the paths removed.

    A temporary is named ``.<name>.[old.]<pid>.<random>[.tmp]``; one whose pid is alive
    is kept (a concurrent writer's), as is any other file.
    """
    path = Path(target)
    if not path.parent.is_dir():
        return []
    name = fnmatch.translate(path.name).removesuffix(r"\Z")
    temp = re.compile(rf"\.{name}\.(?:old\.)?(\d+)\.[A-Za-z0-9_]+(?:\.tmp)?\Z")
    removed: list[Path] = []
    for entry in sorted(path.parent.iterdir()):
        match = temp.match(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process (or a pid this system cannot have): keep it
    return True


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str], what: str = "writer") -> Iterator[Path]:
    """Hold an exclusive lock on ``folder/.lock`` (created) while the block runs.

    Raises:
        BlockingIOError: another process holds it (another writer is writing there).
    """
    import fcntl

    path = Path(folder) / ".lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BlockingIOError(
                f"{folder} is locked by another {what} ({path}); wait for it to finish"
            ) from None
        try:
            yield path
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_write(path) as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_write(path, "wb") as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A fresh folder beside ``path`` to fill; on success it replaces the folder ``path``.

    Its files are fsynced before the rename; it also holds :data:`FOLDER_MARKER`. An
    existing ``path`` is replaced only if it holds the marker too (or is empty): a folder
    edgegym did not write is never replaced (``FileExistsError``, before anything is
    written). A crash while filling leaves the old folder untouched; the swap itself is
    two renames (old folder aside, new one in), so a crash between them leaves no folder
    under the name, never a mix of old and new files.
    """
    target = Path(path)
    check_replaceable(target)
    _check_parents(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), dir=target.parent))
    mask = _umask()
    tmp.chmod(0o777 & ~mask)
    try:
        yield tmp
        (tmp / FOLDER_MARKER).write_text('{"written_by": "edgegym"}\n', encoding="utf-8")
        for item in sorted(tmp.rglob("*")):
            if item.is_file():
                item.chmod(0o666 & ~mask)
                with item.open("rb") as handle:
                    os.fsync(handle.fileno())
        if target.exists():
            check_replaceable(target)
            old = Path(tempfile.mkdtemp(prefix=_temp_prefix(target, "old."), dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def claim_folder(path: str | os.PathLike[str]) -> bool:
    """Mark ``path`` as a folder edgegym made (:data:`FOLDER_MARKER`) if it is new or
    empty, so that edgegym may later delete or replace it; a folder holding anything
    else stays unmarked. Returns whether ``path`` is (now) marked."""
    folder = Path(path)
    marker = folder / FOLDER_MARKER
    if folder.is_dir() and not folder.is_symlink() and any(folder.iterdir()):
        return marker.is_file()
    folder.mkdir(parents=True, exist_ok=True)
    marker.write_text('{"written_by": "edgegym"}\n', encoding="utf-8")
    return True


def check_replaceable(path: Path) -> None:
    """Raise ``FileExistsError`` unless ``path`` is absent, an empty folder, or a folder
    holding :data:`FOLDER_MARKER` (one that edgegym wrote)."""
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a folder; choose another path")
    if not (path / FOLDER_MARKER).is_file() and any(path.iterdir()):
        raise FileExistsError(
            f"{path} is a folder edgegym did not write (no {FOLDER_MARKER}); "
            "refusing to replace it: remove it yourself or choose another path"
        )


def read_json(path: str | os.PathLike[str]) -> Any:
    """The JSON value of a file; ``ValueError`` names the file and line of what is wrong
    (bad JSON, not UTF-8, nested too deeply)."""
    data = Path(path).read_bytes()
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ValueError(f"{path}:{line}: not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    except RecursionError:
        raise ValueError(f"{path}: JSON nested too deeply") from None


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSONL file; ``ValueError`` names the bad line (bad JSON,
    not an object, not UTF-8, nested too deeply)."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
                obj = json.loads(line) if line.strip() else None
            except UnicodeDecodeError:
                raise ValueError(f"{path}:{number}: not UTF-8 text") from None
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{number}: not valid JSON ({err.msg})") from None
            except RecursionError:
                raise ValueError(f"{path}:{number}: JSON nested too deeply") from None
            if obj is None and not line.strip():
                continue
            if not isinstance(obj, dict):
                kind = type(obj).__name__
                raise ValueError(f"{path}:{number}: expected a JSON object, got {kind}")
            yield obj
