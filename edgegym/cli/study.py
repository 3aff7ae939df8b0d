"""``edgegym study NAME``: run a declared study into one resumable results folder.

    edgegym study edge --preset micro --seeds 3 --out runs/edge-micro
    edgegym study edge                                  # the CPU miniature (edge-cpu)
    edgegym study edge --device cuda                    # the GPU configuration (edge-gpu)
    edgegym study edge --manifest runs/edge-micro/manifest.json   # rerun / resume

Each study's options come from its declaration (``edgegym study edge --help``).
Run the same command again to resume; the report is rewritten after every finished run.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from edgegym.cli import CommandError


def register(sub: Any) -> None:
    """Add ``study`` with one subcommand per declared study."""
    from edgegym.studies import STUDIES
    from edgegym.studies.cli import add_settings

    parser = sub.add_parser(
        "study",
        help="run a declared study (arms x seeds, report with its primary endpoint)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    inner = parser.add_subparsers(dest="study", metavar="NAME")
    for study in STUDIES.values():
        one = inner.add_parser(
            study.name,
            help=study.title.replace("%", "%%"),  # argparse formats help with %
            description=study.description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add_settings(one, study)
        one.set_defaults(func=_run)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from edgegym.studies import STUDIES
    from edgegym.studies.cli import settings_from
    from edgegym.studies.declare import Settings
    from edgegym.studies.run import run_study

    study = STUDIES[args.study]
    settings = settings_from(args)
    if settings.manifest is not None:
        try:
            data = json.loads(settings.manifest.read_text(encoding="utf-8"))
            settings = Settings.from_dict(data["settings"])
        except (OSError, json.JSONDecodeError, KeyError) as err:
            raise CommandError(f"--manifest {settings.manifest}: unreadable ({err})") from None
        if data.get("study", {}).get("name") != study.name:
            raise CommandError(f"{settings.manifest} is not a manifest of study {study.name!r}")
    console = Console()
    root = run_study(study, settings, console=console)
    console.print(
        (root / "report.md").read_text(encoding="utf-8"),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return 0
