"""Grading: judge one submission.

In: a `Submission` (its files and metadata, from `evalkit.dataset`). The engine builds the
Terraform model, runs every check of the registry on it, measures coverage of a reference
and masks secrets. Out: a `SubmissionResult` (a verdict per check, with findings). Rubrics
(weights per severity and check) and waivers (checks that do not count for a record) are
read here too, and applied to results by the later stages.
"""
