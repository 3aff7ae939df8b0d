"""``python -m edgegym`` runs the command line."""

import sys

from edgegym.cli import main

sys.exit(main())
