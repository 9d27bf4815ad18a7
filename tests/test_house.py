"""The house rules of ``../shared/docs/architecture.md``, checked on the source:

- queries live in each domain's ``repository.py``: no ``select(``, ``update(``, ``insert(`` or ``session.execute(``
  in a ``service.py``, ``api.py`` or ``pages.py``;
- a domain reaches another through its ``service``: it never imports another domain's ``models`` or
  ``repository`` (the short, reasoned ``ALLOWED_IMPORTS`` aside);
- nothing registers at import: huey decorators, listeners and caches are declared in ``register()``;
- modules stay small (``cases/`` ≤ 400 lines, everything ≤ 600);
- a test that expects a refusal (4xx) also says which one: an ``assert`` of only ``<r>.status_code == 4xx`` is
  refused unless it or the next statement checks the problem ``code`` (``assert_problem``/``assert_refused_page``).

``PENDING_*`` name what has not moved yet; an entry that no longer offends fails the test, so the lists only shrink.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from smarthall.wiring import DOMAINS

SRC = Path(__file__).resolve().parent.parent / "src" / "smarthall"
QUERY = re.compile(r"\b(select|update|insert)\(|session\.execute\(")
THIN = ("service.py", "api.py", "pages.py")

# Files still holding queries, to be emptied into their domain's repository.py.
PENDING_QUERIES: set[str] = set()

# (importing file, imported module) pairs allowed for good, with the reason.
ALLOWED_IMPORTS: dict[tuple[str, str], str] = {
    ("identity/models.py", "smarthall.org.models"): "staff and devices have a relationship to their Hall row",
    ("identity/repository.py", "smarthall.org.models"): (
        "the request's actor is read with its hall's code and region path in one joined statement (the one round "
        "trip of an actor-cache miss); the staff and device lists load each row's hall for its code"
    ),
}

# Cross-domain imports still to be replaced by calls to the other domain's service.
PENDING_IMPORTS: set[tuple[str, str]] = set()

# Modules still over the size limit.
PENDING_LONG: set[str] = set()
CASES_LIMIT, LIMIT = 400, 600

# Pages modules that still add their home tiles at import (``web.nav.register``) rather than contributing them in
# their domain's register() (``registry.contribute(nav.TILES_POINT, nav.tile(...))``).
PENDING_TILES: set[str] = set()
TILE_AT_IMPORT = re.compile(r"^(nav\.)?register\(\s*(nav\.)?Tile\(", re.MULTILINE)

IMPORT_TIME_WIRING = re.compile(
    r"@huey\.|huey\.(task|periodic_task)\(|cache_depends_on|register_template|^@on(_write)?\("
)


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _imported(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            if node.module.count(".") == 1:  # ``from smarthall.org import models``
                out.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_queries_live_in_repositories():
    offending = {_rel(p) for p in _modules() if p.name in THIN and QUERY.search(p.read_text())}
    assert offending - PENDING_QUERIES == set(), "queries belong in the domain's repository.py"
    assert PENDING_QUERIES - offending == set(), "moved: remove these from PENDING_QUERIES"


def test_domains_meet_through_services():
    offending: set[tuple[str, str]] = set()
    for path in _modules():
        rel = _rel(path)
        domain = rel.split("/", 1)[0]
        if domain == "core" or "/" not in rel:
            continue
        for module in _imported(ast.parse(path.read_text())):
            parts = module.split(".")
            if len(parts) >= 3 and parts[0] == "smarthall" and parts[1] not in (domain, "core"):
                if parts[2] in ("models", "repository"):
                    offending.add((rel, ".".join(parts[:3])))
    offending -= set(ALLOWED_IMPORTS)
    assert offending - PENDING_IMPORTS == set(), "reach another domain through its service"
    assert PENDING_IMPORTS - offending == set(), "moved: remove these from PENDING_IMPORTS"


def test_core_knows_no_domain():
    for path in (SRC / "core").glob("*.py"):
        for module in _imported(ast.parse(path.read_text())):
            parts = module.split(".")
            assert not (len(parts) >= 2 and parts[0] == "smarthall" and parts[1] not in ("core",)), (path, module)


def test_nothing_registers_at_import():
    offending = []
    for path in _modules():
        if _rel(path) in ("core/tasks.py", "core/registry.py"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if IMPORT_TIME_WIRING.search(line):
                offending.append(f"{_rel(path)}:{number}: {line.strip()}")
    assert offending == []


def test_home_tiles_are_contributed_not_registered_at_import():
    offending = {_rel(p) for p in _modules() if TILE_AT_IMPORT.search(p.read_text())}
    assert offending - PENDING_TILES == set(), "contribute tiles in register(): registry.contribute(nav.TILES_POINT, …)"
    assert PENDING_TILES - offending == set(), "moved: remove these from PENDING_TILES"


def test_every_domain_has_one_register():
    for domain in DOMAINS:
        text = (SRC / domain / "__init__.py").read_text()
        assert text.count("def register(registry: Registry) -> None:") == 1, domain


def test_cache_dependencies_name_real_tables(env):
    from smarthall.core.models import Base

    registry = env.app.state.registry
    assert set(registry.cache_dependents) <= set(Base.metadata.tables)


def test_modules_stay_small():
    long = set()
    for path in _modules():
        lines = len(path.read_text().splitlines())
        limit = CASES_LIMIT if _rel(path).startswith("cases/") else LIMIT
        if lines > limit:
            long.add(_rel(path))
    assert long - PENDING_LONG == set(), "split modules that grow past the limit"
    assert PENDING_LONG - long == set(), "small now: remove these from PENDING_LONG"


def _status_4xx(node: ast.expr) -> bool:
    """``node`` is ``<x>.status_code == 4xx`` or ``<x>.status_code in (4xx, ...)``."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return False
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if not (isinstance(left, ast.Attribute) and left.attr == "status_code"):
        return False
    if isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, int):
        values = [right.value]
    elif isinstance(op, ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
        values = [e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, int)]
    else:
        return False
    return bool(values) and all(400 <= v < 500 for v in values)


