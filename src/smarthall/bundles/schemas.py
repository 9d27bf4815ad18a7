"""Bundle API shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from smarthall.core.types import BigId


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MaterialRef(Strict):
    """One material of the one set: an uploaded file or a held e-licence."""

    file_id: str | None = Field(default=None, max_length=32)
    licence_id: BigId | None = None


class BundleApply(Strict):
    """One submission of a bundle: the merged form (field → value) and the one set of materials (key → source)."""

    bundle_code: str = Field(min_length=1, max_length=32)
    hall_code: str = Field(min_length=1, max_length=32)
    form: dict[str, Any] = Field(default_factory=dict)
    materials: dict[str, MaterialRef] = Field(default_factory=dict, max_length=50)
