"""Print figures of evalkit's code layout, to compare two checkouts.

    python tools/layout_figures.py [CHECKOUT]

- lines of ``evalkit/checks`` and the largest check (a module of its own, or the section of a
  category module that follows a ``# --- CHECK-ID ---`` marker);
- the distinct names that checks import from ``evalkit.terraform.*`` and ``evalkit.aws.*``;
- modules outside ``evalkit/terraform`` that import the parser (``lark``, ``hcl2``);
- the import graph of evalkit's modules (module-level imports only): its cycles and its depth,
  the longest chain of imports once every cycle is taken as one node.

It reads source text only; nothing of the checkout is imported.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

SECTION = re.compile(r"^# --- ([A-Z]+-[A-Z0-9-]+) -", re.MULTILINE)
PARSER_PACKAGES = ("lark", "hcl2", "tree_sitter", "tree_sitter_hcl")
CHECK_ID = re.compile(r'@check\(\s*"([A-Z]+-[A-Z0-9-]+)"')


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(package: Path) -> Iterator[Path]:
    yield from sorted(package.rglob("*.py"))


def check_sizes(checks: Path) -> dict[str, int]:
    """Lines of each check: its own module, or its section of a category module."""
    sizes: dict[str, int] = {}
    for path in python_files(checks):
        text = path.read_text()
        sections = list(SECTION.finditer(text))
        if sections:
            for number, match in enumerate(sections):
                end = sections[number + 1].start() if number + 1 < len(sections) else len(text)
                sizes[match.group(1)] = text.count("\n", match.start(), end)
            continue
        ids = CHECK_ID.findall(text)
        if len(ids) == 1:
            sizes[ids[0]] = text.count("\n")
    return sizes


def imported_names(files: list[Path], prefix: str) -> tuple[set[str], int]:
    """Distinct names imported from modules under `prefix`, and imports counted per module."""
    names: set[str] = set()
    per_module = 0
    for path in files:
        here: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefix):
                here.update(f"{node.module}.{alias.name}" for alias in node.names)
        names |= here
        per_module += len(here)
    return names, per_module


def parser_importers(root: Path) -> list[str]:
    found = []
    for path in python_files(root / "evalkit"):
        if "terraform" in path.relative_to(root / "evalkit").parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            if any(m.split(".")[0] in PARSER_PACKAGES for m in modules):
                found.append(module_name(root, path))
                break
    return sorted(set(found))


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> evalkit modules it imports at module level (not inside functions)."""
    modules = {module_name(root, p): p for p in python_files(root / "evalkit")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.parse(path.read_text()).body:
            for target in _targets(node, package):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def _targets(node: ast.stmt, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("evalkit")]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        if not base.startswith("evalkit"):
            return []
        # A name that is not a module is trimmed to its module by the caller; the package
        # itself counts only then (its __init__ runs for every submodule import anyway).
        return [f"{base}.{a.name}" for a in node.names]
    if isinstance(node, ast.If):  # TYPE_CHECKING blocks do not run
        return []
    return []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return components


def depth(graph: dict[str, set[str]], components: list[list[str]]) -> int:
    """Longest chain of imports, a cycle counted as one node."""
    owner = {m: n for n, comp in enumerate(components) for m in comp}
    edges: dict[int, set[int]] = {n: set() for n in range(len(components))}
    for source, targets in graph.items():
        for target in targets:
            if owner[source] != owner[target]:
                edges[owner[source]].add(owner[target])
    longest: dict[int, int] = {}
    # Tarjan emits components in reverse topological order: targets come first.
    for n in range(len(components)):
        longest[n] = 1 + max((longest[t] for t in edges[n]), default=0)
    return max(longest.values(), default=0)


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    checks = root / "evalkit" / "checks"
    check_files = list(python_files(checks))
    sizes = check_sizes(checks)
    largest = max(sizes, key=lambda k: (sizes[k], k))
    terraform_names = imported_names(check_files, "evalkit.terraform")
    aws_names = imported_names(check_files, "evalkit.aws")
    graph = import_graph(root)
    components = strongly_connected(graph)
    cycles = [c for c in components if len(c) > 1]
    print(f"checkout: {root}")
    print(f"lines of evalkit/checks: {sum(p.read_text().count(chr(10)) for p in check_files)}")
    print(f"largest check: {largest} ({sizes[largest]} lines)")
    for prefix, (names, per_module) in (
        ("evalkit.terraform", terraform_names),
        ("evalkit.aws", aws_names),
    ):
        print(f"names checks import from {prefix}.*: {len(names)} distinct, {per_module} imports")
    print(f"modules outside terraform/ importing the parser: {parser_importers(root) or 'none'}")
    print(f"evalkit modules: {len(graph)}; import depth: {depth(graph, components)}")
    print(f"import cycles: {len(cycles)}")
    for cycle in cycles:
        print(f"  {' <-> '.join(cycle)}")


if __name__ == "__main__":
    main()
