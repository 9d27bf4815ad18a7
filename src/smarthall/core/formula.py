"""A small, safe expression language for formulas a hall sets (e.g. the staff score, 8.2). Pure: no I/O.

Nothing is ever handed to Python's ``eval``/``exec`` or ``ast``: text is read by an own tokenizer and a
recursive-descent parser into a tree of tuples, and the tree is walked by an evaluator that knows only these:

- numbers (``12``, ``0.5``), names from a list the caller gives (the measures), parentheses;
- ``+ - * /`` (also ``− × ÷`` and full-width ``（ ） ，``), unary minus;
- comparisons ``< <= > >= == !=`` (1 when true, 0 when false);
- functions ``min(a, b, …)``, ``max(a, b, …)``, ``clamp(x, lo, hi)``, ``if(cond, then, else)``, ``ifnull(x, v)``,
  ``abs(x)``, ``round(x)`` / ``round(x, digits)``.

A name may have no value (a measure with no data): it is ``None``, and so is whatever is computed from it, except
that ``min``/``max`` leave ``None`` arguments out and ``ifnull`` replaces it. Division by zero is ``None`` too.
A formula that does not parse raises ``FormulaError`` with the 0-based position of the problem.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 1000
MAX_DEPTH = 40
FUNCTIONS: dict[str, tuple[int, int | None]] = {  # name: (fewest, most) arguments
    "min": (1, None),
    "max": (1, None),
    "clamp": (3, 3),
    "if": (3, 3),
    "ifnull": (2, 2),
    "abs": (1, 1),
    "round": (1, 2),
}
_SAME = {"−": "-", "×": "*", "÷": "/", "（": "(", "）": ")", "，": ",", "＋": "+", "－": "-", "＊": "*", "／": "/"}
_TWO = ("<=", ">=", "==", "!=")
_ONE = "+-*/(),<>"
COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")

Node = tuple[Any, ...]  # ("num", v) | ("name", n) | ("neg", x) | ("bin", op, a, b) | ("call", f, [args])


@dataclass(frozen=True)
class Token:
    kind: str  # "num" | "name" | "op" | "end"
    text: str
    position: int
    value: float = 0.0


class FormulaError(ValueError):
    """A formula that cannot be read: what is wrong (``problem``, a stable code), where, and a word to show."""

    def __init__(self, problem: str, position: int, text: str = "") -> None:
        super().__init__(f"{problem} at {position}" + (f": {text}" if text else ""))
        self.problem = problem
        self.position = position
        self.text = text


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_LENGTH:
        raise FormulaError("too_long", MAX_LENGTH)
    out: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = _SAME.get(source[i], source[i])
        if ch.isspace():
            i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and source[i + 1].isdigit()):
            start = i
            while i < n and source[i].isdigit():
                i += 1
            if i < n and source[i] == ".":
                i += 1
                while i < n and source[i].isdigit():
                    i += 1
            text = source[start:i]
            out.append(Token("num", text, start, float(text)))
            continue
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            start = i
            while i < n and source[i].isascii() and (source[i].isalnum() or source[i] == "_"):
                i += 1
            out.append(Token("name", source[start:i], start))
            continue
        pair = ch + _SAME.get(source[i + 1], source[i + 1]) if i + 1 < n else ""
        if pair in _TWO:
            out.append(Token("op", pair, i))
            i += 2
            continue
        if ch in _ONE:
            out.append(Token("op", ch, i))
            i += 1
            continue
        raise FormulaError("unexpected_character", i, source[i])
    out.append(Token("end", "", n))
    return out


class _Parser:
    def __init__(self, tokens: list[Token], names: Collection[str]) -> None:
        self.tokens = tokens
        self.at = 0
        self.names = names
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.peek()
        if token.kind != "op" or token.text != text:
            raise FormulaError(
                "expected_" + {")": "close", ",": "comma", "(": "open"}[text], token.position, token.text
            )
        return self.take()

    def expression(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError("too_deep", self.peek().position)
        left = self.additive()
        token = self.peek()
        if token.kind == "op" and token.text in COMPARISONS:
            self.take()
            left = ("bin", token.text, left, self.additive())
            after = self.peek()
            if after.kind == "op" and after.text in COMPARISONS:
                raise FormulaError("chained_comparison", after.position, after.text)
        self.depth -= 1
        return left

    def additive(self) -> Node:
        left = self.term()
        while (token := self.peek()).kind == "op" and token.text in "+-":
            self.take()
            left = ("bin", token.text, left, self.term())
        return left

    def term(self) -> Node:
        left = self.unary()
        while (token := self.peek()).kind == "op" and token.text in "*/":
            self.take()
            left = ("bin", token.text, left, self.unary())
        return left

    def unary(self) -> Node:
        token = self.peek()
        if token.kind == "op" and token.text in "+-":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FormulaError("too_deep", token.position)
            inner = self.unary()
            self.depth -= 1
            return ("neg", inner) if token.text == "-" else inner
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "num":
            return ("num", token.value)
        if token.kind == "name":
            following = self.peek()
            if following.kind == "op" and following.text == "(":
                return self.call(token)
            if token.text not in self.names:
                raise FormulaError("unknown_name", token.position, token.text)
            return ("name", token.text)
        if token.kind == "op" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        raise FormulaError("unexpected_end" if token.kind == "end" else "unexpected_token", token.position, token.text)

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTIONS:
            raise FormulaError("unknown_function", name.position, name.text)
        self.expect("(")
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            args.append(self.expression())
            while self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                args.append(self.expression())
        self.expect(")")
        fewest, most = FUNCTIONS[name.text]
        if len(args) < fewest or (most is not None and len(args) > most):
            raise FormulaError("wrong_arguments", name.position, name.text)
        return ("call", name.text, args)


def parse(source: str, names: Collection[str]) -> Node:
    """The tree of ``source`` using only ``names``, or ``FormulaError`` (an empty formula is an error too)."""
    tokens = tokenize(source)
    if tokens[0].kind == "end":
        raise FormulaError("empty", 0)
    parser = _Parser(tokens, frozenset(names))
    tree = parser.expression()
    extra = parser.peek()
    if extra.kind != "end":
        raise FormulaError("unexpected_token", extra.position, extra.text)
    return tree


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def evaluate(tree: Node, values: Mapping[str, float | None]) -> float | None:
    """The value of a parsed formula for ``values`` (a missing name is ``None``)."""
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "name":
        got = values.get(tree[1])
        return None if got is None else float(got)
    if kind == "neg":
        inner = evaluate(tree[1], values)
        return None if inner is None else -inner
    if kind == "bin":
        return _binary(tree[1], evaluate(tree[2], values), evaluate(tree[3], values))
    name, args = tree[1], tree[2]
    if name == "if":
        cond = evaluate(args[0], values)
        if cond is None:
            return None
        return evaluate(args[1] if cond != 0 else args[2], values)
    results: list[float | None] = [evaluate(a, values) for a in args]
    if name in ("min", "max"):
        present = [g for g in results if g is not None]
        return (min if name == "min" else max)(present) if present else None
    if name == "ifnull":
        return results[1] if results[0] is None else results[0]
    if any(g is None for g in results):
        return None
    numbers = [g for g in results if g is not None]
    if name == "clamp":
        x, lo, hi = numbers
        return min(max(x, lo), hi) if lo <= hi else None
    if name == "abs":
        return abs(numbers[0])
    digits = int(numbers[1]) if len(numbers) > 1 else 0
    if not -10 <= digits <= 10:
        return None
    return _finite(round(numbers[0], digits))


def _binary(op: str, a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if op == "+":
        return _finite(a + b)
    if op == "-":
        return _finite(a - b)
    if op == "*":
        return _finite(a * b)
    if op == "/":
        return None if b == 0 else _finite(a / b)
    outcome = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
    return 1.0 if outcome else 0.0


def names_used(tree: Node) -> set[str]:
    if tree[0] == "name":
        return {tree[1]}
    if tree[0] == "neg":
        return names_used(tree[1])
    if tree[0] == "bin":
        return names_used(tree[2]) | names_used(tree[3])
    if tree[0] == "call":
        return set().union(*(names_used(a) for a in tree[2])) if tree[2] else set()
    return set()
