"""Adapters that plug evalkit's grading into other frameworks (each an optional extra)."""
