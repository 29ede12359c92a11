# pytest_plugins may only be set in the root conftest, so the fixture is imported here to make the BankID
# tests runnable on their own; the plugin shares one simulator process if the root registers it too.
from tests.fixtures.bankid_simulator import bankid_simulator  # noqa: F401
