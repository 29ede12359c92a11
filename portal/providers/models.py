from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UUIDPK, Base, CreatedAt, IntPK, MunicipalMixin, OptionalTimestamp


class Provider(MunicipalMixin, Base):
    """An utförare in the municipality's valfrihetssystem (LOV) for one or more services.

    ``services`` are e-service ids (``hemtjanst`` first); ``default_for`` names the services for which this
    provider is the ickevalsalternativ, the one the citizen gets when they do not choose.
    ``quality`` is a list of ``{"label", "value", "source", "year"}``: every figure says where it comes from.
    """

    __tablename__ = "provider"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "organisation_number"),)

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation_number: Mapped[str] = mapped_column(sa.String(11))  # 556677-8899
    services: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    areas: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    profile: Mapped[str] = mapped_column(sa.Text, default="")
    quality: Mapped[list[dict[str, object]]] = mapped_column(sa.JSON, default=list)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    website: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    default_for: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]

    def is_default_for(self, service: str) -> bool:
        return service in (self.default_for or [])


class ProviderChoice(Base):
    """A person's choice of utförare for a granted insats (the case), from an effective date.

    The provider serving a case on a day is the choice with the latest effective date on or before that day
    (the newest chosen when two share a date); a choice for a later date leaves the current provider in place
    until then. ``chosen_by_id`` is who made the choice (the person, or later their ombud).
    """

    __tablename__ = "provider_choice"

    id: Mapped[UUIDPK]
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    # Shown wherever a choice is (the case page, Mina sidor): loaded with it, not by a query of its own.
    provider: Mapped[Provider] = relationship(lazy="joined")
    effective_date: Mapped[dt.date]
    chosen_at: Mapped[CreatedAt]
    chosen_by_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    # The choice made after this one: it takes over at its own effective date.
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("provider_choice.id"), index=True)
    # A choice for a later date that a newer choice overrode before that date came: it never serves.
    cancelled_at: Mapped[OptionalTimestamp]
