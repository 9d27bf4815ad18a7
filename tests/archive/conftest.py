"""A stand-in for the cases domain (not merged into this branch): ``TestCaseSource`` holds finished cases built in
the test with real files — PDFs from fpdf2, a JPEG from Pillow, the result signed with the app's signer — and is
registered as the archival source for the duration of one test (the previous source is restored afterwards)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from PIL import Image

from smarthall.core import subjects
from smarthall.core.crypto import canonical_bytes
from smarthall.core.events import emit
from smarthall.core.subjects import ArchivalFile, ArchivalInput


def make_pdf(path: Path, lines: list[str], *, pad_to: int = 0) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    if pad_to:
        # an incompressible image makes the file as large as a scanned document
        side = max(int((pad_to / 3) ** 0.5), 8)
        noise = Image.frombytes("RGB", (side, side), hashlib.sha256(b"seed").digest() * (side * side * 3 // 32 + 1))
        buf = io.BytesIO()
        noise.save(buf, format="PNG")
        buf.seek(0)
        pdf.image(buf, x=10, y=60, w=100)
    pdf.output(str(path))
    return path


def make_jpeg(path: Path, size: tuple[int, int] = (320, 200)) -> Path:
    Image.new("RGB", size, (200, 30, 30)).save(path, format="JPEG")
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class TestCaseSource:
    __test__ = False

    def __init__(self, env: Any, root: Path) -> None:
        self.env = env
        self.root = root
        self.cases: dict[str, ArchivalInput] = {}

    def __call__(self, session: Any, case_no: str) -> ArchivalInput | None:
        return self.cases.get(case_no)

    def add(
        self,
        case_no: str,
        *,
        item_code: str = "SC-001",
        item_type: str = "行政许可",
        hall_code: str = "H-690102",
        bad_signature: bool = False,
        corrupt_pdf: bool = False,
        pad_to: int = 0,
        extra_files: list[ArchivalFile] | None = None,
    ) -> ArchivalInput:
        folder = self.root / case_no
        folder.mkdir(parents=True)
        application = make_pdf(folder / "application.pdf", [f"Application {case_no}"], pad_to=pad_to)
        photo = make_jpeg(folder / "id_card.jpg")
        notice = make_pdf(folder / "acceptance.pdf", [f"Acceptance notice {case_no}"])
        result = make_pdf(folder / "licence.pdf", [f"Licence for {case_no}"])
        if corrupt_pdf:
            notice.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
        signed = {"case_no": case_no, "licence_no": f"L-{case_no}", "sha256": sha256_of(result)}
        signature = self.env.app.state.signer.sign(canonical_bytes(signed))
        if bad_signature:
            signed = {**signed, "licence_no": f"L-{case_no}-FORGED"}
        files = [
            ArchivalFile("material", "application.pdf", application, "application/pdf", sha256_of(application)),
            ArchivalFile("material", "身份证.jpg", photo, "image/jpeg", sha256_of(photo)),
            ArchivalFile("notice", "acceptance.pdf", notice, "application/pdf", sha256_of(notice)),
            ArchivalFile("result", "licence.pdf", result, "application/pdf", sha256_of(result), signed, signature),
            *(extra_files or []),
        ]
        now = self.env.clock.now()
        source = ArchivalInput(
            case_no=case_no,
            title=f"企业设立登记 {case_no}",
            item_code=item_code,
            item_name="企业设立登记",
            item_type=item_type,
            hall_code=hall_code,
            department_code="SC",
            applicant_name="王小明",
            submitted_at=now - timedelta(days=3),
            finished_at=now,
            final_status="approved",
            form={"company_name": "云澜测试有限公司", "capital": 100},
            files=files,
            events=[
                {"at": now - timedelta(days=3), "action": "submitted"},
                {"at": now, "action": "approved"},
            ],
        )
        self.cases[case_no] = source
        return source

    def finish(self, case_no: str, status: str = "approved") -> None:
        """What the cases domain does when a case reaches a final state: ``case.finished`` (a decision) and
        ``case.closed`` (its last act, on which the archive builds), after commit."""
        source = self.cases[case_no]
        with self.env.db.unit_of_work() as session:
            emit(session, "case.finished", case_no=case_no, hall_code=source.hall_code, status=status)
            emit(session, "case.closed", case_no=case_no, hall_code=source.hall_code, status=status)


@pytest.fixture
def cases(env: Any, tmp_path: Path) -> Iterator[TestCaseSource]:
    previous = dict(subjects._archival_source)
    source = TestCaseSource(env, tmp_path / "case-files")
    subjects.register_archival_source(source)
    yield source
    subjects._archival_source.clear()
    subjects._archival_source.update(previous)


def plain_copy(root: Path, dest: Path) -> Path:
    """The bag at ``root`` with its sealed payload decrypted (what an authorised export holds), for BagIt tools."""
    from smarthall.core.crypto import read_plain

    for path in root.rglob("*"):
        if path.is_file():
            target = dest / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read_plain(path))
    return dest
