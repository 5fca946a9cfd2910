"""Hypothesis profiles: ``ci`` (the default) and ``thorough`` (opt-in).

    .venv/bin/python -m pytest                                  # ci: fast and repeatable
    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest -k "fuzz or property"
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# ci: the same examples on every run (derandomized, no example database), so a red CI
# run is reproducible and a green one is not luck; few enough to keep the suite fast.
settings.register_profile("ci", max_examples=60, derandomize=True, database=None, deadline=None, print_blob=True)
# thorough: the fuzzing run, at least 10,000 examples per test; random and remembered.
settings.register_profile(
    "thorough",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
