import pytest

from portal.registry import DuplicateRegistration, Registry


def test_entries_are_found_by_id_and_listed_in_order():
    registry: Registry[type] = Registry("e-service")

    @registry.register("hemtjanst")
    class Hemtjanst:
        pass

    registry.add("ekonomiskt_bistand", int)
    assert registry["hemtjanst"] is Hemtjanst
    assert list(registry) == ["ekonomiskt_bistand", "hemtjanst"]
    assert "hemtjanst" in registry and "lss" not in registry


def test_a_duplicate_id_is_an_error_not_an_override():
    registry: Registry[type] = Registry("adapter")
    registry.add("webhook", int)
    with pytest.raises(DuplicateRegistration, match="adapter 'webhook' is already registered"):
        registry.add("webhook", str)
    assert registry["webhook"] is int


def test_an_unknown_id_names_what_is_registered():
    registry: Registry[type] = Registry("adapter")
    registry.add("embedded", int)
    with pytest.raises(KeyError, match="embedded"):
        registry["viva"]
