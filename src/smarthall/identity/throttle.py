"""Login throttling: growing delays between failed attempts instead of a lock an attacker can trigger.

Failures are counted for three keys, whether the account exists or not (so the answer never tells):

- the pair (typed username, client address): ``identity.lockout_threshold`` free failures, then each further
  attempt from that address for that username must wait 1 s, 2 s, 4 s, ... up to ``identity.lockout_minutes``;
- the account (typed username, from any address): four times as many free failures, then the same growing delay
  for every address that has itself failed for this username; an address that has not (the owner at their own
  desk) is not held, so a distributed guesser gets one guess per address while the owner still signs in;
- the client address (any username): ten times as many free failures, then the growing delay.

A failure record fades an hour after its last failure; a successful login clears the pair and the account. The
counters live in the rate-limit store (Redis when configured, see ``core.ratelimit``).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from smarthall.core.ratelimit import Store

FADE_SECONDS = 3600
ACCOUNT_FACTOR = 4
ADDRESS_FACTOR = 10


@dataclass(frozen=True)
class Policy:
    free: int  # failures of one pair before delays begin
    max_delay: int  # seconds


def delay_after(failures: int, free: int, max_delay: int) -> float:
    """Seconds to wait after ``failures`` failures when ``free`` come without delay (pure)."""
    if failures < free:
        return 0.0
    return float(min(max_delay, 2 ** min(failures - free, 30)))


def _name(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _keys(username: str, ip: str | None) -> dict[str, str]:
    name, addr = _name(username), ip or "unknown"
    return {"pair": f"login:pair:{name}:{addr}", "account": f"login:acct:{name}", "address": f"login:ip:{addr}"}


def _free(kind: str, policy: Policy) -> int:
    return policy.free * {"pair": 1, "account": ACCOUNT_FACTOR, "address": ADDRESS_FACTOR}[kind]


def _record(store: Store, key: str, now: float) -> tuple[int, float]:
    row = store.get(key)
    if not row or now - float(row.get("t", 0)) > FADE_SECONDS:
        return 0, 0.0
    return int(row.get("n", 0)), float(row.get("t", 0))


def wait_seconds(store: Store, username: str, ip: str | None, policy: Policy, now: float) -> int:
    """How long this attempt must still wait (0: it may be checked now)."""
    keys = _keys(username, ip)
    records = {kind: _record(store, key, now) for kind, key in keys.items()}
    wait = 0.0
    for kind, (failures, last) in records.items():
        if kind == "account" and records["pair"][0] == 0:
            continue  # an address that has not failed for this account is not held by the account's delay
        wait = max(wait, last + delay_after(failures, _free(kind, policy), policy.max_delay) - now)
    return max(0, math.ceil(wait))


def record_failure(store: Store, username: str, ip: str | None, policy: Policy, now: float) -> dict[str, int]:
    """Count a failed attempt; the failure counts after it, by key kind."""
    counts = {}
    for kind, key in _keys(username, ip).items():
        failures, _ = _record(store, key, now)
        counts[kind] = failures + 1
        store.put(key, {"n": str(failures + 1), "t": repr(now)}, FADE_SECONDS + policy.max_delay)
    return counts


def record_success(store: Store, username: str, ip: str | None, policy: Policy, now: float) -> None:
    """Clear the pair and the account, and take back the failure this attempt provisionally counted for the
    address (``record_failure`` runs before the password check). Without that every successful sign-in counted as
    a failure of the address: after 50 logins in an hour a whole hall behind one NAT address (or every user behind a
    proxy that does not pass the client address) was held. The address keeps the failures it really had, so a valid
    login between guesses does not wash them away."""
    keys = _keys(username, ip)
    store.delete(keys["pair"])
    store.delete(keys["account"])
    failures, last = _record(store, keys["address"], now)
    if failures <= 1:
        store.delete(keys["address"])
    else:
        store.put(keys["address"], {"n": str(failures - 1), "t": repr(last)}, FADE_SECONDS + policy.max_delay)


def is_burst(counts: dict[str, int], policy: Policy) -> bool:
    """Whether this failure is the one that makes a burst against the account (alert the hall manager once at
    the pair threshold and once when the account's own delays begin)."""
    return counts["account"] in (policy.free, _free("account", policy))
