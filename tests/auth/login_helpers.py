"""Driving the BankID login through the test client and the simulator, as a browser and a phone would."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.helpers import page_csrf

TOLVAN = "191212121212"


def start_login(client: FlaskClient, device: str = "other", prefix: str = "") -> str:
    """Start a BankID order from the login page; returns the simulator's orderRef of the new order."""
    token = page_csrf(client, f"{prefix}/logga-in")
    response = client.post(f"{prefix}/logga-in/bankid", data={"device": device, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"{prefix}/logga-in/bankid")
    return response


def newest_order_ref(simulator) -> str:  # type: ignore[no-untyped-def]
    orders = simulator.orders()
    pending = [o for o in orders if o["status"] == "pending"]
    assert pending, f"the simulator has a pending order: {[(o['type'], o['status']) for o in orders]}"
    return pending[0]["orderRef"]


def log_in(client: FlaskClient, simulator, personal_number: str = TOLVAN, prefix: str = "") -> None:  # type: ignore[no-untyped-def]
    start_login(client, prefix=prefix)
    simulator.approve(newest_order_ref(simulator), personal_number)
    response = client.get(f"{prefix}/logga-in/bankid")
    assert response.status_code == 302, response.get_data(as_text=True)
