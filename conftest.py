"""Session settings shared by the unit tests and the notebook checks.

* Notebooks run in their quick setting (nbval cannot inject papermill parameters).
* Training runs go to a temporary folder, so tests never touch a user's ``runs/``.
* Figures render off-screen.
"""

import os
import tempfile

os.environ.setdefault("INPAINTLIB_QUICK", "1")
os.environ.setdefault("INPAINTLIB_RUNS", tempfile.mkdtemp(prefix="inpaintlib-runs-"))
os.environ.setdefault("MPLBACKEND", "Agg")
