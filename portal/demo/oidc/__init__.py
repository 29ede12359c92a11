"""The local demo OpenID provider: its configuration from the demo identities, and how to start it.

`portal serve` starts it (when Node and the npm packages are there) and tells the portal to offer it, so
`make run` shows "Demo-e-legitimation (OIDC)" next to BankID and "Kommunens inloggning (demo, OIDC)" on
the staff login page. It is the same provider.mjs the test suite uses.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from portal.auth.oidc import COORDINATION_CLAIM, DEMO_CLIENT_SECRET, PNR_CLAIM
from portal.demo.identities import DEMO_CITIZENS, DEMO_STAFF

SCRIPT = Path(__file__).with_name("provider.mjs")
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"


def _portal_bases(portal_port: str) -> list[str]:
    hosts = ["127.0.0.1", "localhost", "exempelstad.localhost", "norrby.localhost"]
    bases = [f"http://{host}:{portal_port}" for host in hosts]
    return [*bases, *(f"{base}/k/{slug}" for base in bases[:2] for slug in ("exempelstad", "norrby"))]


def config(port: int, portal_port: str) -> dict[str, Any]:
    bases = _portal_bases(portal_port)
    accounts: list[dict[str, Any]] = [
        {
            "sub": f"citizen-{person.personal_number}",
            "label": f"{person.name} – {person.description}",
            "acr": LOA3,
            "claims": {
                "given_name": person.given_name,
                "family_name": person.surname,
                # Day + 60 is a samordningsnummer; the demo has none, but the claim is there for it.
                PNR_CLAIM
                if int(person.personal_number[6:8]) <= 31
                else COORDINATION_CLAIM: person.personal_number,
            },
        }
        for person in DEMO_CITIZENS
    ]
    anna = DEMO_CITIZENS[1]
    accounts.append(
        {
            "sub": "citizen-level2",
            "label": f"{anna.name} med en e-legitimation på nivå 2 (får inte söka)",
            "acr": LOA2,
            "claims": {
                "given_name": anna.given_name,
                "family_name": anna.surname,
                PNR_CLAIM: anna.personal_number,
            },
        }
    )
    for staff in DEMO_STAFF:
        given, _, family = staff.name.partition(" ")
        accounts.append(
            {
                "sub": f"staff-{staff.personal_number}",
                "label": f"Personal: {staff.name} – {staff.description}",
                "acr": LOA3,
                "claims": {
                    "given_name": given,
                    "family_name": family,
                    "roles": list(staff.roles),
                    "unit": staff.unit,
                    PNR_CLAIM: staff.personal_number,
                    **({"provider": staff.provider} if staff.provider else {}),
                },
            }
        )
    accounts.append(
        {
            "sub": "staff-new-officer",
            "label": "Personal: Nils Nyanställd – ny handläggare, äldreomsorg (konto skapas vid inloggning)",
            "acr": LOA3,
            "claims": {
                "given_name": "Nils",
                "family_name": "Nyanställd",
                "email": "nils.nyanstalld@exempelstad.invalid",
                "roles": ["handlaggare"],
                "unit": "aldreomsorg",
            },
        }
    )
    return {
        "issuer": f"http://127.0.0.1:{port}",
        "port": port,
        "accounts": accounts,
        "clients": [
            {
                "client_id": "medborgarvy-demo",
                "client_secret": DEMO_CLIENT_SECRET,
                "redirect_uris": [
                    uri
                    for base in bases
                    for uri in (
                        f"{base}/logga-in/oidc/demo/callback",
                        f"{base}/ansokan/skriv-under/e-legitimation/demo/callback",
                    )
                ],
                "post_logout_redirect_uris": [f"{base}/utloggad/e-legitimation" for base in bases],
            },
            {
                "client_id": "medborgarvy-demo-staff",
                "client_secret": DEMO_CLIENT_SECRET,
                "redirect_uris": [f"{base}/handlaggare/logga-in/oidc/demo-staff/callback" for base in bases],
                "post_logout_redirect_uris": [f"{base}/handlaggare/logga-in" for base in bases],
            },
        ],
    }


def command(config_path: Path) -> list[str] | None:
    """The command that runs the provider, or None when Node or its npm packages are missing."""
    node = shutil.which("node")
    root = SCRIPT.parents[3]
    if node is None or not (root / "node_modules" / "oidc-provider").is_dir():
        return None
    return [node, str(SCRIPT), str(config_path)]


def write_config(path: Path, port: int, portal_port: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config(port, portal_port), ensure_ascii=False, indent=2), encoding="utf-8")
