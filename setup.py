"""Compiles edgegym's hot loops with mypyc where it can; pure Python everywhere else.

Generation and reward scoring are the inner loops of data and RL pipelines. The
modules below are ordinary typed Python (the package runs from source unchanged);
mypyc turns them into C extensions that give the same output faster: generation
about four times (``benchmarks/generate.py``), scoring less (``benchmarks/rewards.py``
prints the rates; build with ``EDGEGYM_PURE=1`` for the pure-Python figures), as the
README says.
The compiled build needs mypy (a build dependency only) and a C compiler: where
either is missing, or with ``EDGEGYM_PURE=1``, the install is pure Python, and
``edgegym.compiled()`` says which modules run compiled.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup

# Modules compiled together (one shared library; calls between them are native).
HOT = (
    "edgegym/tasks/node.py",
    "edgegym/tasks/rng.py",
    "edgegym/tasks/graph.py",
    "edgegym/tasks/generate.py",
    "edgegym/tasks/render.py",
    "edgegym/tasks/trace.py",
    "edgegym/rewards/answer.py",
    "edgegym/rewards/arith.py",
    "edgegym/rewards/parse.py",
    "edgegym/rewards/process.py",
    "edgegym/rewards/segments.py",
    "edgegym/rewards/steps.py",
)


def extensions() -> list[object]:
    if os.environ.get("EDGEGYM_PURE", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("edgegym: mypyc not available, installing pure Python", file=sys.stderr)
        return []
    # Imports are not followed: the compiled modules treat other modules' objects as
    # plain Python objects, and the build takes seconds of analysis instead of minutes.
    built = mypycify(["--follow-imports=skip", *HOT], opt_level="3")
    for ext in built:
        ext.optional = True  # no C compiler: a warning and pure Python, not a failed install
    return list(built)


setup(ext_modules=extensions())
