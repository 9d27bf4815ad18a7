"""Pure parts of the archive: retention classes and core metadata."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.archive import metadata, retention


def test_default_retention_by_item_type_and_overrides():
    assert retention.retention_for("SC-001", "行政许可") == "permanent"
    assert retention.retention_for("GA-001", "行政确认") == "30y"
    assert retention.retention_for("RS-001", "公共服务") == "10y"
    assert retention.retention_for("X-1", "未知类型") == "10y"
    rules = {"公共服务": 30, "item:RS-001": 0, "default": 10}  # a hall's archive.retention_years rule
    assert retention.retention_for("RS-001", "公共服务", rules) == "permanent"
    assert retention.retention_for("RS-002", "公共服务", rules) == "30y"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(retention.RETENTION_CLASSES))
def test_retain_until_counts_whole_years(finished, klass):
    until = retention.retain_until(klass, finished)
    if klass == "permanent":
        assert until is None
    else:
        assert until == date(finished.year + retention.years_of(klass), 12, 31) and until > finished


def _meta(**overrides):
    data = {
        "case_no": "C1",
        "title": "t",
        "item_code": "SC-001",
        "item_name": "n",
        "item_type": "行政许可",
        "applicant_masked": "王*",
        "department_code": "SC",
        "hall_code": "H",
        "submitted_at": "2026-11-27",
        "finished_at": "2026-11-30",
        "final_status": "approved",
        "retention": "permanent",
        "retain_until": None,
        "archived_at": "2026-11-30",
        "files": [{"name": "form/form.json", "role": "form", "format": "application/json", "size": 2, "sha256": "ab"}],
        "events": [{"at": "2026-11-27", "action": "submitted"}],
    }
    data.update(overrides)
    return metadata.core_metadata(**data)


def test_metadata_elements_and_xml():
    meta = _meta()
    assert metadata.missing_elements(meta) == []
    assert metadata.missing_elements({**meta, "title": ""}) == ["title"]
    broken = _meta(files=[{"name": "x", "role": "form", "format": "", "size": 1, "sha256": "a"}])
    assert metadata.missing_elements(broken) == ["files[0].format"]
    root = ET.fromstring(metadata.to_xml(meta))
    ns = "{urn:smarthall:archive:core-metadata:1}"
    assert root.findtext(f"{ns}case_no") == "C1"
    assert root.find(f"{ns}files/{ns}file/{ns}sha256").text == "ab"


@given(
    st.integers(min_value=0, max_value=3 * (1 << 20)),
    st.sampled_from([None, b"/JavaScript", b"/Launch", b"/EmbeddedFile"]),
    st.integers(min_value=-14, max_value=14),
)
@settings(max_examples=25, deadline=None)
def test_scan_digests_and_finds_markers_across_chunk_seams(tmp_path_factory, size, marker, shift):
    """The scan reads into one reused buffer: digests equal hashlib's over the whole file, and an active-content
    marker is found wherever it lies, including across the boundary of two 1 MiB chunks."""
    import hashlib

    from smarthall.archive import bag, checks

    data = bytearray(b"%PDF-1.4\n" + bytes(size))
    if marker is not None:
        at = min(max(bag.CHUNK + shift, 0), max(len(data) - len(marker), 0))
        data[at : at + len(marker)] = marker
    path = tmp_path_factory.mktemp("scan") / "f.pdf"
    path.write_bytes(bytes(data))
    digests, head, active = checks._scan(path, "application/pdf")
    assert digests == bag.Digests(
        len(data),
        hashlib.sha256(data).hexdigest(),
        hashlib.sha512(data).hexdigest(),
        hashlib.new("sm3", data).hexdigest(),
    )
    assert digests == bag.digest_file(path)
    assert head == bytes(data[:16])
    assert active == (marker is not None and marker in data)
