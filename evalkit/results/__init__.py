"""Results: what a run is made of, in memory and on disk.

In: `SubmissionResult`s and a rubric. Out: the scores, findings and checks tables, the
results journal, summary.json, run.json, SARIF and the graded files of a run folder, and the
`Run` that holds them in memory (`load_run` reads a folder back). The failure rates with
their intervals are computed here too. Check metadata (category, severity, title) comes from
`evalkit.checks.metadata`, so reading results never imports a check.
"""
