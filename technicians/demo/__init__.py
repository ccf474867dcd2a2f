"""The demo company generator: a deterministic, realistic technician workforce for demos, tests and
benchmarks. Everything it plants — causal drivers of leaving and of quality of hire, self-reported
demographics with realistic non-disclosure, the proxy path a bias audit must find, and optional drift —
is documented in one place, ``technicians/demo/README.md``, next to the code that plants it:

- ``company.py``   the company's shape and the planted coefficients (plain data)
- ``generator.py`` the month-by-month simulation (``demo_generate``)
- ``frames.py``    the output frames (technicians, snapshots, candidates)
- ``demand.py``    weekly service demand per district
- ``load.py``      writes a ``DemoData`` to the database (the only module here that imports Django)

This package's ``__init__`` imports no Django, so ``demo_generate`` works without a database.
"""

from technicians.demo.company import (
    INVOLUNTARY_INTERCEPT,
    PLANTED_HIRE_DRIVERS,
    PLANTED_RETENTION_DRIVERS,
    PLANTED_RETENTION_NOISE,
    VOLUNTARY,
)
from technicians.demo.generator import DemoData, demo_generate

__all__ = [
    "INVOLUNTARY_INTERCEPT",
    "PLANTED_HIRE_DRIVERS",
    "PLANTED_RETENTION_DRIVERS",
    "PLANTED_RETENTION_NOISE",
    "VOLUNTARY",
    "DemoData",
    "demo_generate",
]
