"""Every audit action code (and target type) the code base can write, read from the source itself.

Each call of ``audit.service.record(session, actor, ACTION, target_type=TARGET, ...)`` is found in ``src/smarthall``
and its ``ACTION`` argument resolved to the set of strings it can take: a literal; either branch of a conditional;
an f-string or ``+`` of parts (every combination); a parameter of the enclosing function, through the arguments every
caller of that function passes (across modules, to any depth); a name bound in the function to one of several
literals (``for x in ("a", "b")``, ``x = "a" if ... else "b"``) or a key of a module-level dict (``_MOVES[action]``).
What cannot be resolved is reported, so a new call the scan cannot follow fails the test instead of slipping past.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

TABLE = "<table>"  # a write of the ORM flush hook: any table of the models
SRC = Path(__file__).resolve().parents[2] / "src" / "smarthall"


@dataclass
class Scan:
    actions: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)
    outcomes: set[str] = field(default_factory=lambda: {"ok"})
    unresolved: list[str] = field(default_factory=list)


@dataclass
class _Func:
    node: ast.FunctionDef
    module: Path
    params: list[str]


class _Source:
    def __init__(self) -> None:
        self.trees: dict[Path, ast.Module] = {}
        self.funcs: dict[str, list[_Func]] = {}
        self.parent: dict[ast.AST, ast.AST] = {}
        self.dicts: dict[tuple[Path, str], list[str]] = {}
        self.dict_values: dict[tuple[Path, str], list[ast.expr]] = {}
        self.aliases: dict[str, ast.expr] = {}  # module-level ``Name = Literal[...]``
        self.classes: dict[str, list[ast.ClassDef]] = {}
        for path in sorted(SRC.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            self.trees[path] = tree
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    self.parent[child] = node
                if isinstance(node, ast.ClassDef):
                    self.classes.setdefault(node.name, []).append(node)
                if isinstance(node, ast.FunctionDef):
                    params = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
                    self.funcs.setdefault(node.name, []).append(_Func(node, path, params))
            for stmt in tree.body:  # module-level dicts whose keys are codes (``_MOVES = {"queue.skip": ...}``)
                target, value = _assigned(stmt)
                if target and value is not None and "Literal[" in ast.unparse(value):
                    self.aliases[target] = value
                if target and isinstance(value, ast.Dict):
                    self.dict_values[(path, target)] = [v for v in value.values if v is not None]
                    keys = [k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
                    if keys and len(keys) == len(value.keys):
                        self.dicts[(path, target)] = keys

    def enclosing(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def module_of(self, node: ast.AST) -> Path:
        while node in self.parent:
            node = self.parent[node]
        return next(p for p, t in self.trees.items() if t is node)

    def calls_of(self, name: str) -> list[ast.Call]:
        out = []
        for tree in self.trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    fn = node.func
                    called = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
                    if called == name:
                        out.append(node)
        return out


def _assigned(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return stmt.target.id, stmt.value
    return None, None


def _argument(call: ast.Call, func: _Func, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    index = func.params.index(name)
    if func.params and func.params[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        index -= 1
    if 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    default = _default(func, name)
    return default


def _default(func: _Func, name: str) -> ast.expr | None:
    args = func.node.args
    positional = args.posonlyargs + args.args
    if name in [a.arg for a in positional]:
        offset = len(positional) - len(args.defaults)
        i = [a.arg for a in positional].index(name) - offset
        return args.defaults[i] if i >= 0 else None
    for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if a.arg == name:
            return d
    return None


class _Resolver:
    def __init__(self, source: _Source) -> None:
        self.source = source
        self.unresolved: list[str] = []
        self.active: set[tuple[int, str]] = set()

    def where(self, node: ast.AST) -> str:
        return f"{self.source.module_of(node).relative_to(SRC)}:{getattr(node, 'lineno', '?')}"

    def resolve(self, expr: ast.expr | None, depth: int = 0) -> set[str]:
        if expr is None:
            return set()
        if isinstance(expr, ast.Constant):
            return {expr.value} if isinstance(expr.value, str) else set()
        if depth > 16:
            self.unresolved.append(f"{self.where(expr)} too deep: {ast.unparse(expr)}")
            return set()
        if isinstance(expr, ast.Constant):
            return {expr.value} if isinstance(expr.value, str) else set()
        if isinstance(expr, ast.IfExp):
            return self.resolve(expr.body, depth) | self.resolve(expr.orelse, depth)
        if isinstance(expr, ast.JoinedStr):
            parts = [
                self.resolve(v.value, depth) if isinstance(v, ast.FormattedValue) else {str(v.value)}  # type: ignore[attr-defined]
                for v in expr.values
            ]
            return {"".join(p) for p in itertools.product(*parts)}
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, right = self.resolve(expr.left, depth), self.resolve(expr.right, depth)
            return {a + b for a, b in itertools.product(left, right)}
        if isinstance(expr, ast.Name):
            return self.name(expr, depth)
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
            values = self.source.dict_values.get((self.source.module_of(expr), expr.value.id))
            if values is not None:  # ``_CODES[action]``: any of the module-level dict's values
                return set().union(*(self.resolve(v, depth + 1) for v in values))
        if isinstance(expr, ast.Call) and ast.unparse(expr.func) == "getattr" and len(expr.args) > 1:
            if isinstance(expr.args[1], ast.Constant) and expr.args[1].value == "__tablename__":
                return {TABLE}
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            found = self.field(expr)
            if found is not None:
                return found
        self.unresolved.append(f"{self.where(expr)}: {ast.unparse(expr)}")
        return set()

    def literal(self, annotation: ast.expr | None) -> set[str] | None:
        """The values of a ``Literal[...]`` annotation (through ``Annotated``, ``| None`` and module aliases)."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.Name) and annotation.id in self.source.aliases:
            return self.literal(self.source.aliases[annotation.id])
        if isinstance(annotation, ast.Subscript):
            head = ast.unparse(annotation.value)
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            if head.endswith("Literal"):
                return {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}
            if head.endswith("Annotated"):
                inner = self.literal(items[0])
                return inner if inner is not None else _pattern_choices(items[1:])
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            left, right = self.literal(annotation.left), self.literal(annotation.right)
            if left is not None or right is not None:
                return (left or set()) | (right or set())
        return None

    def field(self, expr: ast.Attribute) -> set[str] | None:
        """``body.action`` where ``body`` is a parameter annotated with a class whose field is a ``Literal``."""
        assert isinstance(expr.value, ast.Name)
        func = self.source.enclosing(expr)
        while func is not None:
            args = func.args.posonlyargs + func.args.args + func.args.kwonlyargs
            annotation = next((a.annotation for a in args if a.arg == expr.value.id), None)
            if annotation is not None:
                for cls in self.source.classes.get(ast.unparse(annotation).split("[")[0].split(".")[-1], []):
                    for stmt in cls.body:
                        if isinstance(stmt, ast.AnnAssign) and ast.unparse(stmt.target) == expr.attr:
                            return self.literal(stmt.annotation)
                return None
            func = self.source.enclosing(func)
        return None

    def name(self, expr: ast.Name, depth: int) -> set[str]:
        func = self.source.enclosing(expr)
        while func is not None:  # the function that binds the name (a closure's outer function, too)
            if self.bound_in(func, expr.id, depth, probe=True) is not None:
                break
            if expr.id in [a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs]:
                break
            func = self.source.enclosing(func)
        if func is None:
            self.unresolved.append(f"{self.where(expr)}: {expr.id}")
            return set()
        bound = self.bound_in(func, expr.id, depth)
        if bound is not None:
            return bound
        entries = [f for f in self.source.funcs.get(func.name, []) if f.node is func]
        args = func.args.posonlyargs + func.args.args + func.args.kwonlyargs
        annotated = self.literal(next((a.annotation for a in args if a.arg == expr.id), None))
        if annotated is not None:
            return annotated
        if entries and expr.id in entries[0].params:
            key = (id(func), expr.id)
            if key in self.active:  # a cycle (two functions of one name): what the other path finds
                return set()
            self.active.add(key)
            out: set[str] = set()
            calls = self.source.calls_of(func.name)
            for call in calls:
                out |= self.resolve(_argument(call, entries[0], expr.id), depth + 1)
            if not calls:
                self.unresolved.append(f"{self.where(expr)}: {func.name}() is never called")
            self.active.discard(key)
            return out
        self.unresolved.append(f"{self.where(expr)}: {expr.id}")
        return set()

    def bound_in(self, func: ast.FunctionDef, name: str, depth: int, probe: bool = False) -> set[str] | None:
        """The literals a local name is bound to in ``func`` (assignments, ``for`` over literals), or None."""
        found: set[str] = set()
        seen = False
        for node in ast.walk(func):
            if node is not func and isinstance(node, ast.FunctionDef | ast.Lambda):
                continue
            if probe:
                if isinstance(node, ast.Assign | ast.AnnAssign) and _assigned(node)[0] == name:
                    return set()
                if isinstance(node, ast.For) and name in {getattr(n, "id", None) for n in ast.walk(node.target)}:
                    return set()
                continue
            if isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):
                names = [n.id if isinstance(n, ast.Name) else None for n in node.target.elts]
                if name in names and isinstance(node.iter, ast.Tuple | ast.List):
                    seen = True
                    index = names.index(name)
                    for item in node.iter.elts:
                        if isinstance(item, ast.Tuple) and len(item.elts) > index:
                            found |= self.resolve(item.elts[index], depth + 1)
                    continue
            if isinstance(node, ast.Assign | ast.AnnAssign):
                target, value = _assigned(node)
                if target == name:
                    seen = True
                    found |= self.resolve(value, depth + 1)
            if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and node.target.id == name:
                seen = True
                if isinstance(node.iter, ast.Tuple | ast.List | ast.Set):
                    for item in node.iter.elts:
                        found |= self.resolve(item, depth + 1)
                else:
                    self.unresolved.append(f"{self.where(node)}: for {name} in {ast.unparse(node.iter)}")
        return found if seen else None


