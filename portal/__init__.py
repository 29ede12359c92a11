"""Medborgarvy: the citizen portal of a municipality's social services (the app: ``portal.app``)."""

__version__ = "0.1.0"
