"""Catalog tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin, UTCDateTime


class Item(IdMixin, TimestampMixin, Base):
    __tablename__ = "catalog_item"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))  # issue 16: shown in English (None: the Chinese name)
    department_code: Mapped[str] = mapped_column(String(16), ForeignKey("org_department.code"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    legal_limit_workdays: Mapped[int] = mapped_column(Integer)
    promised_limit_workdays: Mapped[int] = mapped_column(Integer)
    fee: Mapped[float] = mapped_column(Numeric(12, 2), default=0)
    fee_note: Mapped[str] = mapped_column(Text, default="")
    fee_note_en: Mapped[str | None] = mapped_column(Text)  # catalog 1.5: in English (None: the Chinese note)
    online_depth: Mapped[int] = mapped_column(Integer)
    appointment: Mapped[bool] = mapped_column(Boolean, default=False)
    instant_approval_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    counters: Mapped[list[str]] = mapped_column(JsonType, default=list)
    keywords: Mapped[list[str]] = mapped_column(JsonType, default=list)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    note_en: Mapped[str | None] = mapped_column(Text)  # catalog 1.5
    # The typed e-licence an approval issues ({"type", "fields", "new_uscc"}, see ``filemodel.ResultLicenceIn``).
    result_licence: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    # Departments reviewing in parallel (并联审批); empty: the item's own department decides alone.
    joint_review: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # Issue 17: how citizens describe when the item applies, and "not this" hints ({"when", "instead"}).
    situations: Mapped[list[str]] = mapped_column(JsonType, default=list)
    not_this: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    # Issue 15: the item's own workflow steps (see ``catalog.steps``); empty: the default steps.
    workflow: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    materials: Mapped[list[Material]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Material.position"
    )
    form_fields: Mapped[list[FormField]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="FormField.position"
    )


class Material(IdMixin, Base):
    __tablename__ = "catalog_material"
    __table_args__ = (UniqueConstraint("item_id", "code"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    original_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    e_licence_type: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    note_en: Mapped[str | None] = mapped_column(Text)  # catalog 1.5

    item: Mapped[Item] = relationship(back_populates="materials")


class FormField(IdMixin, Base):
    __tablename__ = "catalog_form_field"
    __table_args__ = (UniqueConstraint("item_id", "name"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(128))
    label_en: Mapped[str | None] = mapped_column(String(200))  # issue 16: the label in English
    type: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean)
    prefill_from: Mapped[str | None] = mapped_column(String(128))
    options: Mapped[list[str] | None] = mapped_column(JsonType)
    options_en: Mapped[list[str] | None] = mapped_column(JsonType)  # catalog 1.5: one per option, in English

    item: Mapped[Item] = relationship(back_populates="form_fields")


class ItemVersion(IdMixin, TimestampMixin, Base):
    """An immutable snapshot of an item's catalog entry (form, materials, rules) as of one version."""

    __tablename__ = "catalog_item_version"
    __table_args__ = (UniqueConstraint("item_code", "version"),)

    item_code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JsonType)


class HallItemOverride(IdMixin, TimestampMixin, Base):
    """A hall's local settings of an item: switched on or off against the inheritance by level (``enabled``; None:
    inherited), its own promised limit (working days, never above the legal limit), fee note, and the windows that
    serve the item there. A field left None inherits the item's catalog value. Each change is a new version."""

    __tablename__ = "catalog_hall_item_override"
    __table_args__ = (UniqueConstraint("hall_id", "item_code"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(32), ForeignKey("catalog_item.code"))
    enabled: Mapped[bool | None] = mapped_column(Boolean, default=None)
    promised_limit_workdays: Mapped[int | None] = mapped_column(Integer)
    fee_note: Mapped[str | None] = mapped_column(Text)
    window_codes: Mapped[list[str] | None] = mapped_column(JsonType)
    # The hall's own settings of the item's workflow steps: step code → {"role", "limit_workdays"} (issue 15).
    step_settings: Mapped[dict[str, dict[str, Any]] | None] = mapped_column(JsonType, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    changed_by: Mapped[str] = mapped_column(String(80), default="", server_default="")


class HallItemOverrideVersion(IdMixin, Base):
    """One change of a hall's item override: the values set, or cleared (the hall inherits the item again)."""

    __tablename__ = "catalog_hall_item_override_version"
    __table_args__ = (UniqueConstraint("hall_id", "item_code", "version"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))  # "set" | "clear"
    values: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class Bundle(IdMixin, TimestampMixin, Base):
    __tablename__ = "catalog_bundle"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)  # catalog 1.5
    item_codes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    lead_department_code: Mapped[str] = mapped_column(String(16))
    promised_limit_workdays: Mapped[int] = mapped_column(Integer)
    counters: Mapped[list[str]] = mapped_column(JsonType, default=list)
    shared_form_fields: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    extra_services: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # Issue 15: a refused part stops the rest ("stop") or not ("continue"); item field → merged form field.
    on_refusal: Mapped[str] = mapped_column(String(16), default="continue", server_default="continue")
    field_map: Mapped[dict[str, dict[str, str]]] = mapped_column(JsonType, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))


class Faq(IdMixin, TimestampMixin, Base):
    __tablename__ = "catalog_faq"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    question_en: Mapped[str | None] = mapped_column(Text)  # catalog 1.5: in English (None: shown in Chinese)
    answer_en: Mapped[str | None] = mapped_column(Text)
    item_code: Mapped[str | None] = mapped_column(String(32), index=True)
    tags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    situations: Mapped[list[str]] = mapped_column(JsonType, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
