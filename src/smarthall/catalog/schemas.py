"""Catalog read shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from smarthall.core.types import INT64_MAX


class MaterialRead(BaseModel):
    code: str
    name: str
    name_en: str | None = Field(default=None, description="the name in English (issue 16; null: none given)")
    kind: str
    required: bool
    copies: int
    original_needed: bool
    e_licence_type: str | None
    note: str
    note_en: str | None = Field(default=None, description="the note in English (catalog 1.5; null: none given)")


class FormFieldRead(BaseModel):
    name: str
    label: str
    label_en: str | None = None  # issue 16: the label in English (null: none given)
    type: str
    required: bool
    prefill_from: str | None
    options: list[str] | None
    options_en: list[str] | None = Field(
        default=None, description="the options in English, one for each option (catalog 1.5; null: none given)"
    )


class ItemSummary(BaseModel):
    code: str
    name: str
    name_en: str | None = Field(default=None, description="the name in English (issue 16; null: none given)")
    department_code: str
    department_name: str
    type: str
    legal_limit_workdays: int
    promised_limit_workdays: int
    fee: float
    online_depth: int
    appointment: bool
    instant_approval_eligible: bool
    counters: list[str]
    version: int
    hall_overridden: list[str] = Field(
        default=[], description="with hall_code: the fields the hall sets itself (enabled, promised limit, ...)"
    )


class ItemRead(ItemSummary):
    fee_note: str
    fee_note_en: str | None = Field(default=None, description="the fee note in English (catalog 1.5)")
    note: str
    note_en: str | None = Field(default=None, description="the note in English (catalog 1.5)")
    keywords: list[str]
    materials: list[MaterialRead]
    form_fields: list[FormFieldRead]
    rules: list[dict[str, Any]]
    windows: list[str] | None = None
    hall_code: str | None = None
    handled_here: bool | None = None
    # The item's workflow steps (issue 15), every field filled (its own, or the default steps).
    workflow: list[dict[str, Any]] = []


class ItemPage(BaseModel):
    total: int
    items: list[ItemSummary]


class BundleRead(BaseModel):
    code: str
    name: str
    name_en: str | None = None
    description: str
    item_codes: list[str]
    lead_department_code: str
    promised_limit_workdays: int
    counters: list[str]
    on_refusal: str = "continue"  # issue 15: a refused part stops the rest ("stop") or not ("continue")


class FaqRead(BaseModel):
    id: str
    question: str
    answer: str
    item_code: str | None
    tags: list[str]


class OverrideValues(BaseModel):
    """A hall's own values of an item; a field left null inherits the catalog's value."""

    enabled: bool | None = Field(default=None, description="false: the hall does not handle the item; true: it does")
    promised_limit_workdays: int | None = Field(default=None, ge=0, le=365, description="working days")
    fee_note: str | None = Field(default=None, max_length=500)
    window_codes: list[str] | None = Field(default=None, min_length=1, max_length=100)


class OverrideSet(OverrideValues):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500)
    version: int | None = Field(
        default=None, ge=0, le=INT64_MAX, description="the version you edited (0: none yet); a newer one answers 409"
    )


class StepSetting(BaseModel):
    """A hall's own role and time limit of one step; a field left null follows the catalog."""

    model_config = ConfigDict(extra="forbid")

    role: str | None = Field(default=None, max_length=32)
    limit_workdays: int | None = Field(default=None, ge=0, le=100000, description="working days (0–365 accepted)")


class StepsSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: dict[str, StepSetting] = Field(
        default_factory=dict,
        max_length=50,
        description="step code → the hall's setting; a step left out follows the catalog",
    )
    note: str = Field(default="", max_length=500)
    version: int | None = Field(
        default=None,
        ge=0,
        le=INT64_MAX,
        description="the version of the hall's settings you edited (0: none yet); a newer one answers 409",
    )


class StepSettingRead(BaseModel):
    code: str
    name: str
    name_en: str
    stage: str
    department_code: str | None
    role: str
    limit_workdays: int | None
    clock_paused: bool
    catalog_role: str
    catalog_limit: int | None
    own: bool = Field(description="the hall sets this step itself")


class StepsRead(BaseModel):
    hall_code: str
    item_code: str
    version: int = Field(description="the version of the hall's settings of the item (0: none yet)")
    steps: list[StepSettingRead]


class EffectiveRead(BaseModel):
    handled: bool
    inherited: bool
    legal_limit_workdays: int
    promised_limit_workdays: int
    fee_note: str
    window_codes: list[str]


class OverrideRead(BaseModel):
    hall_code: str
    item_code: str
    item_name: str
    version: int = Field(description="0 while the hall has no override of the item")
    override: OverrideValues | None
    note: str
    changed_by: str | None
    changed_at: datetime | None
    inherited: EffectiveRead = Field(description="the item as the hall would offer it without its override")
    effective: EffectiveRead


class OverrideVersionRead(BaseModel):
    version: int
    action: str
    values: dict[str, Any] | None
    changed_by: str
    changed_at: datetime
    note: str
