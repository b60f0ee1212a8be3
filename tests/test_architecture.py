"""The house rules of docs/architecture.md, checked on the source: floors, no import circle, no borrowed privates."""

from __future__ import annotations

import ast
from pathlib import Path

from pipeline.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "pipeline"

# Top to bottom; a module imports only from its own package or from a floor below (docs/architecture.md).
FLOORS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("ops",),
    ("extract", "reports"),
    ("build",),
    ("normalize",),
    ("sources", "raw", "runtime", "economics"),
    ("errors", "config", "periods", "codes", "display", "clock"),
)
FLOOR_OF = {room: level for level, rooms in enumerate(FLOORS) for room in rooms}
GROUND = len(FLOORS) - 1


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) for every import, at top level or inside a function."""
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                base = ".".join(anchor[: len(anchor) - node.level + 1] + ([base] if base else []))
            found.append((base, [a.name for a in node.names], node.lineno))
    return [(m, n, line) for m, n, line in found if m == "pipeline" or m.startswith("pipeline.")]


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _targets(module: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """The modules an import statement loads: `from pipeline import display` loads pipeline.display."""
    subs = [f"{module}.{n}" for n in names if f"{module}.{n}" in known]
    return subs or [module]


def test_imports_run_down_the_floors_and_never_sideways():
    known = _modules()
    wrong = []
    for name, path in known.items():
        room = _room(name)
        if room is None:
            continue
        for module, names, line in _imports(name, path):
            for target in _targets(module, names, known):
                other = _room(target)
                if other is None or other == room:
                    continue
                if room in FLOOR_OF and other in FLOOR_OF:
                    # The ground floor imports nothing of ours but the error classes.
                    allowed = FLOOR_OF[other] > FLOOR_OF[room] or (FLOOR_OF[room] == GROUND and other == "errors")
                    if not allowed:
                        wrong.append(f"{path.relative_to(PROJECT_ROOT)}:{line} imports {target}")
    assert not wrong, "imports that run up or sideways:\n" + "\n".join(wrong)


def test_every_room_is_on_a_floor():
    rooms = {_room(n) for n in _modules()} - {None, "__init__"}
    assert rooms <= set(FLOOR_OF), f"add these to docs/architecture.md and FLOORS: {sorted(rooms - set(FLOOR_OF))}"


def test_no_import_circle_between_modules():
    known = _modules()
    graph = {name: set() for name in known}
    for name, path in known.items():
        for module, names, _ in _imports(name, path):
            for target in _targets(module, names, known):
                if target in known and target != name:
                    graph[name].add(target)
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
                return True
            if nxt not in state and visit(nxt, trail + [nxt]):
                return True
        state[node] = 2
        return False

    for start in sorted(graph):
        if start not in state and visit(start, [start]):
            break
    assert not cycle, "import circle: " + " → ".join(cycle)


def test_no_private_name_is_borrowed_across_packages():
    known = _modules()
    borrowed = []
    for name, path in known.items():
        for module, names, line in _imports(name, path):
            if _room(module) == _room(name):
                continue
            borrowed += [f"{path.relative_to(PROJECT_ROOT)}:{line} {module}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
    assert not borrowed, "private names imported from another package:\n" + "\n".join(borrowed)


def test_the_benchmarks_are_not_shipped():
    assert not (PACKAGE / "bench.py").exists() and (PROJECT_ROOT / "tools" / "bench" / "harness.py").exists()
