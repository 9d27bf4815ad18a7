"""Erlang C recomputed exactly, as the check of ``operations.erlang`` (pure, no I/O; slow, for tests and benches).

Rational inputs (arrivals per hour and service minutes as ``Fraction``) give the load ``a`` and the probability of
waiting ``C(c, a) = (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a))`` as exact fractions, term by term
from the textbook formula (no logarithms, no recursion shared with the fast code). The mean wait is then exact;
``P(W > t) = C·e^{−(c/s − λ)t}`` is evaluated in 60-digit decimal arithmetic.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from math import factorial


def probability_of_waiting(c: int, load: Fraction) -> Fraction:
    if c <= load:
        return Fraction(1)
    head = sum((load**k / factorial(k) for k in range(c)), Fraction(0))
    tail = load**c / factorial(c) * Fraction(c) / (c - load)
    return tail / (head + tail)


def counters_exact(
    per_hour: Fraction | int,
    service_minutes: Fraction | int,
    *,
    mean: Fraction | int | None = None,
    within: tuple[Fraction | int, Fraction | int] | None = None,
) -> int:
    """The fewest counters with mean wait ≤ ``mean`` minutes and/or ``P(W ≤ t) ≥ q`` for ``within = (t, q)``."""
    rate = Fraction(per_hour) / 60  # per minute
    service = Fraction(service_minutes)
    load = rate * service
    c = int(load) + 1
    while True:
        prob = probability_of_waiting(c, load)
        drain = Fraction(c) / service - rate
        ok = mean is None or prob / drain <= Fraction(mean)
        if ok and within is not None:
            t, q = Fraction(within[0]), Fraction(within[1])
            with localcontext() as ctx:
                ctx.prec = 60
                exceed = _dec(prob) * (-_dec(drain * t)).exp()
                ok = exceed <= _dec(1 - q)
        if ok:
            return c
        c += 1


def _dec(x: Fraction) -> Decimal:
    return Decimal(x.numerator) / Decimal(x.denominator)
