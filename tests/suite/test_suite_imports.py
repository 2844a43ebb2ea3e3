"""The suite package's modules import each other without a cycle (static: every import statement, also those
inside functions, read with ast), and its transfer tasks are found by the registry alone."""

import ast
from pathlib import Path

import cytoimagenet.suite as suite_pkg

PACKAGE = "cytoimagenet.suite"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The suite modules that ``name`` (file ``path``) imports: ``from . import x`` counts as ``x`` when it is a
    module, and a submodule import leaves out its parent package (an ``__init__``) only if that is the importer."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            # the longest suite module the target names (``a.b.func`` -> ``a.b``)
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def suite_graph() -> dict[str, set[str]]:
    root = Path(suite_pkg.__file__).parent
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    known = set(files)
    return {name: _imports(path, name, known) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_walker_sees_a_cycle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_walker_reads_relative_and_function_level_imports():
    graph = suite_graph()
    assert f"{PACKAGE}.native" in graph[f"{PACKAGE}.tasks.cyclops"]  # from ..native import read_plane
    assert f"{PACKAGE}.features" in graph[f"{PACKAGE}.evaluate"]  # imported inside a function


def test_no_import_cycle_among_suite_modules():
    cycle = find_cycle(suite_graph())
    assert cycle is None, "import cycle in the suite: " + " -> ".join(cycle)


def test_every_task_module_is_registered_and_nothing_else_lists_them():
    from cytoimagenet.suite.registry import get_task, task_names, tasks

    root = Path(suite_pkg.__file__).parent
    modules = sorted(p.stem for p in (root / "tasks").glob("*.py") if p.stem != "__init__")
    assert sorted(tasks()) == modules == task_names() == ["bbbc021", "coos7", "cyclops", "rxrx1"]
    assert get_task(" COOS-7 ").name == "coos7" and get_task("bbbc-021").name == "bbbc021"
    # evaluate runs a task through its interface: no task module is imported there
    assert not any(m.startswith(f"{PACKAGE}.tasks.") for m in suite_graph()[f"{PACKAGE}.evaluate"])
