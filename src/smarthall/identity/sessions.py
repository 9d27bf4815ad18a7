"""Sessions that can be ended: every token carries a session id (``sid``), the moment it was issued (``ts``) and,
for staff, its idle timeout (``idle``, minutes, the ``identity.staff_idle_minutes`` rule of their hall at login).

The server keeps, in the rate-limit store (Redis when ``SMARTHALL_REDIS_URL`` is set, this process otherwise):

- ``sess:<sid>``: when the session was last used and whether it was ended (logout);
- ``pwd:<subject>``: when the account's password last changed; every token issued before is void.

A token is refused when its session was ended, its account's password changed after it was issued, a staff
session was idle longer than its timeout, or its absolute lifetime (``exp``, ``identity.session_minutes``) ran out.
Without Redis these records live as long as the process (documented in docs/security.md): a restart forgets
logouts, so production runs with Redis.
"""

from __future__ import annotations

import secrets
from typing import Any

from smarthall.core.ratelimit import Store

TOUCH_EVERY = 30.0  # seconds: a session's last use is written at most this often
MAX_LIFETIME = 24 * 3600  # the longest session any rule allows (identity.session_minutes ≤ 1440)


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def is_live(store: Store, payload: dict[str, Any], now: float) -> bool:
    """Whether a token with a good signature and expiry still stands for a live session (touches it)."""
    sid = payload.get("sid")
    if not isinstance(sid, str):
        return False  # tokens without a session id predate revocation and are not accepted
    issued = float(payload.get("ts", payload.get("iat", 0)))
    changed, record = store.get_many(f"pwd:{payload.get('sub')}", f"sess:{sid}")  # one round trip to Redis
    if changed and (issued < float(changed["ts"]) or (issued == float(changed["ts"]) and sid != changed["keep"])):
        return False
    if record.get("ended"):
        return False
    seen = float(record.get("seen", issued))
    idle = payload.get("idle")
    if isinstance(idle, int) and idle > 0 and now - seen > idle * 60:
        return False
    if not record or now - seen >= TOUCH_EVERY:
        store.put(f"sess:{sid}", {"seen": repr(now)}, MAX_LIFETIME)
    return True


def end(store: Store, payload: dict[str, Any] | None) -> None:
    """End the session of ``payload`` (logout)."""
    if payload and isinstance(payload.get("sid"), str):
        store.put(f"sess:{payload['sid']}", {"ended": "1"}, MAX_LIFETIME)


def void_all(store: Store, subject: str, now: float, keep_sid: str) -> None:
    """Void every token of ``subject`` issued before now except the session ``keep_sid`` (password change)."""
    store.put(f"pwd:{subject}", {"ts": repr(now), "keep": keep_sid}, MAX_LIFETIME)
