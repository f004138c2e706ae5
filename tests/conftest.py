"""Test-wide settings: results are cached in a temporary directory, never in the user's home."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("EVALKIT_CACHE_DIR", tempfile.mkdtemp(prefix="evalkit-test-cache-"))
os.environ.setdefault("MPLBACKEND", "Agg")

# Fixture submissions ship their own tests (test_*.py, conftest.py): they are data for the
# checks, never collected or imported here.
collect_ignore_glob = ["fixtures/*"]
