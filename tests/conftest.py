"""Test-wide settings: results are cached in a temporary directory, never in the user's home."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("EVALKIT_CACHE_DIR", tempfile.mkdtemp(prefix="evalkit-test-cache-"))
os.environ.setdefault("MPLBACKEND", "Agg")
