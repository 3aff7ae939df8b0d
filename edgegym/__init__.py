"""edgegym: synthetic reasoning tasks as Gymnasium text environments.

Importing the package registers its Gymnasium ids (``Reason-v0``, ``ReasonStep-v0``).
"""

__version__ = "0.1.0"
