"""Core metadata of an archival package after GB/T 18894-2016 (电子文件归档与电子档案管理规范) and DA/T 46
(文书类电子文件元数据方案): the elements an auditor needs to understand the record without the system.

Pure: builds a dict and its XML serialisation from plain values; no I/O.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - we only build XML here, parsing lives in checks

REQUIRED_ELEMENTS = (
    "archive_code",
    "title",
    "case_no",
    "item_code",
    "item_name",
    "applicant",
    "responsible_department",
    "hall_code",
    "date_submitted",
    "date_finished",
    "final_status",
    "retention",
    "files",
    "events",
)
XML_NAMESPACE = "urn:smarthall:archive:core-metadata:1"


def core_metadata(
    *,
    case_no: str,
    title: str,
    item_code: str,
    item_name: str,
    item_type: str,
    applicant_masked: str,
    department_code: str,
    hall_code: str,
    submitted_at: str,
    finished_at: str,
    final_status: str,
    retention: str,
    retain_until: str | None,
    archived_at: str,
    files: list[dict[str, Any]],
    events: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "schema": "GB/T 18894-2016 core metadata (smarthall profile 1)",
        "archive_code": f"{hall_code}-{case_no}",
        "title": title,
        "case_no": case_no,
        "item_code": item_code,
        "item_name": item_name,
        "item_type": item_type,
        "applicant": applicant_masked,
        "responsible_department": department_code,
        "hall_code": hall_code,
        "date_submitted": submitted_at,
        "date_finished": finished_at,
        "date_archived": archived_at,
        "final_status": final_status,
        "retention": retention,
        "retain_until": retain_until,
        "files": files,
        "events": events,
    }


def missing_elements(meta: dict[str, Any]) -> list[str]:
    missing = [name for name in REQUIRED_ELEMENTS if meta.get(name) in (None, "")]
    for i, entry in enumerate(meta.get("files") or []):
        for key in ("name", "role", "format", "size", "sha256"):
            if entry.get(key) in (None, ""):
                missing.append(f"files[{i}].{key}")
    return missing


def _append(parent: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        node = ET.SubElement(parent, name)
        for key, inner in value.items():
            _append(node, key, inner)
    elif isinstance(value, list):
        node = ET.SubElement(parent, name)
        singular = {"files": "file", "events": "event"}.get(name, "entry")
        for inner in value:
            _append(node, singular, inner)
    else:
        ET.SubElement(parent, name).text = "" if value is None else str(value)


def to_xml(meta: dict[str, Any]) -> bytes:
    root = ET.Element("archive", {"xmlns": XML_NAMESPACE})
    for key, value in meta.items():
        _append(root, key, value)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
