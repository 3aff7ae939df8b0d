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

__all__ = ["CommandError", "build_parser", "main"]


class CommandError(Exception):
    """A user-facing error: printed without a traceback, exit status 2."""


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
        status: int = args.func(args)
    except (CommandError, ValueError, FileNotFoundError) as err:
        from rich.markup import escape

        Console(stderr=True).print(f"[bold red]error:[/] {escape(str(err))}")
        return 2
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
