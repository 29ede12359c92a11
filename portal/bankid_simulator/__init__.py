"""A local simulator of BankID's RP API v6.0 for demo mode and tests; never for production."""

from portal.bankid_simulator.app import API_PREFIX, create_simulator_app

__all__ = ["API_PREFIX", "create_simulator_app"]
