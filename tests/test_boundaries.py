"""Which package may know what: the parse tree stays in evalkit.terraform, and checks read
the language only through its public surface (`evalkit.terraform.__all__`)."""

from __future__ import annotations

import ast
from pathlib import Path

import evalkit.terraform

PACKAGE = Path(evalkit.terraform.__file__).resolve().parents[1]
PARSER_PACKAGES = ("lark", "hcl2", "tree_sitter", "tree_sitter_hcl")

# Modules that still read the parse tree themselves, until they ask `evalkit.terraform.syntax`
# instead. Empty this list as they move; nothing may be added to it.
READS_THE_PARSE_TREE: set[str] = set()

# Names checks still import from outside the public surface, by module (relative to
# evalkit/). Empty this list as they move; nothing may be added to it.
PRIVATE_NAMES_IMPORTED: set[tuple[str, str]] = set()


def _modules(under: str = "") -> dict[str, ast.Module]:
    root = PACKAGE / under if under else PACKAGE
    return {
        path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*.py"))
    }


def imported_packages(tree: ast.Module) -> set[str]:
    """The top-level packages a module imports, wherever the import is written."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def terraform_names_imported(tree: ast.Module) -> set[str]:
    """The names a module imports from evalkit.terraform and its submodules."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("evalkit.terraform"):
            found.update(alias.name for alias in node.names)
    return found


def parse_tree_readers() -> set[str]:
    return {
        name
        for name, tree in _modules().items()
        if not name.startswith("terraform/") and imported_packages(tree) & set(PARSER_PACKAGES)
    }


def private_names_imported_by_checks() -> set[tuple[str, str]]:
    public = set(evalkit.terraform.__all__)
    return {
        (name, imported)
        for name, tree in _modules("checks").items()
        for imported in terraform_names_imported(tree)
        if imported not in public
    }


def test_only_evalkit_terraform_reads_the_parse_tree() -> None:
    assert parse_tree_readers() == READS_THE_PARSE_TREE


def test_checks_read_the_language_through_its_public_surface() -> None:
    assert private_names_imported_by_checks() == PRIVATE_NAMES_IMPORTED


def test_the_public_surface_resolves() -> None:
    for name in evalkit.terraform.__all__:
        assert getattr(evalkit.terraform, name) is not None


def test_the_boundary_readers_see_imports_anywhere_in_a_module() -> None:
    tree = ast.parse("def f():\n    from lark import Tree\n    import hcl2.api\n")
    assert imported_packages(tree) == {"lark", "hcl2"}
    tree = ast.parse("from evalkit.terraform.references import iter_references as walk\n")
    assert terraform_names_imported(tree) == {"iter_references"}
