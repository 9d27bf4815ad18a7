"""The base of every request body the API accepts (issue 12, mass assignment).

A JSON body with a field the operation does not take is refused (422 ``validation_error``, the field named with
``extra_forbidden`` in ``detail``) instead of being silently dropped: a client that sends ``hall_code``, ``status``,
``role`` or ``citizen_id`` where the server decides them learns at once that it has no say. Response models stay
plain ``BaseModel`` (tolerant of what the server adds); a model used both ways (``evaluation.SettingsRead``)
derives from this base, since the server builds it field by field.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """A request body (or a part of one): unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")
