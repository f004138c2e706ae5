"""Analysis: what a run says, for people.

In: one or more `Run`s (scored in memory or read from run folders). Out: charts, comparisons
between runs with bootstrap intervals, pass@k, a leaderboard, a markdown report, the HTML
viewer, and the set-up the notebooks share. Nothing here grades; it reads results only.
"""
