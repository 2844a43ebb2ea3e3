"""The architecture, checked from the installed package: no module imports a module of a folder above its own in the
data flow (core -> catalog -> builder -> validation -> loaders -> suite -> cli), and no two modules import each other,
directly or round a loop. Imports inside functions count: a lazy import is still a dependency."""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import cytoimagenet

# core (the top-level modules: errors, io, seeding, format) is at the bottom; cli on top
ORDER = ("core", "catalog", "builder", "validation", "loaders", "suite", "cli")


def _modules() -> dict[str, Path]:
    """Every module of the installed package: dotted name -> file."""
    found: dict[str, Path] = {}
    todo = [("cytoimagenet", list(cytoimagenet.__path__))]
    # an editable install maps the subpackages with a finder, so the top folder does not list them: ask for each
    for sub in ORDER[1:]:
        spec = importlib.util.find_spec(f"cytoimagenet.{sub}")
        assert spec is not None, f"cytoimagenet.{sub} is not installed"
        todo.append((f"cytoimagenet.{sub}", list(spec.submodule_search_locations)))
    while todo:
        package, paths = todo.pop()
        found[package] = Path(paths[0]) / "__init__.py"
        for info in pkgutil.iter_modules(paths):
            name = f"{package}.{info.name}"
            if name in found or any(name == t for t, _ in todo):
                continue
            spec = importlib.util.find_spec(name)
            if info.ispkg:
                todo.append((name, list(spec.submodule_search_locations)))
            else:
                found[name] = Path(spec.origin)
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules `name` imports anywhere in its file (a `from X import y` of a submodule y counts as y)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            # `import cytoimagenet.a.b` names the deepest module that exists
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target.startswith("cytoimagenet") and target != name and target != "cytoimagenet":
                out.add(target)
    return out


def folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ORDER) else "core"


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_the_walk_sees_every_folder(graph):
    assert {folder(m) for m in graph} == set(ORDER)
    assert "cytoimagenet.format" in graph and len(graph) > 60


def test_no_folder_imports_a_folder_above_it(graph):
    upward = sorted(f"{m} ({folder(m)}) imports {t} ({folder(t)})" for m, targets in graph.items() for t in targets
                    if ORDER.index(folder(t)) > ORDER.index(folder(m)))
    assert upward == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
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
                        m = stack.pop()
                        on.discard(m)
                        component.append(m)
                        if m == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on:
                low[node] = min(low[node], index[child])
    return sorted(found)


def test_the_cycle_finder_finds_a_loop():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules(graph):
    assert _cycles(graph) == []
