"""Reading datasets of model answers into `Submission`s.

`iter_submissions` streams submissions from directories, answer files, JSONL, JSON, CSV
and Parquet; `extract_files` turns one markdown answer into its files.
"""

from evalkit.dataset.config import DatasetConfig, DatasetError, load_dataset_config
from evalkit.dataset.loader import count_submissions, iter_submissions, submissions_from_records
from evalkit.dataset.markdown import extract_files, looks_like_hcl, normalise_file_name
from evalkit.dataset.textfiles import DEFAULT_MAX_FILE_BYTES

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "DatasetConfig",
    "DatasetError",
    "count_submissions",
    "extract_files",
    "iter_submissions",
    "load_dataset_config",
    "looks_like_hcl",
    "normalise_file_name",
    "submissions_from_records",
]
