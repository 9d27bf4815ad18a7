"""Archive benchmarks: packages built per minute for a typical case (5 files, ~2 MB), and a full re-verification
of many stored packages with the memory of each verifying process sampled along the way (it must stay flat and
under 200 MB).

Usage: .venv/bin/python bench/archive/bench_archive.py [--build N] [--verify M] [--keep DIR]
Runs on a throw-away SQLite database and data directory under /tmp (or DIR, kept). Never run by `make test`.

The re-verification is measured in three processes:
- this one, after building the store (the web app loaded, as in a server that runs the nightly check itself);
- a fresh worker-like process: the web app created as `smarthall worker` does, then the scheduled check's loop;
- `smarthall archive verify --all` as its own process (the operator's path).
For the two app processes the figure is the plateau (VmRSS at each tenth) and the peak during verification
(VmHWM reset just before it: app start-up has its own transient, Argon2's 64 MiB dummy hash). For the CLI it is the
peak of the whole process, read from /proc while it runs: ``getrusage(RUSAGE_CHILDREN)`` would report this
process's own peak, since the child is forked from it before exec.
The fixture documents are made in a child process, and each case's input is made when the archive asks for it, so
this process holds nothing of the fixtures beyond the application itself.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

KEY = "c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc="
NOW = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
DOCUMENTS = [
    ("material", "application.pdf"),
    ("material", "id_card.jpg"),
    ("material", "licence_old.pdf"),
    ("notice", "acceptance.pdf"),
    ("result", "licence.pdf"),
]


def status_mb() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    return out


def reset_peak() -> None:
    """Reset this process's VmHWM to its current RSS (Linux ≥ 4.0), so the next reading is the peak from now on."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


# ------------------------------------------------------------------------------------------ fixtures (child)


