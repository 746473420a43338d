"""The layout holds: subpackages depend one way (lower never imports higher), no import
cycle, no private name borrowed from another subpackage, no oversized module.

The layers are written out here, independently of the code, as ARCHITECTURE.md draws
them; a new subpackage must be placed in :data:`LAYERS` before it can import anything.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geo_guard"

#: Rank of every part of geo_guard: a part may import only parts of a lower rank (and
#: itself). The base modules are shared by all.
LAYERS: dict[str, int] = {
    "_errors": 0, "_parallel": 0, "settings": 0,
    "vocabulary": 1,
    "crs": 1,  # crs and vocabulary never import each other
    "io": 2,
    "canal": 3,
    "zones": 4,
    "classification": 5, "corridor": 5,
    "ledger": 6,
    "audit": 7,
    "maps": 8,
    "reports": 9,
    "cli": 10,
}
#: Longest module allowed (lines); a longer one is doing more than one job.
MAX_LINES = 700


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _part(module: str) -> str | None:
    """The layer a module belongs to (None for the package root, which re-exports)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _imports(path: Path, module: str, *, top_level_only: bool = False
             ) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) for every geo_guard import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] == "geo_guard":
                names = [a.name for a in node.names]
                # `from geo_guard.x import y` may name a submodule y
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names
                      if a.name.split(".")[0] == "geo_guard"]
    return found


MODULES = _modules()


def test_every_part_has_a_layer() -> None:
    parts = {_part(m) for m in MODULES} - {None}
    assert parts <= set(LAYERS), f"place {sorted(parts - set(LAYERS))} in LAYERS"


def test_lower_layers_never_import_higher_ones() -> None:
    wrong = []
    for module, path in MODULES.items():
        own = _part(module)
        if own is None:
            continue
        for target, names, line in _imports(path, module):
            targets = [target] if _part(target) else [f"{target}.{n}" for n in names]
            for t in targets:
                other = _part(t)
                if other in LAYERS and other != own and LAYERS[other] >= LAYERS[own]:
                    wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} {own} -> {other}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_private_name_crosses_subpackages() -> None:
    borrowed = []
    for module, path in MODULES.items():
        for target, names, line in _imports(path, module):
            if _part(target) == _part(module):
                continue
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            if private:
                borrowed.append(f"{path.relative_to(PACKAGE.parent)}:{line} {target} {private}")
    assert not borrowed, "private names used across subpackages:\n" + "\n".join(borrowed)


def test_no_import_cycle_between_modules() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for target, names, _ in _imports(path, module, top_level_only=True):
            for t in [target, *(f"{target}.{n}" for n in names)]:
                if t in MODULES and t != module and not module.startswith(t + "."):
                    graph[module].add(t)
    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by job"


def test_the_checker_sees_a_planted_violation(tmp_path: Path) -> None:
    """The checks can fail: a cycle and an upward import in a scratch tree are found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    scratch = tmp_path / "geo_guard" / "canal"
    scratch.mkdir(parents=True)
    (scratch / "bad.py").write_text("from geo_guard.maps.compose import risk_map\n")
    found = _imports(scratch / "bad.py", "geo_guard.canal.bad")
    assert found == [("geo_guard.maps.compose", ["risk_map"], 1)]
    assert LAYERS[_part(found[0][0])] > LAYERS[_part("geo_guard.canal.bad")]
