"""Complete, valid raw answers (as the citizen types them) for every e-service, and helpers for the tests."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from forms import engine
from forms._bistand_common import swedish_today
from forms.base import EService

APPLICANT = "19121212-1212"  # Tolvan Tolvansson, Skatteverket's test number


def personnummer(born: dt.date, serial: str = "238") -> str:
    """A valid personnummer (check digit by the Luhn rule) for someone born on ``born``."""
    digits = f"{born:%y%m%d}{serial}"
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return f"{born:%Y%m%d}-{serial}{(10 - total % 10) % 10}"


TODAY = swedish_today()
PARTNER = personnummer(dt.date(1985, 3, 4), "123")
CHILD_BORN = dt.date(TODAY.year - 10, 6, 15)
CHILD = personnummer(CHILD_BORN, "456")
TEENAGER = personnummer(dt.date(TODAY.year - 16, 1, 20), "789")


def this_month() -> dict[str, str]:
    return {"year": str(TODAY.year), "month": f"{TODAY.month:02d}"}


def months_from_now(count: int) -> tuple[int, int]:
    index = TODAY.year * 12 + TODAY.month - 1 + count
    return index // 12, index % 12 + 1


_BISTAND_HOUSEHOLD: dict[str, Any] = {
    "household": {"lives_with_partner": "yes", "has_children": "yes"},
    "co_applicant": {"personal_number": PARTNER, "name": "Anna Andersson", "occupation": "employed"},
    "children": [
        {"name": "Lisa", "personal_number": CHILD, "lives_full_time": "yes", "days_per_month": ""},
        {"name": "Olle", "personal_number": TEENAGER, "lives_full_time": "no", "days_per_month": "15"},
    ],
    "incomes": [
        {"type": "salary", "description": "", "whose": "co_applicant", "amount": "12 400 kr"},
        {"type": "child_allowance", "description": "", "whose": "applicant", "amount": "2500"},
        {"type": "other", "description": "Gåva från mormor", "whose": "applicant", "amount": "300"},
    ],
    "costs": [
        {"type": "electricity", "description": "", "amount": "450"},
        {"type": "home_insurance", "description": "", "amount": "180"},
        {"type": "other", "description": "Glasögon", "amount": "1 200"},
    ],
}

RAW: dict[str, dict[str, Any]] = {
    "ekonomiskt_bistand": {
        "period": this_month(),
        "contact": {"phone": "070-123 45 67", "email": "tolvan@example.se"},
        **_BISTAND_HOUSEHOLD,
        "housing": {"housing_type": "rental", "rent": "7 350", "rooms": "3"},
        "employment": {"occupation": "unemployed", "description": ""},
        "assets": {
            "has_savings": "yes",
            "savings_amount": "1200",
            "has_car": "no",
            "car_description": "",
            "owns_property": "no",
            "other_assets": "",
        },
    },
    "manadsansokan": {
        "period": this_month(),
        "changes": {
            "household_changed": "no",
            "housing_changed": "yes",
            "employment_changed": "no",
            "what_changed": "Hyran har höjts.",
        },
        "contact": {"phone": "070-123 45 67", "email": ""},
        **_BISTAND_HOUSEHOLD,
        "costs": [
            {"type": "housing", "description": "", "amount": "7500"},
            {"type": "electricity", "description": "", "amount": "450"},
        ],
    },
    "dodsboanmalan": {
        "applicant": {"relation": "child", "relation_other": "", "phone": "070-765 43 21", "email": ""},
        "deceased": {
            "personal_number": personnummer(dt.date(1940, 2, 2), "111"),
            "name": "Gustav Eriksson",
            "date_of_death": (TODAY - dt.timedelta(days=20)).isoformat(),
            "last_address": "Storgatan 1, 123 45 Norrby",
        },
        "estate_parties": [
            {"name": "Karin Eriksson", "personal_number": APPLICANT, "relation": "Dotter", "contact": ""},
            {
                "name": "Per Eriksson",
                "personal_number": "",
                "relation": "Son",
                "contact": "Lillgatan 2, Norrby",
            },
        ],
        "assets": {
            "bank_balance": "3 250",
            "cash": "",
            "valuables_description": "Volvo V70 1999",
            "valuables_value": "5000",
            "owned_real_property": "no",
            "other_assets": "",
        },
        "debts": {"unpaid_rent": "6 900", "other_bills": "", "other_bills_description": ""},
        "funeral": {"funeral_invoice": "24 500", "headstone": "", "other_costs": "900", "paid_by": "Karin"},
    },
    "hemtjanst": {
        "contact": {"phone": "070-111 22 33", "email": "", "interpreter": "no", "interpreter_language": ""},
        "need": {"needs": ["cleaning", "shopping"], "description": "Jag orkar inte städa."},
        "situation": {"housing": "apartment", "lives_alone": "yes", "recent_hospital_stay": "no"},
        "provider": {"has_wish": "no", "provider": ""},
    },
    "personlig_assistans": {
        "contact": {"phone": "070-222 33 44", "email": "kim@example.se"},
        "personkrets": {"group": "lss_1_3", "diagnosis": "Ryggmärgsskada"},
        "needs": {
            "needs": ["hygiene", "dressing", "meals"],
            "description": "Behöver hjälp morgon och kväll.",
            "other_needs": "",
        },
        "hours": {"hours_per_week": "45", "has_assistance_allowance": "no"},
    },
}


def raw(eservice_id: str) -> dict[str, Any]:
    return copy.deepcopy(RAW[eservice_id])


def payload(eservice: EService, answers: dict[str, Any], calculation: Any = None) -> dict[str, Any]:
    return {
        "eservice": eservice.id,
        "version": eservice.version,
        "submitted_at": "2026-11-23T13:40:00+00:00",
        "applicant": {"personal_number": "191212121212", "name": "Tolvan Tolvansson"},
        "co_applicant": None,
        "answers": answers,
        "attachments": [],
        "calculation": calculation,
    }


def messages(eservice: EService, step_id: str, raw_step: Any) -> list[tuple[str, str]]:
    """(field id, message) of every error on the step."""
    step = eservice.step(step_id)
    assert step is not None
    ok, form = engine.validate(step, raw_step)
    return [] if ok else engine.render_field_errors(form)
