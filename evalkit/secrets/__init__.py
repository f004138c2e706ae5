"""Secrets in a submission: how they look, and where a submission writes them.

- `patterns`: the shapes that are secrets wherever they appear (AWS access key ids, secret
  access keys in assignments), shared by detection and by masking (`evalkit.masking`);
- `credentials`: one pass over a submission's model that finds every literal credential,
  what it is and where it is written (`find_credentials`), and the values to mask in every
  output (`secret_values`). SEC-HARDCODED-CREDENTIALS reports them; the engine masks them
  whichever checks a rubric enables.

Importing this package loads neither: `evalkit.masking` stays light.
"""
