"""Browser tests of the evaluation pages reuse the stand-in service registry of tests/evaluation."""

from tests.evaluation.conftest import services  # noqa: F401
