"""The package is a house of rooms: a module imports only from its own room and the rooms below.

Read from the source with ``ast`` (nothing is imported or compiled): every ``import`` and
``from ... import`` in every module of ``src/orbits_widget``, at module level or inside a function,
relative or absolute.
"""
from __future__ import annotations

import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parents[1] / "src" / "orbits_widget"
TOP = "orbits_widget"

# The layer table, low to high. A unit is a subpackage or a top-level module of orbits_widget.
# A unit may import its own room and any room below, never one above; in a room marked
# "siblings" the units may not import each other either.
LAYERS = (
    # room  units                                                        siblings
    (1, ("_validate", "_numba_cache"), False),
    (2, ("profiles", "workload"), False),
    (3, ("kernel",), False),
    (4, ("control",), False),
    (5, ("api",), False),
    (6, ("paper", "planning"), True),
    (7, ("hypotheses",), False),
    (8, ("widget",), False),
    (9, ("__init__", "__main__", "bench", "acceptance", "parity"), False),
)
ROOM = {unit: room for room, units, _ in LAYERS for unit in units}
SIBLINGS = {room for room, _, siblings in LAYERS if siblings}


def modules():
    for path in sorted(PKG.rglob("*.py")):
        yield path, path.relative_to(PKG).with_suffix("").parts


def unit_of(parts: tuple[str, ...]) -> str:
    """The unit of a module, from its dotted path below orbits_widget."""
    return parts[0] if parts else "__init__"


def targets(node, parts):
    """The dotted paths (below orbits_widget) an import statement reaches into; none for other packages."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            names = alias.name.split(".")
            if names[0] == TOP:
                yield tuple(names[1:])
        return
    if node.level:
        package = list(parts[:-1])      # the package holding the module (for __init__, the package itself)
        base = package[:len(package) - (node.level - 1)]
    elif node.module and node.module.split(".")[0] == TOP:
        base = []
        node = ast.ImportFrom(module=".".join(node.module.split(".")[1:]) or None, names=node.names, level=0)
    else:
        return
    if node.module:
        yield tuple(base + node.module.split("."))
    elif base:
        yield tuple(base)
    else:                               # ``from .. import x`` at the top: x is a unit, or a name of __init__
        for alias in node.names:
            yield (alias.name,) if alias.name in ROOM else ()


def upward_imports():
    found = []
    for path, parts in modules():
        unit = unit_of(parts)
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in targets(node, parts):
                other = unit_of(target)
                if other == unit:
                    continue
                up = ROOM[other] > ROOM[unit]
                across = ROOM[other] == ROOM[unit] and ROOM[unit] in SIBLINGS
                if up or across:
                    found.append(f"{'.'.join((TOP,) + parts)} (room {ROOM[unit]}) line {node.lineno}: "
                                 f"{ast.unparse(node)}  -> {other} (room {ROOM[other]})")
    return found


def test_every_unit_has_a_room():
    units = {unit_of(parts) for _, parts in modules()}
    assert units <= set(ROOM), f"not in the layer table: {sorted(units - set(ROOM))}"


def test_no_import_from_a_higher_room():
    found = upward_imports()
    assert not found, "imports from a higher (or sibling) room:\n  " + "\n  ".join(found)


def test_the_check_sees_imports():
    # guards against a walker that silently finds nothing: the kernel's loop imports the workload
    tree = ast.parse((PKG / "kernel" / "loop.py").read_text())
    reached = {unit_of(t) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for t in targets(node, ("kernel", "loop"))}
    assert "workload" in reached
