"""The four-property checks (四性检测) of an archival package after DA/T 70-2018 (文书类电子档案检测一般要求):

- authenticity 真实性: each payload file's SHA-256/SHA-512 match the bag manifests and the SM3/SHA-256 fixity kept
  in the database; tag manifests match; every signed result's signature verifies over its key fields;
- integrity 完整性: bag declaration, manifests, bag-info and both metadata files present; every recorded file
  present and no unrecorded ones; every required metadata element present; the form is there;
- usability 可用性: formats on the allowed list; PDFs parse (pypdf), images decode (Pillow), JSON/XML parse;
- security 安全性: no executable content (program headers, scripts, PDF JavaScript/launch actions, embedded
  files), every file and folder stored read-only with no access for others, no links leaving the package.

Payload files are sealed on disk (``core.crypto`` envelope) and checked as their plaintext: a sealed file that does
not open (altered, truncated, moved, or under a key no longer held) fails authenticity; the fixity compared is the
plaintext's, as recorded at ingest. Legacy plaintext packages are checked as they are.

Works on one package directory with the expected files given by the caller; streams every file in chunks, so
memory does not grow with file or store size. No database access here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from smarthall.archive import bag as bagfile
from smarthall.archive.metadata import missing_elements
from smarthall.core.crypto import EnvelopeError, canonical_bytes, open_plain, read_plain

PROPERTIES = ("authenticity", "integrity", "usability", "security")
ALLOWED_FORMATS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/tiff": (".tif", ".tiff"),
    "application/json": (".json",),
    "application/xml": (".xml",),
    "text/plain": (".txt",),
    "application/ofd": (".ofd",),
}
_EXEC_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe")
_PDF_ACTIVE = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
_XML_ACTIVE = (b"<!DOCTYPE", b"<!ENTITY", b"<script")
METADATA_JSON = "data/metadata/core-metadata.json"
METADATA_XML = "data/metadata/core-metadata.xml"
TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt")

logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class ExpectedFile:
    name: str
    role: str
    content_type: str
    sha256: str
    sha512: str
    sm3: str
    signed_fields: dict[str, Any] | None = None
    signature: str | None = None


@dataclass(frozen=True)
class Finding:
    property: str
    file: str | None
    message: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, prop: str, file: str | None, message: str) -> None:
        self.findings.append(Finding(prop, file, message))

    def failed_properties(self) -> list[str]:
        return [p for p in PROPERTIES if any(f.property == p for f in self.findings)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files_checked": self.files_checked,
            "properties": {p: not any(f.property == p for f in self.findings) for p in PROPERTIES},
            "findings": [asdict(f) for f in self.findings],
        }


Verifier = Callable[[bytes, str], bool]


def _scan(path: Path, content_type: str) -> tuple[bagfile.Digests, bytes, bool]:
    """Digests, the first bytes, and whether active content markers occur (one streaming pass over the plaintext;
    ``crypto.EnvelopeError`` when a sealed file does not open)."""
    h256, h512, hsm3 = hashlib.sha256(), hashlib.sha512(), hashlib.new("sm3")
    size, head, tail, active = 0, b"", b"", False
    markers = _PDF_ACTIVE if content_type == "application/pdf" else _XML_ACTIVE if "xml" in content_type else ()
    for buffer, length in bagfile.read_chunks(path):
        chunk = memoryview(buffer)[:length]
        if not size:
            head = bytes(chunk[:16])
        size += length
        h256.update(chunk)
        h512.update(chunk)
        hsm3.update(chunk)
        if markers and not active:
            # in the chunk, or straddling the boundary with the previous one (markers are shorter than 16 bytes)
            seam = tail + bytes(chunk[:16])
            active = any(buffer.find(m, 0, length) != -1 or m in seam for m in markers)
            tail = bytes(chunk[-16:])
    return bagfile.Digests(size, h256.hexdigest(), h512.hexdigest(), hsm3.hexdigest()), head, active


def _usable(path: Path, content_type: str) -> str | None:
    """None when the file opens as its declared format, else the reason."""
    try:
        if content_type == "application/pdf":
            from pypdf import PdfReader

            with open_plain(path) as fh:
                reader = PdfReader(fh, strict=False)
                if len(reader.pages) < 1:
                    return "PDF has no pages"
                reader.pages[0].extract_text()
        elif content_type.startswith("image/"):
            from PIL import Image

            with open_plain(path) as fh, Image.open(fh) as img:
                img.verify()
            with open_plain(path) as fh, Image.open(fh) as img:
                if img.format == "JPEG":
                    # Decode at 1/8 scale: every block of the entropy-coded data is still decoded (a truncated or
                    # broken scan fails), but a 20-megapixel scan takes ~1 MB instead of 60 MB.
                    img.draft(img.mode, (max(img.width // 8, 1), max(img.height // 8, 1)))
                img.load()
        elif content_type == "application/json":
            with open_plain(path) as fh:
                json.load(fh)
        elif content_type == "application/xml":
            from xml.etree import ElementTree as ET  # noqa: S405

            # DOCTYPE/ENTITY declarations are refused by the security check before we get here.
            with open_plain(path) as fh:
                ET.parse(fh)  # noqa: S314
        elif content_type == "text/plain":
            with open_plain(path) as fh:
                while chunk := fh.read(bagfile.CHUNK):
                    chunk.decode("utf-8")
    except Exception as exc:  # any parser failure means the file is not usable
        return f"does not open as {content_type}: {type(exc).__name__}: {str(exc)[:120]}"
    return None


def _is_exec(head: bytes) -> bool:
    return any(head.startswith(m) for m in _EXEC_MAGIC) or head.startswith(b"PK\x03\x04")


def check_package(root: Path, expected: list[ExpectedFile], verify: Verifier) -> Report:
    report = Report()
    if not root.is_dir():
        report.add("integrity", None, f"package folder missing: {root.name}")
        return report

    # Integrity of the bag structure.
    for name in (*TAG_FILES, "tagmanifest-sha256.txt", "tagmanifest-sha512.txt", METADATA_JSON, METADATA_XML):
        if not (root / name).is_file():
            report.add("integrity", name, "required file missing")
    manifests: dict[str, dict[str, str]] = {}
    for alg in bagfile.ALGORITHMS:
        path = root / f"manifest-{alg}.txt"
        manifests[alg] = bagfile.read_manifest(path) if path.is_file() else {}

    # Authenticity of the tag files (a rewritten manifest or bag-info shows here).
    for alg in bagfile.ALGORITHMS:
        path = root / f"tagmanifest-{alg}.txt"
        if not path.is_file():
            continue
        for rel, digest in bagfile.read_manifest(path).items():
            tag = root / rel
            if tag.is_file() and hashlib.new(alg, tag.read_bytes()).hexdigest() != digest:
                report.add("authenticity", rel, f"{alg} of tag file does not match the tag manifest")

    expected_by_name = {e.name: e for e in expected}
    seen: set[str] = set()
    root_resolved = root.resolve()

    # Security of the folders (read-only, nothing for others).
    for path in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        mode = path.lstat().st_mode
        if mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or mode & stat.S_IRWXO:
            report.add("security", str(path.relative_to(root)) or ".", f"folder is not read-only ({oct(mode & 0o777)})")

    for path in bagfile.payload_files(root):
        rel = path.relative_to(root).as_posix()
        seen.add(rel)
        report.files_checked += 1
        if path.is_symlink() or not path.resolve().is_relative_to(root_resolved):
            report.add("security", rel, "link pointing outside the package")
            continue
        mode = path.lstat().st_mode
        if mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or mode & stat.S_IRWXO:
            report.add("security", rel, f"file is not read-only ({oct(mode & 0o777)})")
        exp = expected_by_name.get(rel)
        content_type = exp.content_type if exp else "application/octet-stream"
        if exp is None:
            report.add("integrity", rel, "file not recorded in the archive database")
        if rel not in manifests["sha256"]:
            report.add("integrity", rel, "file not listed in the bag manifest")
        try:
            digests, head, active = _scan(path, content_type)
        except (EnvelopeError, OSError) as exc:
            report.add("authenticity", rel, f"sealed file does not open (altered or moved): {exc}")
            continue
        if _is_exec(head):
            report.add("security", rel, "executable or archive content")
        if active:
            report.add("security", rel, "active content (script, launch action, embedded file or entity)")
        for alg in bagfile.ALGORITHMS:
            listed = manifests[alg].get(rel)
            if listed is not None and listed != getattr(digests, alg):
                report.add("authenticity", rel, f"{alg} differs from the bag manifest")
        if exp is not None:
            if exp.sha256 != digests.sha256 or exp.sm3 != digests.sm3 or exp.sha512 != digests.sha512:
                report.add("authenticity", rel, "fixity (SHA-256/SM3) differs from the value recorded at ingest")
            suffixes = ALLOWED_FORMATS.get(content_type)
            if suffixes is None or path.suffix.lower() not in suffixes:
                report.add("usability", rel, f"format {content_type} ({path.suffix}) is not on the allowed list")
            elif not (active and "xml" in content_type):
                problem = _usable(path, content_type)
                if problem:
                    report.add("usability", rel, problem)
            if exp.signature is not None:
                if exp.signed_fields is None or not verify(canonical_bytes(exp.signed_fields), exp.signature):
                    report.add("authenticity", rel, "signature does not verify over the signed key fields")

    for name in sorted(set(expected_by_name) - seen):
        report.add("integrity", name, "file missing from the package")
    for name in sorted(set(manifests["sha256"]) - seen - set(expected_by_name)):
        report.add("integrity", name, "file in the manifest missing from the package")

    _check_metadata(root, report, expected_by_name)
    _check_signatures_file(root, report, expected_by_name, verify)
    return report


def _check_metadata(root: Path, report: Report, expected: dict[str, ExpectedFile]) -> None:
    path = root / METADATA_JSON
    if not path.is_file():
        return
    try:
        meta = json.loads(read_plain(path).decode("utf-8"))
    except EnvelopeError:
        return  # reported as an authenticity finding already
    except (ValueError, UnicodeDecodeError):
        report.add("integrity", METADATA_JSON, "metadata is not readable JSON")
        return
    for element in missing_elements(meta):
        report.add("integrity", METADATA_JSON, f"metadata element missing: {element}")
    roles = {entry.get("role") for entry in meta.get("files") or []}
    if "form" not in roles:
        report.add("integrity", METADATA_JSON, "required document missing: form")
    described = {f"data/{entry.get('name')}" for entry in meta.get("files") or []}
    for name, exp in expected.items():
        if not name.startswith("data/metadata/") and name not in described:
            report.add("integrity", name, f"{exp.role} not described in the metadata")
    xml_path = root / METADATA_XML
    if xml_path.is_file():
        from xml.etree import ElementTree as ET  # noqa: S405

        try:
            raw = read_plain(xml_path)
            if any(m in raw for m in _XML_ACTIVE):
                return  # reported as a security finding already
            case_no = ET.fromstring(raw).findtext("{urn:smarthall:archive:core-metadata:1}case_no")  # noqa: S314
        except ET.ParseError:
            report.add("usability", METADATA_XML, "metadata XML does not parse")
            return
        except EnvelopeError:
            return  # reported as an authenticity finding already
        if case_no != meta.get("case_no"):
            report.add("integrity", METADATA_XML, "XML and JSON metadata disagree on the case number")


def _check_signatures_file(root: Path, report: Report, expected: dict[str, ExpectedFile], verify: Verifier) -> None:
    """The package carries the signatures too, so it stays verifiable outside the system (with the public key)."""
    path = root / "data/metadata/signatures.json"
    signed = {name: e for name, e in expected.items() if e.signature}
    if not signed:
        return
    if not path.is_file():
        report.add("integrity", "data/metadata/signatures.json", "signature file missing")
        return
    try:
        entries = json.loads(read_plain(path).decode("utf-8")).get("signatures", [])
    except EnvelopeError:
        return  # reported as an authenticity finding already
    except (ValueError, UnicodeDecodeError, AttributeError):
        report.add("integrity", "data/metadata/signatures.json", "signature file is not readable JSON")
        return
    by_file = {f"data/{e.get('file')}": e for e in entries if isinstance(e, dict)}
    for name in signed:
        entry = by_file.get(name)
        if entry is None:
            report.add("integrity", name, "signature not in the package's signature file")
        elif not verify(canonical_bytes(entry.get("signed_fields") or {}), str(entry.get("signature") or "")):
            report.add("authenticity", name, "packaged signature does not verify over its key fields")
