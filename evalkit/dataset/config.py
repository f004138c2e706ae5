"""The optional ``dataset.yaml`` beside a dataset, and the error users see for bad input."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONFIG_FILE_NAME = "dataset.yaml"

DIRECTORY_LAYOUTS = ("dirs", "files", "single")
TABLE_FORMATS = ("jsonl", "json", "csv", "parquet")
FORMATS = DIRECTORY_LAYOUTS + TABLE_FORMATS

_KNOWN_KEYS = (
    "format",
    "id_field",
    "text_field",
    "reference_field",
    "requires_field",
    "description",
)


class DatasetError(Exception):
    """A mistake in the input a user can fix: a missing path, an unknown format, a bad field.

    The message is always one line, ready to be printed as is.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


@dataclass(frozen=True)
class DatasetConfig:
    """What a ``dataset.yaml`` says about the data beside it. Unset keys are None."""

    path: Path
    format: str | None = None
    id_field: str | None = None
    text_field: str | None = None
    description: str = ""
    reference_field: str | None = None
    requires_field: str | None = None


def load_dataset_config(directory: str | Path) -> DatasetConfig | None:
    """Read ``dataset.yaml`` in `directory`; None when there is none.

    Raises DatasetError naming the file (and line, for YAML syntax errors) when the file
    cannot be read or holds an unknown key or a bad value.
    """
    path = Path(directory) / CONFIG_FILE_NAME
    if not path.is_file():
        return None
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"{path}: cannot read ({error})") from error
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise DatasetError(f"{path}: {_describe_yaml_error(error)}") from error
    if data is None:
        return DatasetConfig(path=path)
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a mapping of keys ({', '.join(_KNOWN_KEYS)})")
    return _config_from_mapping(path, data)


def _config_from_mapping(path: Path, data: dict[Any, Any]) -> DatasetConfig:
    unknown = sorted(str(key) for key in data if key not in _KNOWN_KEYS)
    if unknown:
        raise DatasetError(
            f"{path}: unknown key {unknown[0]!r} (known keys: {', '.join(_KNOWN_KEYS)})"
        )
    layout = data.get("format")
    if layout is not None and layout not in FORMATS:
        raise DatasetError(f"{path}: format {layout!r} is not one of {', '.join(FORMATS)}")
    return DatasetConfig(
        path=path,
        format=layout,
        id_field=_optional_field_name(path, data, "id_field"),
        text_field=_optional_field_name(path, data, "text_field"),
        description=_description(path, data),
        reference_field=_optional_field_name(path, data, "reference_field"),
        requires_field=_optional_field_name(path, data, "requires_field"),
    )


def _optional_field_name(path: Path, data: dict[Any, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DatasetError(f"{path}: {key} must be a non-empty string, not {value!r}")
    return value


def _description(path: Path, data: dict[Any, Any]) -> str:
    value = data.get("description")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DatasetError(f"{path}: description must be text, not {type(value).__name__}")
    return value.strip()


def _describe_yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "invalid YAML"
    if mark is not None:
        return f"line {mark.line + 1}: {problem}"
    return str(problem)
