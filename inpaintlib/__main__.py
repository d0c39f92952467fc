"""``python -m inpaintlib``: the command line (see :mod:`inpaintlib.cli`).

Used from a shell; the README's command-line section lists every command, and notebook 08 (``08_evaluation.ipynb``) scores what they train.
"""

from inpaintlib.cli import main

raise SystemExit(main())
