"""``smarthall`` command line: serve, db upgrade, catalog import, seed, audit verify, staff password."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from smarthall.core.config import Settings

app = typer.Typer(help="smarthall 智慧政务服务大厅", no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database", no_args_is_help=True)
catalog_app = typer.Typer(help="Service catalog", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts", no_args_is_help=True)
archive_app = typer.Typer(help="Electronic archive (归档)", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(audit_app, name="audit")
app.add_typer(staff_app, name="staff")
app.add_typer(archive_app, name="archive")
demo_app = typer.Typer(help="Demo data", no_args_is_help=True)
facts_app = typer.Typer(help="Operations facts (运营事实)", no_args_is_help=True)
app.add_typer(demo_app, name="demo")
app.add_typer(facts_app, name="facts")
files_app = typer.Typer(help="Files at rest (uploads, documents, archive payload)", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys", no_args_is_help=True)
app.add_typer(files_app, name="files")
app.add_typer(keys_app, name="keys")
payments_app = typer.Typer(help="Payments (缴费)", no_args_is_help=True)
app.add_typer(payments_app, name="payments")


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    from smarthall.core.crypto import setup_security
    from smarthall.core.db import Database

    setup_security(settings)
    return Database(settings.resolved_database_url, pool_size=2)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    from smarthall import migrate

    settings = Settings()
    settings.ensure_dirs()
    migrate.upgrade(settings.resolved_database_url)
    typer.echo("database is at head")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m")]) -> None:
    """Autogenerate a migration from the models (developers)."""
    from smarthall import migrate

    migrate.revision(Settings().resolved_database_url, message)


@db_app.command("partitions")
def db_partitions(
    ahead: Annotated[int, typer.Option(min=0, max=36, help="months after this one to make")] = 3,
    drop_before: Annotated[
        str | None, typer.Option(help="retention: drop the month partitions before this month (YYYY-MM)")
    ] = None,
) -> None:
    """Make the coming months' partitions of the partitioned tables (PostgreSQL; run monthly; nothing on SQLite);
    with ``--drop-before``, drop whole months older than that (only once the archive holds those cases)."""
    from datetime import UTC, date, datetime

    from smarthall.core import partitions

    cutoff = None
    if drop_before is not None:
        try:
            cutoff = date.fromisoformat(drop_before + "-01")
        except ValueError as exc:
            raise typer.BadParameter("YYYY-MM", param_hint="--drop-before") from exc
    settings = Settings()
    database = _database(settings)
    with database.engine.begin() as conn:
        made = partitions.ensure_months(conn, today=datetime.now(UTC).date(), ahead=ahead)
        dropped = []
        if cutoff is not None:
            for table in partitions.PARTITIONED:
                dropped += partitions.drop_months_before(conn, table, cutoff)
    typer.echo(f"partitions made: {', '.join(made) if made else 'none needed'}")
    if cutoff:
        typer.echo(f"partitions dropped: {', '.join(dropped) if dropped else 'none'}")


@catalog_app.command("import")
def catalog_import(path: Path) -> None:
    """Import a catalog file; all or nothing; a second import of the same file changes nothing."""
    from smarthall.catalog import importer
    from smarthall.core.errors import HallError

    settings = Settings()
    database = _database(settings)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot read {path}: {exc}", err=True)
        raise typer.Exit(2)
    try:
        with database.unit_of_work() as session:
            report = importer.import_catalog(session, text)
    except HallError as exc:
        typer.echo(f"{exc.message_zh_} / {exc.message_en_}", err=True)
        for fault in exc.detail or []:
            typer.echo(
                f"  line {fault.get('line')}, column {fault.get('column')}: {fault['path']}: {fault['message']}",
                err=True,
            )
        raise typer.Exit(1)
    typer.echo(
        f"imported: created {dict(report.created)}, updated {dict(report.updated)}, "
        f"deactivated {dict(report.deactivated)}; {'changed' if report.changed else 'nothing changed'}"
    )
    if report.staff:
        typer.echo(f"staff section not imported ({len(report.staff)} entries): use `smarthall staff import` or /staff")


@app.command("seed")
def seed(base_url: str = "http://127.0.0.1:8000") -> None:
    """Load the demo province (catalog, staff with the demo password, kiosk and display devices) and print a
    one-time pairing URL for each demo device (open it on the device's browser)."""
    from smarthall.core.models import utcnow
    from smarthall.demo import seed_demo
    from smarthall.venue import service as venue_service

    settings = Settings()
    database = _database(settings)
    with database.unit_of_work() as session:
        result = seed_demo(session, password=settings.demo_password)
        pairings = venue_service.demo_pairings(session, result["hall"], base_url=base_url, now=utcnow())
    typer.echo(f"demo loaded in hall {result['hall']}")
    for p in pairings:
        typer.echo(f"pair {p.device_code}: {p.pair_url}  (once, until {p.expires_at:%H:%M} UTC)")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit hash chain; exit 1 naming the first broken row."""
    from smarthall.audit import service as audit_service

    database = _database(Settings())
    with database.unit_of_work(write=False) as session:
        result = audit_service.verify_chain(session)
    if result.ok:
        typer.echo(f"audit chain intact: {result.checked} rows")
        return
    typer.echo(
        f"audit chain BROKEN at seq {result.first_broken_seq} (row id {result.first_broken_id}): "
        f"{result.reason}; {result.checked} rows verified before it",
        err=True,
    )
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's current head into the checkpoint stores now (the server does it every 5 minutes too)."""
    from smarthall.audit import service as audit_service

    database = _database(Settings())
    with database.unit_of_work(write=False) as session:
        written = audit_service.checkpoint_now(session)
    typer.echo(f"checkpoint written at seq {written['seq']}" if written else "head already covered by a checkpoint")


@audit_app.command("checkpoints")
def audit_checkpoints(after_seq: Annotated[int, typer.Option("--after-seq")] = 0) -> None:
    """Print the signed checkpoints (JSON lines) and, first, the public key to check them with."""
    import json

    from smarthall.audit import service as audit_service

    _database(Settings())
    export = audit_service.checkpoint_export(after_seq=after_seq, limit=10**9)
    typer.echo(export["public_key_pem"].strip())
    for item in export["checkpoints"]:
        typer.echo(json.dumps(item, sort_keys=True, separators=(",", ":")))


@archive_app.command("verify")
def archive_verify(
    case_no: Annotated[str | None, typer.Argument(help="One case number")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every complete package")] = False,
) -> None:
    """Run the four-property checks; exit 1 naming each failed file and property."""
    from smarthall.archive import service as archive_service
    from smarthall.core.clock import SystemClock
    from smarthall.core.errors import HallError

    if bool(case_no) == all_:
        typer.echo("give either a CASE_NO or --all", err=True)
        raise typer.Exit(2)
    settings = Settings()
    database = _database(settings)
    now = SystemClock().now()
    checked = failed = 0
    try:
        if case_no:
            with database.unit_of_work() as session:
                session.info["db"] = database
                results = [(case_no, archive_service.check_package(session, settings, case_no, trigger="cli", now=now))]
        else:
            results = archive_service.verify_all(database, settings, trigger="cli", now=now)  # type: ignore[assignment]
        for number, report in results:
            checked += 1
            if report.ok:
                continue
            failed += 1
            for finding in report.findings:
                typer.echo(f"{number}: {finding.file or '-'}: {finding.property} FAILED: {finding.message}", err=True)
    except HallError as exc:
        typer.echo(f"{case_no}: {exc.message_zh_} / {exc.message_en_}", err=True)
        raise typer.Exit(1)
    typer.echo(f"checked {checked} package(s), {failed} failed")
    if failed:
        raise typer.Exit(1)


def _report_pass(result, what: str = "file(s)") -> None:  # type: ignore[no-untyped-def]
    for line in result.failed:
        typer.echo(f"FAILED {line}", err=True)
    typer.echo(f"sealed {result.sealed} {what}, {result.skipped} already current, {len(result.failed)} failed")
    if result.failed:
        raise typer.Exit(1)


@files_app.command("re-encrypt")
def files_reencrypt(
    limit: Annotated[int | None, typer.Option(help="Rewrite at most this many files in this run")] = None,
) -> None:
    """Seal legacy plaintext files and re-seal files under an old key or cipher; resumable, safe while serving."""
    from smarthall import files_at_rest
    from smarthall.core.crypto import setup_security

    settings = Settings()
    setup_security(settings)
    _report_pass(files_at_rest.reencrypt(settings, limit=limit))


@files_app.command("rename-legacy")
def files_rename_legacy() -> None:
    """Rename documents and archive entries still named by their number (licence numbers) to kind and id; keeps
    verification and the archive checks working; resumable, safe while serving (run once after upgrading)."""
    from smarthall import files_at_rest
    from smarthall.core.crypto import setup_security
    from smarthall.core.models import utcnow

    settings = Settings()
    setup_security(settings)
    documents, packages = files_at_rest.rename_legacy(_database(settings), settings, now=utcnow())
    for line in [*documents.failed, *packages.failed]:
        typer.echo(f"FAILED {line}", err=True)
    typer.echo(
        f"documents: renamed {documents.renamed}, {documents.skipped} already named by kind and id; "
        f"archive packages: renamed {packages.renamed}, {packages.skipped} unchanged"
    )
    if documents.failed or packages.failed:
        raise typer.Exit(1)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a file key version (new files are sealed with it) and re-seal every file under it; the old key files
    stay until nothing uses them (run ``smarthall files re-encrypt`` again to finish an interrupted pass)."""
    from smarthall import files_at_rest
    from smarthall.core.crypto import add_file_key, setup_security

    settings = Settings()
    setup_security(settings)
    version, path = add_file_key(settings)
    typer.echo(f"added key version {version} ({path.name})")
    database = _database(settings)  # the ring now writes with the new version
    fields = files_at_rest.reencrypt_fields(database)
    typer.echo(f"fields: sealed {fields.sealed} row(s), {fields.skipped} already current, {len(fields.failed)} failed")
    _report_pass(files_at_rest.reencrypt(settings))
    if fields.failed:
        raise typer.Exit(1)


fields_app = typer.Typer(help="Sealed database fields", no_args_is_help=True)
app.add_typer(fields_app, name="fields")


@fields_app.command("re-encrypt")
def fields_reencrypt(batch: Annotated[int, typer.Option(help="Rows per transaction")] = 500) -> None:
    """Seal again every personal field not under the newest key version and the configured cipher; resumable."""
    from smarthall import files_at_rest

    settings = Settings()
    result = files_at_rest.reencrypt_fields(_database(settings), batch=batch)
    _report_pass(result, "row(s)")


@staff_app.command("import")
def staff_import(path: Path) -> None:
    """Create or update the staff accounts of a catalog-format file's ``staff`` section (console bootstrap: catalog
    import never writes staff); accounts get no password until ``staff set-password``."""
    from smarthall.catalog import importer
    from smarthall.core.errors import HallError
    from smarthall.identity import staffing

    try:
        text = path.read_text(encoding="utf-8")
        with _database(Settings()).unit_of_work() as session:
            entries = [p.model_dump() for p in importer.parse_catalog(text).staff]
            counts = staffing.provision(session, entries)
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot read {path}: {exc}", err=True)
        raise typer.Exit(2)
    except HallError as exc:
        typer.echo(f"{exc.message_zh_} / {exc.message_en_}: {exc.detail}", err=True)
        raise typer.Exit(1)
    typer.echo(f"staff: {counts}")


@staff_app.command("set-password")
def staff_set_password(username: str, password: Annotated[str, typer.Option(prompt=True, hide_input=True)]) -> None:
    """Set a staff member's password (and lift a lockout)."""
    from smarthall.identity import security
    from smarthall.identity import service as identity_service

    if security.password_problems(password):
        typer.echo("password needs at least 8 characters with letters and digits", err=True)
        raise typer.Exit(2)
    database = _database(Settings())
    with database.unit_of_work() as session:
        found = identity_service.set_staff_password(session, username=username, password=password)
    if not found:
        typer.echo(f"no staff member {username}", err=True)
        raise typer.Exit(1)
    typer.echo("password set")


@app.command("worker")
def worker(workers: int = 2) -> None:
    """Run the background task consumer on its own (with Redis, or beside a server on the same data dir)."""
    from smarthall.core.tasks import huey
    from smarthall.main import create_app

    create_app()
    huey.create_consumer(workers=workers, periodic=True, worker_type="thread").run()


@app.command("serve")
def serve(
    demo: Annotated[bool, typer.Option(help="Load the demo province before serving")] = False,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    history_days: Annotated[int, typer.Option(help="With --demo: past days of hall history to generate")] = 35,
) -> None:
    """Migrate the database, optionally load the demo (with its hall history), and serve the platform."""
    import uvicorn

    from smarthall import migrate

    settings = Settings()
    settings.ensure_dirs()
    migrate.upgrade(settings.resolved_database_url)
    if demo:
        seed(base_url=f"http://{host}:{port}")
        if history_days > 0:
            demo_history(days=history_days, halls=None, seed=20261202)
    typer.echo(f"serving on http://{host}:{port}", err=True)
    # Forwarded headers are honoured by the app itself, only from ``SMARTHALL_TRUSTED_PROXIES`` (core/config.py).
    uvicorn.run("smarthall.asgi:app", host=host, port=port, workers=workers, log_config=None, proxy_headers=False)


@demo_app.command("history")
def demo_history(
    days: Annotated[int, typer.Option(help="Past days to generate, ending yesterday")] = 60,
    halls: Annotated[list[str] | None, typer.Option("--halls", help="Hall codes (default: every active hall)")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated history")] = 20261202,
) -> None:
    """Generate past days of tickets, bookings, cases and ratings for the demo halls, then fold them into facts."""
    import time as _time

    from smarthall.core.clock import service_day
    from smarthall.operations import flows

    settings = Settings()
    database = _database(settings)
    started = _time.perf_counter()
    with database.unit_of_work() as session:
        result = flows.load_history(session, days=days, hall_codes=halls or None, seed=seed, now=_now(), today=None)
    typer.echo(f"history: {result} in {_time.perf_counter() - started:.1f} s (today {service_day(_now())})")


@facts_app.command("rebuild")
def facts_rebuild(
    halls: Annotated[list[str] | None, typer.Option("--halls", help="Hall codes (default: all facts)")] = None,
) -> None:
    """Drop and refold the facts from the raw records (all, or some halls)."""
    from smarthall.operations import flows

    database = _database(Settings())
    with database.unit_of_work() as session:
        folded = flows.rebuild(session, hall_codes=halls or None, now=_now())
    typer.echo(f"facts rebuilt: {folded} hall-days")


@facts_app.command("fold")
def facts_fold() -> None:
    """Fold the raw records changed since the last fold (what the minute job does)."""
    from smarthall.operations import service as operations_service

    database = _database(Settings())
    with database.unit_of_work() as session:
        folded = operations_service.fold_changed(session, now=_now())
    typer.echo(f"facts folded: {folded} hall-days")


@payments_app.command("reconcile")
def payments_reconcile(
    day: Annotated[str | None, typer.Option(help="YYYY-MM-DD (Asia/Shanghai); default yesterday")] = None,
    statement: Annotated[
        Path | None, typer.Option(help="the provider's statement, JSON: [{kind, txn_id, order_no, amount_fen}]")
    ] = None,
) -> None:
    """The daily reconciliation of payment orders against the provider's statement (the demo provider's own when
    no file is given): the report as JSON; exit code 1 when anything does not match (run daily, after midnight)."""
    import json
    from datetime import date, timedelta

    from smarthall.core.clock import service_day
    from smarthall.core.tenancy import SYSTEM
    from smarthall.payments import reconcile

    now = _now()
    try:
        the_day = date.fromisoformat(day) if day else service_day(now) - timedelta(days=1)
        lines = None
        if statement is not None:
            raw = json.loads(statement.read_text(encoding="utf-8"))
            lines = [reconcile.StatementLine(str(r["kind"]), str(r["txn_id"]), str(r["order_no"]),
                                             int(r["amount_fen"])) for r in raw]  # fmt: skip
    except (ValueError, KeyError, TypeError, OSError) as exc:
        typer.echo(f"bad --day or --statement: {exc}", err=True)
        raise typer.Exit(2) from exc
    database = _database(Settings())
    with database.unit_of_work() as session:
        if lines is None:
            lines = reconcile.demo_statement(session, the_day)
        report = reconcile.reconcile(session, SYSTEM, day=the_day, provider="demo", statement=lines, now=now)
    typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    if report.mismatches:
        raise typer.Exit(1)


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def main() -> None:  # pragma: no cover
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
