"""Browser tests of the archive pages reuse the stand-in case source of tests/archive."""

from tests.archive.conftest import cases  # noqa: F401
