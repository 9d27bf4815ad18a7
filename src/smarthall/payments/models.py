"""Payment orders (缴费订单): one per case and fee; the provider's transaction id once paid, the refund if any."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, TimestampMixin


class PaymentOrder(IdMixin, TimestampMixin, Base):
    __tablename__ = "payment_order"
    __table_args__ = (Index("ix_payment_order_case", "case_no", "status"),)

    order_no: Mapped[str] = mapped_column(String(40), unique=True)  # unguessable: the cashier link carries it
    case_no: Mapped[str] = mapped_column(String(48))
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    item_name: Mapped[str] = mapped_column(String(200), default="")
    amount_fen: Mapped[int] = mapped_column()
    provider: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | paid | refunded
    provider_txn: Mapped[str | None] = mapped_column(String(64), unique=True)
    paid_at: Mapped[datetime | None] = mapped_column()
    refunded_at: Mapped[datetime | None] = mapped_column()
    refund_ref: Mapped[str | None] = mapped_column(String(64))
    refund_reason: Mapped[str] = mapped_column(String(200), default="")
    notices: Mapped[int] = mapped_column(default=0)  # provider notifications received (retries included)
