"""The command line of a study, derived from its declaration.

Every option is a field of :class:`~edgegym.studies.declare.Settings` (its metadata
holds the help text and type); a study's ``defaults`` replace the field defaults. So
``edgegym study NAME --help`` and the manifest's ``settings`` always agree.
"""

from __future__ import annotations

import argparse
from typing import Any

from edgegym.studies.declare import Settings, Study, settings_fields

__all__ = ["add_settings", "settings_from"]


def add_settings(parser: argparse.ArgumentParser, study: Study) -> None:
    """Add one option per :class:`Settings` field, with the study's defaults."""
    for f in settings_fields():
        meta = f.metadata
        flag = "--" + f.name.replace("_", "-")
        default = study.defaults.get(f.name, f.default)
        if meta.get("flag"):
            parser.add_argument(flag, dest=f.name, action="store_true", help=meta["help"])
        elif meta.get("action") == "append":
            parser.add_argument(
                flag,
                dest=f.name,
                action="append",
                default=[],
                metavar="SECTION.FIELD=VALUE",
                help=meta["help"],
            )
        else:
            kwargs: dict[str, Any] = {"type": meta.get("type", str), "default": default}
            if "choices" in meta:
                kwargs["choices"] = meta["choices"]
            shown = "" if default is None else f" (default {default})"
            parser.add_argument(flag, dest=f.name, help=meta["help"] + shown, **kwargs)


def settings_from(args: argparse.Namespace) -> Settings:
    """The :class:`Settings` of parsed arguments."""
    return Settings.from_dict({f.name: getattr(args, f.name) for f in settings_fields()})
