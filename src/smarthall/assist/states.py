"""State machines of help requests and proxy authorizations (pure: no I/O).

Help request (帮办): open -> assigned -> in_progress -> done, or cancelled from any unfinished state.
Proxy authorization (代办): pending_confirmation -> accepted -> in_progress <-> suspended -> completed;
terminated from any unfinished state.
"""

from __future__ import annotations

HELP_TRANSITIONS: dict[str, dict[str, str]] = {
    "assign": {"open": "assigned", "assigned": "assigned"},
    "start": {"open": "in_progress", "assigned": "in_progress"},
    "finish": {"in_progress": "done"},
    "cancel": {"open": "cancelled", "assigned": "cancelled", "in_progress": "cancelled"},
}
HELP_FINAL = frozenset({"done", "cancelled"})

PROXY_TRANSITIONS: dict[str, dict[str, str]] = {
    "confirm": {"pending_confirmation": "accepted"},  # the entrustor: own login, or the code sent to their phone
    "register_paper": {"pending_confirmation": "accepted"},  # a desk: the signed form, the entrustor's ID checked
    "start": {"accepted": "in_progress"},
    "suspend": {"in_progress": "suspended"},
    "resume": {"suspended": "in_progress"},
    "complete": {"in_progress": "completed"},
    "terminate": {
        "pending_confirmation": "terminated",
        "accepted": "terminated",
        "in_progress": "terminated",
        "suspended": "terminated",
    },
}
PROXY_FINAL = frozenset({"completed", "terminated"})
# An agent may act only while the authorization is live (not waiting for confirmation, not suspended, not over).
PROXY_ACTIVE = frozenset({"accepted", "in_progress"})
PROXY_ACTS = ("consult", "declare", "submit_materials", "sign", "collect_result")


def next_state(table: dict[str, dict[str, str]], action: str, state: str) -> str | None:
    return table.get(action, {}).get(state)
