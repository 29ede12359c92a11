from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, CreatedAt, IntPK, MunicipalMixin, Str100, Str200


class Municipality(Base):
    """A kommun served by this installation; chosen per request by host name or path prefix."""

    __tablename__ = "municipality"

    id: Mapped[IntPK]
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[Str100]
    # Host names that choose this municipality, e.g. ["minasidor.exempelstad.se"].
    host_names: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The municipality served when neither host name nor path prefix chooses one.
    is_default: Mapped[bool] = mapped_column(default=False)
    # Path under static/ of the logo, or empty for the name alone.
    logo_path: Mapped[str] = mapped_column(sa.String(200), default="")
    # Theme colours (hex); the brand colour must keep 4.5:1 contrast against white text.
    brand_colour: Mapped[str] = mapped_column(sa.String(7), default="#1d4f91")
    brand_colour_dark: Mapped[str] = mapped_column(sa.String(7), default="#123563")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(200), default="")
    website_url: Mapped[str] = mapped_column(sa.String(200), default="")
    # E-service ids enabled here, and which integration adapter serves each; see forms/ and integrations/.
    enabled_eservices: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    adapters: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # Each adapter's settings for this municipality, e.g. {"webhook": {"url": ..., "secret_env": ...}}.
    adapter_settings: Mapped[dict[str, dict[str, object]]] = mapped_column(sa.JSON, default=dict)
    # Staff may log in with BankID mapped to their account (else only through the staff OIDC provider).
    staff_bankid_login: Mapped[bool] = mapped_column(default=True)
    # The tillgänglighetsredogörelse's facts (portal/home/accessibility.py): when and how the portal was
    # assessed, where feedback goes, and the municipality's own known deviations.
    accessibility_statement: Mapped[dict[str, object]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[CreatedAt]


class Unit(MunicipalMixin, Base):
    """An organisational unit of the social services (e.g. Försörjningsstöd, Äldreomsorg)."""

    __tablename__ = "unit"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "code"),)

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[Str200]
    created_at: Mapped[CreatedAt]
