"""A municipality's administrators: staff accounts, the deliveries that failed, and the kundval catalogue
of care providers. One blueprint ("admin"); each page group in its own module."""

from portal.admin import accounts, catalogue, deliveries
from portal.admin.blueprint import bp

__all__ = ["accounts", "bp", "catalogue", "deliveries"]