def make_fixtures(root: Path, size: int) -> None:
    from fpdf import FPDF
    from PIL import Image

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

    for folder, total in (("src-typical", size), ("src-small", 20_000)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for i, (_role, name) in enumerate(DOCUMENTS):
            (jpeg_of if name.endswith(".jpg") else pdf_of)(root / folder / name, total // 5, i)


# ------------------------------------------------------------------------------------------ verification


def verify_here(database: Any, settings: Any, total: int, trigger: str) -> dict[str, Any]:
    from smarthall.archive import service as archive_service

    samples = []
    reset_peak()
    before = status_mb()["VmRSS"]
    started = time.perf_counter()
    checked = failed = 0
    for _case_no, report in archive_service.verify_all(database, settings, trigger=trigger, now=NOW):
        checked += 1
        failed += 0 if report.ok else 1
        if checked % max(total // 10, 1) == 0:
            samples.append(status_mb()["VmRSS"])
    seconds = time.perf_counter() - started
    return {
        "checked": checked,
        "failed": failed,
        "seconds": round(seconds, 1),
        "rss_before": before,
        "rss_tenths": samples,
        "peak_during": status_mb()["VmHWM"],
    }


def settings_for(root: Path) -> Any:
    from smarthall.core.config import Settings

    return Settings(
        environment="test",
        data_dir=root,
        database_url=f"sqlite:///{root / 'bench.db'}",
        field_key=KEY,
        log_json=False,
        log_level="WARNING",
    )


def worker_verify(root: Path, total: int) -> None:
    """A fresh process with the web app, as `smarthall worker` creates it, running the scheduled check's loop."""
    from smarthall.core.clock import FrozenClock
    from smarthall.main import create_app

    settings = settings_for(root)
    app = create_app(settings, clock=FrozenClock(NOW))
    result = verify_here(app.state.db, settings, total, "scheduled")
    result["rss_app_loaded"] = result["rss_before"]
    print(json.dumps(result))


def run_child(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run a child, sampling its VmRSS and VmHWM from /proc every 0.5 s."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    rss: list[float] = []
    hwm = 0.0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss.append(int(line.split()[1]) / 1024)
                elif line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.5)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    tenths = [round(rss[min(len(rss) - 1, len(rss) * k // 10)], 1) for k in range(1, 11)] if rss else []
    done = subprocess.CompletedProcess(args, proc.returncode, out, err)
    return done, {"seconds": round(seconds, 1), "rss_tenths": tenths, "peak": round(hwm, 1)}


# ------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=int, default=30, help="typical packages to build (5 files, 2 MB)")
    parser.add_argument("--verify", type=int, default=2000, help="small packages to build and then re-verify")
    parser.add_argument("--size", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    parser.add_argument("--make-fixtures", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-verify", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--total", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_fixtures:
        make_fixtures(args.make_fixtures, args.size)
        return
    if args.worker_verify:
        worker_verify(args.worker_verify, args.total)
        return

    from smarthall import migrate
    from smarthall.archive import service as archive_service
    from smarthall.core import subjects
    from smarthall.core.clock import FrozenClock
    from smarthall.core.crypto import canonical_bytes
    from smarthall.core.subjects import ArchivalFile, ArchivalInput
    from smarthall.demo import seed_demo
    from smarthall.main import create_app

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-archive-"))
    root.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SMARTHALL_DATABASE_URL": f"sqlite:///{root / 'bench.db'}",
        "SMARTHALL_DATA_DIR": str(root),
        "SMARTHALL_FIELD_KEY": KEY,
        "SMARTHALL_LOG_JSON": "false",
        "SMARTHALL_LOG_LEVEL": "WARNING",
    }
    try:
        fixtures = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--make-fixtures", str(root), "--size", str(args.size)], check=False
        )
        assert fixtures.returncode == 0, "fixtures not made"
        settings = settings_for(root)
        clock = FrozenClock(NOW)
        app = create_app(settings, clock=clock)
        migrate.upgrade(settings.resolved_database_url)
        with app.state.db.unit_of_work() as session:
            seed_demo(session, password="bench-password-1")
        signer = app.state.signer
        digests = {
            folder: [hashlib.sha256((root / folder / name).read_bytes()).hexdigest() for _r, name in DOCUMENTS]
            for folder in ("src-typical", "src-small")
        }

        def source(_session: Any, case_no: str) -> ArchivalInput | None:
            """Each case's input is made on demand from its number (B… typical, V… small)."""
            folder = {"B": "src-typical", "V": "src-small"}.get(case_no[:1])
            if folder is None:
                return None
            files = []
            for (role, name), digest in zip(DOCUMENTS, digests[folder], strict=True):
                signed = sig = None
                if role == "result":
                    signed = {"case_no": case_no, "sha256": digest}
                    sig = signer.sign(canonical_bytes(signed))
                ctype = "image/jpeg" if name.endswith(".jpg") else "application/pdf"
                files.append(ArchivalFile(role, name, root / folder / name, ctype, digest, signed, sig))
            return ArchivalInput(
                case_no=case_no,
                title=f"企业设立登记 {case_no}",
                item_code="SC-001",
                item_name="企业设立登记",
                item_type="行政许可",
                hall_code="H-690102",
                department_code="SC",
                applicant_name="王小明",
                submitted_at=NOW - timedelta(days=2),
                finished_at=NOW,
                final_status="approved",
                form={"company": "测试有限公司"},
                files=files,
                events=[{"at": NOW.isoformat(), "action": "approved"}],
            )

        subjects.register_archival_source(source)
        size = sum((root / "src-typical" / name).stat().st_size for _r, name in DOCUMENTS)
        started = time.perf_counter()
        for i in range(args.build):
            assert archive_service.build_package(app.state.db, settings, f"B{i:06d}", now=clock.now()) == "complete"
        build_s = time.perf_counter() - started
        print(
            f"build: {args.build} packages of 5 files, {size / 1e6:.2f} MB each, in {build_s:.1f} s "
            f"= {args.build / build_s * 60:.0f} packages/min (includes the ingest check)"
        )
        started = time.perf_counter()
        for i in range(args.verify):
            assert archive_service.build_package(app.state.db, settings, f"V{i:06d}", now=clock.now()) == "complete"
        small_s = time.perf_counter() - started
        small = sum((root / "src-small" / name).stat().st_size for _r, name in DOCUMENTS)
        print(f"build: {args.verify} small packages (5 files, {small / 1e3:.1f} KB in all) in {small_s:.1f} s")
        total = args.build + args.verify

        here = verify_here(app.state.db, settings, total, "scheduled")
        print(
            f"verify, this process (web app loaded, after building): {here['checked']} packages, {here['failed']} "
            f"failed, {here['seconds']} s = {here['checked'] / here['seconds']:.0f} packages/s; RSS before "
            f"{here['rss_before']} MB, at each tenth {here['rss_tenths']}, peak during {here['peak_during']} MB"
        )

        done, watch = run_child(
            [sys.executable, __file__, "--worker-verify", str(root), "--total", str(total)], {**env}
        )
        assert done.returncode == 0, done.stderr[-2000:]
        worker = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"verify, fresh worker-like process (create_app, then the scheduled loop): {worker['checked']} packages, "
            f"{worker['failed']} failed, {worker['seconds']} s; RSS with the app loaded {worker['rss_app_loaded']} MB, "
            f"at each tenth {worker['rss_tenths']}, peak during {worker['peak_during']} MB "
            f"(whole process {watch['peak']} MB)"
        )

        done, watch = run_child([sys.executable, "-m", "smarthall.cli", "archive", "verify", "--all"], env)
        print(
            f"cli: `smarthall archive verify --all` exit {done.returncode}, {done.stdout.strip()}, "
            f"{watch['seconds']} s, RSS at each tenth of the time {watch['rss_tenths']}, peak {watch['peak']} MB"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
        os.sync()


if __name__ == "__main__":
    main()
