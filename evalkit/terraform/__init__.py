"""The Terraform language: parsing, the model of a submission, values, dependencies.

`__all__` is the public surface the rest of evalkit (the checks above all) reads the
language through; the other names of the submodules are internal to this package. Names
are loaded on first use, so importing one submodule does not load them all.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.terraform.blocks import WrittenBlock, literal_origin, nested_bodies, written_blocks
    from evalkit.terraform.dangling import Dangling, DanglingKind, dangling_references
    from evalkit.terraform.dependencies import (
        SCOPE_ROOTS,
        DependencyGraph,
        Follow,
        depends_on_entry,
    )
    from evalkit.terraform.model import (
        Body,
        ModuleCall,
        ModuleContext,
        Resource,
        ResourceInstance,
        TerraformModel,
        is_terraform_file,
    )
    from evalkit.terraform.parse import Attribute, Block
    from evalkit.terraform.sources import INVALID, REGISTRY, source_kind
    from evalkit.terraform.syntax import (
        Reference,
        call_argument,
        calls_function,
        element_lines,
        file_blocks,
        object_entries,
        provider_entries,
        reference_text,
        references,
        traversal_text,
        type_keywords,
        written_text,
        written_value,
    )
    from evalkit.terraform.values import (
        UNKNOWN_PLACEHOLDER,
        Unknown,
        iter_known_strings,
        known_suffix,
        known_text,
        walk_values,
    )
    from evalkit.terraform.variables import RequiredOptional, optional_without_default

_PUBLIC: dict[str, str] = {
    # the model of a submission
    "TerraformModel": "model",
    "ModuleContext": "model",
    "ModuleCall": "model",
    "Resource": "model",
    "ResourceInstance": "model",
    "Body": "model",
    "Block": "parse",
    "Attribute": "parse",
    "is_terraform_file": "model",
    "nested_bodies": "blocks",
    "literal_origin": "blocks",
    "written_blocks": "blocks",
    "WrittenBlock": "blocks",
    "source_kind": "sources",
    "INVALID": "sources",
    "REGISTRY": "sources",
    # values
    "Unknown": "values",
    "UNKNOWN_PLACEHOLDER": "values",
    "iter_known_strings": "values",
    "known_suffix": "values",
    "known_text": "values",
    "walk_values": "values",
    # how expressions are written
    "Reference": "syntax",
    "call_argument": "syntax",
    "calls_function": "syntax",
    "element_lines": "syntax",
    "file_blocks": "syntax",
    "object_entries": "syntax",
    "provider_entries": "syntax",
    "reference_text": "syntax",
    "references": "syntax",
    "traversal_text": "syntax",
    "type_keywords": "syntax",
    "written_text": "syntax",
    "written_value": "syntax",
    # what depends on what
    "DependencyGraph": "dependencies",
    "Follow": "dependencies",
    "SCOPE_ROOTS": "dependencies",
    "depends_on_entry": "dependencies",
    # what input variables say about themselves
    "RequiredOptional": "variables",
    "optional_without_default": "variables",
    # references that name nothing
    "Dangling": "dangling",
    "dangling_references": "dangling",
    "DanglingKind": "dangling",
}

__all__ = [
    "INVALID",
    "REGISTRY",
    "SCOPE_ROOTS",
    "UNKNOWN_PLACEHOLDER",
    "Attribute",
    "Block",
    "Body",
    "Dangling",
    "DanglingKind",
    "DependencyGraph",
    "Follow",
    "ModuleCall",
    "ModuleContext",
    "Reference",
    "RequiredOptional",
    "Resource",
    "ResourceInstance",
    "TerraformModel",
    "Unknown",
    "WrittenBlock",
    "call_argument",
    "calls_function",
    "dangling_references",
    "depends_on_entry",
    "element_lines",
    "file_blocks",
    "is_terraform_file",
    "iter_known_strings",
    "known_suffix",
    "known_text",
    "literal_origin",
    "nested_bodies",
    "object_entries",
    "optional_without_default",
    "provider_entries",
    "reference_text",
    "references",
    "source_kind",
    "traversal_text",
    "type_keywords",
    "walk_values",
    "written_blocks",
    "written_text",
    "written_value",
]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'evalkit.terraform' has no attribute {name!r}")
    return getattr(import_module(f"evalkit.terraform.{_PUBLIC[name]}"), name)
