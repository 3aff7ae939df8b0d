"""The ``edgegym`` command.

Each module of this package adds one group of subcommands: it defines
``register(subparsers)``, which adds its parsers and sets ``func`` on each to a
callable ``(args) -> int`` (the exit status). Modules are found by name, in
sorted order, so adding a command never edits this file. Heavy imports (torch,
matplotlib) belong inside the ``func``, not at module level, so that
``edgegym --help`` stays fast and works on a core install.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console

__all__ = ["TRAIN_NEEDS", "CommandError", "build_parser", "check_needs", "main"]

TRAIN_NEEDS = (("torch", "train"), ("transformers", "train"), ("tokenizers", "train"))
"""``(module, extra)`` pairs a command declares with ``set_defaults(needs=...)``."""


class CommandError(Exception):
    """A user-facing error: printed without a traceback, exit status 2."""


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
    except (CommandError, ValueError, FileNotFoundError, ImportError) as err:
        from rich.markup import escape

        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {escape(str(err))}")
        return 2
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
