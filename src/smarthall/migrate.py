"""Run Alembic migrations from inside the package (``smarthall db upgrade``, and ``serve`` at start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


# The PostgreSQL advisory lock every upgrade holds: app nodes started together (``smarthall serve`` migrates
# before it serves) take turns; the second finds the schema at head. Without it two starts on an empty database
# both created ``alembic_version`` and the second died (found following docs/deployment.md from scratch).
UPGRADE_LOCK = 44_888_2024


def upgrade(url: str, revision: str = "head") -> None:
    if not url.startswith("postgresql"):
        command.upgrade(alembic_config(url), revision)  # SQLite: one node only; its own file lock serialises
        return
    from sqlalchemy import create_engine, pool, text

    engine = create_engine(url, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as lock:  # autocommit: the lock's session holds no snapshot nor table locks
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
            try:
                command.upgrade(alembic_config(url), revision)
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
    finally:
        engine.dispose()


def revision(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
