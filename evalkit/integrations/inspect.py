"""evalkit's scorer for inspect_ai, at the import path its documentation gives (extra:
evalkit[inspect]). The scorer lives with the other training integrations, in
`evalkit.training.inspect_scorer`."""

from evalkit.training.inspect_scorer import VALUES, score_metadata, terraform_scorer, to_score

__all__ = ["VALUES", "score_metadata", "terraform_scorer", "to_score"]
