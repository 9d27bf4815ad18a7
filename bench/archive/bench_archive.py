"""Archive benchmarks: packages built per minute for a typical case (5 files, ~2 MB), and a full re-verification
of many stored packages with the process's memory sampled along the way (it must stay flat).

Usage: .venv/bin/python bench/archive/bench_archive.py [--build N] [--verify M]
Runs on a throw-away SQLite database and data directory under /tmp. Never run by `make test`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fpdf import FPDF
from PIL import Image

from smarthall import migrate
from smarthall.archive import service as archive_service
from smarthall.core import subjects
from smarthall.core.clock import FrozenClock
from smarthall.core.config import Settings
from smarthall.core.crypto import canonical_bytes
from smarthall.core.subjects import ArchivalFile, ArchivalInput
from smarthall.demo import seed_demo
from smarthall.main import create_app

KEY = "c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc="


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pdf_of(path: Path, target_bytes: int, seed: int) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, f"document {seed}")
    if target_bytes > 5000:
        side = int((target_bytes / 3) ** 0.5)
        rnd = random.Random(seed)
        img = Image.frombytes("RGB", (side, side), rnd.randbytes(side * side * 3))
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        buf.seek(0)
        pdf.image(buf, x=10, y=30, w=120)
    pdf.output(str(path))


def jpeg_of(path: Path, target_bytes: int, seed: int) -> None:
    side = max(int((target_bytes / 1.2) ** 0.5), 16)
    rnd = random.Random(seed)
    Image.frombytes("RGB", (side, side), rnd.randbytes(side * side * 3)).save(path, format="JPEG", quality=90)


def make_templates(folder: Path, total: int) -> list[tuple[str, str, Path, str]]:
    """Five documents of a typical case summing to about ``total`` bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    share = total // 5
    files = []
    for i, (role, name) in enumerate(
        [
            ("material", "application.pdf"),
            ("material", "id_card.jpg"),
            ("material", "licence_old.pdf"),
            ("notice", "acceptance.pdf"),
            ("result", "licence.pdf"),
        ]
    ):
        path = folder / name
        if name.endswith(".jpg"):
            jpeg_of(path, share, i)
        else:
            pdf_of(path, share, i)
        files.append((role, name, path, "image/jpeg" if name.endswith(".jpg") else "application/pdf"))
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=int, default=30, help="typical packages to build (5 files, 2 MB)")
    parser.add_argument("--verify", type=int, default=2000, help="small packages to build and then re-verify")
    parser.add_argument("--size", type=int, default=2_000_000)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        url = f"sqlite:///{root / 'bench.db'}"
        settings = Settings(
            environment="test", data_dir=root, database_url=url, field_key=KEY, log_json=False, log_level="WARNING"
        )
        clock = FrozenClock(datetime(2026, 11, 30, 1, 30, tzinfo=UTC))
        app = create_app(settings, clock=clock)
        migrate.upgrade(url)
        with app.state.db.unit_of_work() as session:
            seed_demo(session, password="bench-password-1")
        signer = app.state.signer
        cases: dict[str, ArchivalInput] = {}
        subjects.register_archival_source(lambda _s, no: cases.get(no))

        def add_case(case_no: str, templates: list[tuple[str, str, Path, str]]) -> None:
            files = []
            for role, name, path, ctype in templates:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                signed = sig = None
                if role == "result":
                    signed = {"case_no": case_no, "sha256": digest}
                    sig = signer.sign(canonical_bytes(signed))
                files.append(ArchivalFile(role, name, path, ctype, digest, signed, sig))
            now = clock.now()
            cases[case_no] = ArchivalInput(
                case_no=case_no,
                title=f"企业设立登记 {case_no}",
                item_code="SC-001",
                item_name="企业设立登记",
                item_type="行政许可",
                hall_code="H-690102",
                department_code="SC",
                applicant_name="王小明",
                submitted_at=now - timedelta(days=2),
                finished_at=now,
                final_status="approved",
                form={"company": "测试有限公司"},
                files=files,
                events=[{"at": now.isoformat(), "action": "approved"}],
            )

        typical = make_templates(root / "src-typical", args.size)
        size = sum(p.stat().st_size for _r, _n, p, _c in typical)
        for i in range(args.build):
            add_case(f"B{i:06d}", typical)
        started = time.perf_counter()
        for i in range(args.build):
            assert archive_service.build_package(app.state.db, settings, f"B{i:06d}", now=clock.now()) == "complete"
        build_s = time.perf_counter() - started
        print(
            f"build: {args.build} packages of 5 files, {size / 1e6:.2f} MB each, in {build_s:.1f} s "
            f"= {args.build / build_s * 60:.0f} packages/min (includes the ingest check)"
        )

        small = make_templates(root / "src-small", 20_000)
        for i in range(args.verify):
            add_case(f"V{i:06d}", small)
            archive_service.build_package(app.state.db, settings, f"V{i:06d}", now=clock.now())
        total = args.build + args.verify
        samples = []
        started = time.perf_counter()
        checked = failed = 0
        for _case_no, report in archive_service.verify_all(
            app.state.db, settings, trigger="scheduled", now=clock.now()
        ):
            checked += 1
            failed += 0 if report.ok else 1
            if checked % max(total // 10, 1) == 0:
                samples.append(round(rss_mb(), 1))
        verify_s = time.perf_counter() - started
        print(
            f"verify: {checked} packages ({args.build} typical + {args.verify} small), {failed} failed, "
            f"in {verify_s:.1f} s = {checked / verify_s:.0f} packages/s"
        )
        print(f"RSS MB at each tenth of the run: {samples}  (peak {max(samples):.1f} MB)")

        # The operator's path: `smarthall archive verify --all` in a process of its own (no web app loaded).
        env = {
            **os.environ,
            "SMARTHALL_DATABASE_URL": url,
            "SMARTHALL_DATA_DIR": str(root),
            "SMARTHALL_FIELD_KEY": KEY,
            "SMARTHALL_LOG_JSON": "false",
            "SMARTHALL_LOG_LEVEL": "WARNING",
        }
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "smarthall.cli", "archive", "verify", "--all"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        cli_s = time.perf_counter() - started
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"cli: `smarthall archive verify --all` exit {result.returncode}, {result.stdout.strip()}, "
            f"{cli_s:.1f} s, peak RSS {peak_kb / 1024:.1f} MB"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
        os.sync()


if __name__ == "__main__":
    main()
