"""Shared builders for case tests (plain functions)."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, make_staff

HALL = "H-690102"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def li_ming(client: Any) -> dict[str, str]:
    return auth(client, DEMO_CITIZEN_ID)


def upload(
    client: Any,
    headers: dict[str, str],
    data: bytes = PDF_BYTES,
    name: str = "m.pdf",
    content_type: str = "application/pdf",
) -> str:
    response = client.post("/api/v1/files", headers=headers, files={"file": (name, data, content_type)})
    assert response.status_code == 201, response.text
    return str(response.json()["file_id"])


def prefilled(client: Any, headers: dict[str, str], item_code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    response = client.get(f"/api/v1/items/{item_code}/form", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return {f["name"]: f["value"] for f in body["fields"] if f["value"] is not None}, body["materials"]


def sc003(client: Any, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """Submit SC-003 with the prefilled form and the held business licence."""
    form, materials = prefilled(client, headers, "SC-003")
    form.setdefault("cancel_reason", "停止经营")
    form.update(overrides)
    mats = [{"material_code": m["code"], "licence_id": m["held_licence_id"]} for m in materials if m["held_licence_id"]]
    response = client.post(
        "/api/v1/cases",
        headers=headers,
        json={"item_code": "SC-003", "hall_code": HALL, "form": form, "materials": mats},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def generic_form() -> dict[str, Any]:
    """A valid SC-004-free form for a human-approved item (SC-001 企业设立登记)."""
    return {
        "company_name": "云澜示例科技有限公司",
        "enterprise_type": "有限责任公司",
        "registered_capital": 100,
        "address": "江安省云澜市澜湖区锦江大道2号",
        "business_scope": "软件开发",
    }


def submit_sc001(client: Any, headers: dict[str, str], *, with_materials: bool = True) -> dict[str, Any]:
    form, _ = prefilled(client, headers, "SC-001")
    form.update(generic_form())
    materials = []
    if with_materials:
        for code in ("SC-001-M02", "SC-001-M04"):
            materials.append({"material_code": code, "file_id": upload(client, headers)})
    response = client.post(
        "/api/v1/cases",
        headers=headers,
        json={"item_code": "SC-001", "hall_code": HALL, "form": form, "materials": materials},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def act(client: Any, headers: dict[str, str], case_no: str, action: str, **payload: Any) -> Any:
    return client.post(f"/api/v1/cases/{case_no}/actions", headers=headers, json={"action": action, **payload})


def add_staff(env: Any, *, username: str, role: str, hall_code: str, department_code: str | None = None) -> None:
    """A staff member in another hall or department (for denial tests), with the demo password."""
    make_staff(env, username=username, role=role, hall_code=hall_code, department_code=department_code)


def refused(response: Any, status: int, code: str) -> None:
    """The request was refused with ``status`` and the problem's stable ``code``."""
    assert (response.status_code, response.json().get("code")) == (status, code), response.text