def _checks_code(node: ast.AST) -> bool:
    return any(isinstance(sub, ast.Constant) and sub.value == "code" for sub in ast.walk(node)) or any(
        isinstance(sub, ast.Name) and sub.id in ("assert_problem", "assert_refused_page", "refused_page")
        for sub in ast.walk(node)
    )


def status_only_assertions(tree: ast.AST) -> list[ast.Assert]:
    """Asserts made only of 4xx status comparisons, with no problem ``code`` checked by them or the next statement."""
    found = []
    for block in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(block, field, None)
            if not isinstance(stmts, list):
                continue
            for i, stmt in enumerate(stmts):
                if not isinstance(stmt, ast.Assert):
                    continue
                test = stmt.test
                parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
                if not all(_status_4xx(part) for part in parts):
                    continue
                following = stmts[i + 1] if i + 1 < len(stmts) else None
                if following is None or not _checks_code(following):
                    found.append(stmt)
    return found


def test_refusals_are_asserted_with_their_code():
    tests = Path(__file__).resolve().parent
    offenders = [
        f"{path.relative_to(tests)}:{stmt.lineno}"
        for path in sorted(tests.rglob("test_*.py"))
        for stmt in status_only_assertions(ast.parse(path.read_text()))
    ]
    assert offenders == [], "assert the problem code too: assert_problem(response, status, code)"


def test_the_refusal_scan_sees_a_bare_status_check():
    bare = ast.parse("def t(r):\n    assert r.status_code == 403\n    assert r.status_code in (403, 404), r.text\n")
    named = ast.parse(
        "def t(r):\n    assert r.status_code == 403 and r.json()['code'] == 'forbidden_role'\n"
        "    assert r.status_code == 409\n    assert r.json()['code'] == 'taken'\n"
        "    assert r.status_code == 200\n"
    )
    assert [s.lineno for s in status_only_assertions(bare)] == [2, 3]
    assert status_only_assertions(named) == []