def _pattern_choices(metadata: list[ast.expr]) -> set[str] | None:
    """``Form(pattern="^(a|b)$")``: the alternatives a form field is held to."""
    for item in metadata:
        if isinstance(item, ast.Call):
            for keyword in item.keywords:
                if keyword.arg == "pattern" and isinstance(keyword.value, ast.Constant):
                    found = re.fullmatch(r"\^\(([\w|]*)\)\$", str(keyword.value.value))
                    if found:
                        return {c for c in found.group(1).split("|") if c}
    return None


def _dict_guard(source: _Source, func: ast.FunctionDef, name: str) -> list[str] | None:
    """``expected, columns = _MOVES[action]`` in the function: ``action`` is one of the dict's keys."""
    module = source.module_of(func)
    for node in ast.walk(func):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id == name:
            if isinstance(node.value, ast.Name) and (module, node.value.id) in source.dicts:
                return source.dicts[(module, node.value.id)]
    return None


def scan() -> Scan:
    source = _Source()
    resolver = _Resolver(source)
    original = resolver.name

    def name_with_guard(expr: ast.Name, depth: int) -> set[str]:
        func = source.enclosing(expr)
        if func is not None:
            keys = _dict_guard(source, func, expr.id)
            if keys is not None:
                return set(keys)
        return original(expr, depth)

    resolver.name = name_with_guard  # type: ignore[method-assign]
    result = Scan()
    record_file = SRC / "audit" / "service.py"
    for path, tree in source.trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            by_module = isinstance(fn, ast.Attribute) and ast.unparse(fn) == "audit_service.record"
            inside = path == record_file and isinstance(fn, ast.Name) and fn.id == "record"
            is_record = by_module or inside
            if not is_record:
                continue
            action = node.args[2] if len(node.args) > 2 else next(k.value for k in node.keywords if k.arg == "action")
            result.actions |= resolver.resolve(action)
            target = next((k.value for k in node.keywords if k.arg == "target_type"), None)
            result.targets |= resolver.resolve(target)
            outcome = next((k.value for k in node.keywords if k.arg == "outcome"), None)
            result.outcomes |= resolver.resolve(outcome)
    result.unresolved = resolver.unresolved
    return result
