"""edgegym: synthetic reasoning tasks as Gymnasium text environments.

Importing the package registers its Gymnasium ids (``edgegym/Reason-v0``,
``edgegym/ReasonStep-v0``, and the short aliases ``Reason-v0``, ``ReasonStep-v0``).
"""

__version__ = "0.1.0"

import importlib.machinery as _machinery
import sys as _sys

from edgegym.envs import registration as _registration  # noqa: F401  (registers the ids)


def compiled() -> tuple[str, ...]:
    """The edgegym modules imported so far that run as mypyc-compiled extensions.

    A source install (``EDGEGYM_PURE=1``, or no C compiler) runs pure Python and gives
    ``()``; the output is the same either way, only the speed differs.
    """
    suffixes = tuple(_machinery.EXTENSION_SUFFIXES)
    return tuple(
        sorted(
            name
            for name, module in list(_sys.modules.items())
            if name.startswith("edgegym.")
            and (getattr(module, "__file__", "") or "").endswith(suffixes)
        )
    )
