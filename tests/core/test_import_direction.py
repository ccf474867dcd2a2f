"""Imports run one way (DESIGN.md): no app module imports a module that imports it back, directly or
through others — including imports inside functions — and selectors never import services or tasks."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "predictions", "forecasts", "ingest", "assistant", "technicians", "analytics", "worklist", "alerts")


def _graph() -> dict[str, set[str]]:
    mods = {}
    for app in APPS:
        for f in (ROOT / app).rglob("*.py"):
            if "migrations" in f.parts or "management" in f.parts:
                continue
            name = ".".join(f.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            mods[name] = f
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, f in mods.items():
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    target = f"{node.module}.{a.name}"
                    if target in mods:
                        edges[m].add(target)
                    elif node.module in mods:
                        edges[m].add(node.module)
            elif isinstance(node, ast.Import):
                edges[m] |= {a.name for a in node.names if a.name in mods}
    return edges


def _cycle_through(edges, start, layer=("services", "selectors", "tasks")) -> list[str] | None:
    """A path start → … → start using only service/selector/task modules (the layers that must not loop)."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        for nxt in edges.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen and nxt.rsplit(".", 1)[-1] in layer:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_services_selectors_and_tasks_import_in_one_direction():
    edges = _graph()
    loops = []
    for m in edges:
        if m.rsplit(".", 1)[-1] in ("services", "selectors", "tasks"):
            cycle = _cycle_through(edges, m)
            if cycle:
                loops.append(" → ".join(cycle))
    assert not loops, "import circles:\n" + "\n".join(sorted(loops))


def test_selectors_never_import_services_or_tasks():
    edges = _graph()
    bad = [
        f"{m} imports {t}"
        for m, targets in edges.items()
        if m.endswith(".selectors")
        for t in targets
        if t.endswith((".services", ".tasks"))
    ]
    assert not bad, bad


def test_the_snowflake_adapter_lives_in_ingest_and_is_django_free():
    tree = ast.parse((ROOT / "ingest" / "snowflake.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in imported if m.split(".")[0] in ("django", *APPS)}, imported
    assert not (ROOT / "technicians" / "snowflake.py").exists()
