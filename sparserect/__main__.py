"""Allows `python -m sparserect`."""

import sys

from sparserect.cli import main

sys.exit(main())
