"""edgegym: synthetic reasoning tasks as Gymnasium text environments.

Importing the package registers its Gymnasium ids (``Reason-v0``, ``ReasonStep-v0``).
"""

__version__ = "0.1.0"

from edgegym.envs import registration as _registration  # noqa: F401  (registers the ids)
