"""Running: grade a whole dataset.

In: paths, records or `Submission`s, and how to run (jobs, Dask, time limit, the result
cache). The pipeline streams submissions from `evalkit.dataset` to `evalkit.grading` (in
process, in a process pool or on a Dask cluster, reusing cached results) in input order, and
applies waivers. Out: `SubmissionResult`s, built into a `Run` or journalled and written to a
run folder by `evalkit.results`.
"""
