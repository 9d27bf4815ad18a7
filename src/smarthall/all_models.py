"""Imports every domain's models so that ``Base.metadata`` is complete (Alembic, tests). Add new domains here."""

from smarthall.apiclients import models as apiclients_models  # noqa: F401
from smarthall.appointment import models as appointment_models  # noqa: F401
from smarthall.archive import models as archive_models  # noqa: F401
from smarthall.assist import models as assist_models  # noqa: F401
from smarthall.audit import models as audit_models  # noqa: F401
from smarthall.bundles import models as bundles_models  # noqa: F401
from smarthall.cases import models as cases_models  # noqa: F401
from smarthall.catalog import models as catalog_models  # noqa: F401
from smarthall.consult import models as consult_models  # noqa: F401
from smarthall.coordination import models as coordination_models  # noqa: F401
from smarthall.errands import models as errands_models  # noqa: F401
from smarthall.evaluation import models as evaluation_models  # noqa: F401
from smarthall.identity import models as identity_models  # noqa: F401
from smarthall.licences import models as licences_models  # noqa: F401
from smarthall.notify import models as notify_models  # noqa: F401
from smarthall.operations import models as operations_models  # noqa: F401
from smarthall.org import models as org_models  # noqa: F401
from smarthall.payments import models as payments_models  # noqa: F401
from smarthall.queueing import models as queueing_models  # noqa: F401
from smarthall.rules import models as rules_models  # noqa: F401
from smarthall.staff import models as staff_models  # noqa: F401
from smarthall.stations import models as stations_models  # noqa: F401
from smarthall.venue import models as venue_models  # noqa: F401
from smarthall.webhooks import models as webhooks_models  # noqa: F401
