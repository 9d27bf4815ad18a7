"""Roles and permissions: the one table that decides who may do what (least privilege, clause 9).

The administrator manages configuration but cannot read the audit trail; the auditor reads the audit trail but
cannot change anything (三员分立: separation of administrator and auditor). Domains add their permissions here.
"""

from __future__ import annotations

STAFF_ROLES = ("guide", "clerk", "approver", "hall_manager", "admin", "auditor")

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "guide": frozenset(
        {"staff.home", "citizen.lookup", "catalog.browse", "evaluation.link"}
        | {"guide.desk", "assist.request", "assist.handle", "proxy.manage"}
        | {"queue.issue", "queue.read"}
    ),
    "clerk": frozenset(
        {"staff.home", "citizen.lookup", "catalog.browse", "evaluation.link"}
        | {"assist.request", "proxy.manage"}
        | {"case.read", "case.accept"}
        | {"queue.window", "queue.read"}
        | {"locker.load"}
    ),
    "approver": frozenset({"staff.home", "catalog.browse", "case.read", "case.approve"}),
    "hall_manager": frozenset(
        {"staff.home", "catalog.browse", "staff.read", "device.read", "citizen.lookup"}
        | {"archive.read", "archive.export", "archive.dispose.propose"}
        | {"evaluation.stats", "evaluation.rectify", "evaluation.link"}
        | {"consult.edit", "consult.review", "consult.metrics", "guide.desk"}
        | {"assist.request", "assist.handle", "assist.manage", "proxy.manage"}
        | {"case.read", "case.replay"}
        | {"queue.issue", "queue.read"}
        | {"rules.read", "catalog.override"}
        | {"operations.live", "operations.dispatch", "operations.plan"}
        | {"device.manage", "venue.faults", "locker.load"}
        | {"staff.performance", "staff.supervise", "staff.courses"}
        | {"webhook.operate", "payment.refund", "payment.read"}
        | {"apiclient.approve"}
    ),
    "admin": frozenset(
        {"staff.home", "catalog.browse", "catalog.import", "staff.read", "staff.manage", "device.read", "device.manage"}
        | {"archive.read", "archive.retention", "archive.dispose.approve"}
        | {"evaluation.settings"}
        | {"consult.edit", "consult.review", "consult.metrics"}
        | {"rules.read", "rules.manage", "catalog.override"}
        | {"apiclient.manage", "apiclient.approve"}
        | {"staff.performance", "staff.weights"}
        | {"webhook.operate"}
    ),
    "auditor": frozenset(
        {"staff.home", "audit.read", "audit.verify", "staff.read"}
        | {"archive.read", "archive.verify"}
        | {"evaluation.stats", "evaluation.appeal_decide"}
        | {"rules.read"}
        | {"staff.performance"}
    ),
    "citizen": frozenset({"citizen.self", "case.submit", "queue.issue", "appointment.book"}),
    "kiosk": frozenset({"device.kiosk", "evaluation.link", "assist.request", "queue.issue", "venue.self_service"}),
    "form_terminal": frozenset({"device.kiosk", "evaluation.link", "assist.request", "venue.self_service"}),
    "locker": frozenset({"device.locker"}),
    "printer": frozenset({"device.printer"}),
    "robot": frozenset({"device.robot", "assist.request"}),
    "display": frozenset({"device.display", "queue.board"}),
    "window_pad": frozenset({"device.window_pad", "queue.board"}),
}


def permissions_for(role: str | None) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role or "", frozenset())
