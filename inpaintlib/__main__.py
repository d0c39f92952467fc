"""``python -m inpaintlib``: the command line (see :mod:`inpaintlib.cli`)."""

from inpaintlib.cli import main

raise SystemExit(main())
