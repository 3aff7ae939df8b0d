"""The ``edgegym`` command.

Each module of this package adds one group of subcommands: it defines
``register(subparsers)``, which adds its parsers and sets ``func`` on each to a
callable ``(args) -> int`` (the exit status). Modules are found by name, in
sorted order, so adding a command never edits this file. Heavy imports (torch,
matplotlib) belong inside the ``func``, not at module level, so that
``edgegym --help`` stays fast and works on a core install.

Modules:
    tasks: ``edgegym generate``, ``edgegym show`` and ``edgegym stats``.
    export: ``edgegym export verl|hf|jsonl``.
    study: ``edgegym study NAME`` (the study's experiments).
    score: ``edgegym score``.
    corpus: ``edgegym corpus ...`` (training corpora).
    curriculum: ``edgegym curriculum`` (simulate, inspect a saved state).
    eval: ``edgegym eval`` (suites, scoring, reports, comparisons).
    agents: ``edgegym init-model`` and ``edgegym openrlhf ...``.
    pipeline: ``edgegym pipeline``, ``edgegym stage ...`` and ``edgegym demo``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console

__all__ = [
    "TRAIN_NEEDS",
    "CommandError",
    "at_least",
    "build_parser",
    "check_needs",
    "int_ranges",
    "json_object",
    "main",
    "make_console",
    "quote",
]

_RANGE_ITEMS = 1 << 20
"""Most values one range flag may select (``--k 1-10000000000`` is refused, not expanded)."""

TRAIN_NEEDS = (("torch", "train"), ("transformers", "train"), ("tokenizers", "train"))
"""``(module, extra)`` pairs a command declares with ``set_defaults(needs=...)``."""


class CommandError(Exception):
    """A user-facing error: printed without a traceback, exit status 2."""


def make_console(*, stderr: bool = False) -> Console:
    """The console every command prints with: no emoji codes (``file:100:`` stays text).

    Text from files and records goes through :func:`quote` (or ``rich.text.Text``) so
    that it is never read as markup.
    """
    return Console(stderr=stderr, emoji=False)


def quote(value: object) -> str:
    """``str(value)`` with Rich markup escaped: a path or record field printed as is."""
    from rich.markup import escape

    return escape(str(value))


def at_least(lo: int) -> Callable[[str], int]:
    """An argparse ``type``: an int >= ``lo`` (``--workers -1`` is a usage error)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an int, got {text!r}") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, got {value}")
        return value

    parse.__name__ = f"int >= {lo}"
    return parse


def int_ranges(text: str, flag: str, lo: int, hi: int) -> list[int]:
    """``"1,8,128"``, ``"2-20"`` or ``"2,5,10-12"`` -> ints in the given order, each in
    ``[lo, hi]``; the bounds are checked before any range is expanded.

    Raises:
        CommandError: a malformed item, a value out of bounds, or nothing selected.
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    out: list[int] = []
    for part in parts:
        first, sep, last = part.partition("-")
        try:
            a, b = int(first), int(last if sep else first)
        except ValueError:
            raise CommandError(f"{flag} must look like 1,8,128 or 2-20; got {text!r}") from None
        if not lo <= a <= b <= hi:
            raise CommandError(f"{flag}: {part!r} must be a range within {lo}-{hi}")
        if len(out) + b - a + 1 > _RANGE_ITEMS:
            raise CommandError(f"{flag} selects more than {_RANGE_ITEMS:,} values: {text!r}")
        out.extend(range(a, b + 1))
    if not out:
        raise CommandError(f"{flag} selects nothing: {text!r}")
    return out


def check_needs(needs: Sequence[tuple[str, str]]) -> None:
    """Raise a one-line error naming the extra when a needed module is not installed.

    Run before a command starts (:func:`main` checks a parser's ``needs`` default), so a
    missing optional dependency costs no work and prints no traceback.
    """
    from importlib.util import find_spec

    missing = [(module, extra) for module, extra in needs if find_spec(module) is None]
    if missing:
        names = ", ".join(module for module, _ in missing)
        extras = ",".join(dict.fromkeys(extra for _, extra in missing))
        raise CommandError(f"{names} not installed: pip install 'edgegym[{extras}]'")


def json_object(text: str | None, flag: str) -> dict[str, Any]:
    """The JSON object given to ``flag`` ({} when absent); a clear error otherwise."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise CommandError(f"{flag} must be a JSON object: {err.msg}") from None
    if not isinstance(data, dict):
        raise CommandError(f"{flag} must be a JSON object, got {text!r}")
    return data


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edgegym",
        description="Reasoning tasks, rewards, curricula and evaluation for LLM RL.",
    )
    from edgegym import __version__
    from edgegym.tasks import RECORD_VERSION

    parser.add_argument(
        "--version",
        action="version",
        version=f"edgegym {__version__} (record version {RECORD_VERSION})",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        check_needs(getattr(args, "needs", ()))
        status: int = args.func(args)
    except (CommandError, ValueError, OSError, ImportError) as err:
        return _fail(str(err))
    except RecursionError:
        return _fail("input nested too deeply (recursion limit reached)")
    except KeyboardInterrupt:
        return 130
    return status


def _fail(message: str) -> int:
    """Print ``error: <message>`` on one line of stderr, never read as markup; exit status 2."""
    from rich.text import Text

    line = " ".join(message.split()) or "failed"
    make_console(stderr=True).print(
        Text.assemble(("error:", "bold red"), " ", line), soft_wrap=True
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
