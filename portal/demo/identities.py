"""The demo identities: people the BankID simulator can log in as, and who the demo seed creates.

They are Skatteverket-style test numbers with valid check digits; none belongs to a real person.
README.md lists them for testers, and the simulator offers them on its approval page.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoIdentity:
    personal_number: str  # 12 digits, as BankID's completionData carries it
    given_name: str
    surname: str
    description: str  # what a tester uses this identity for

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.surname}"


DEMO_CITIZENS: tuple[DemoIdentity, ...] = (
    DemoIdentity("191212121212", "Tolvan", "Tolvansson", "Medborgare i Exempelstad"),
    DemoIdentity("198507202011", "Anna", "Andersson", "Medborgare, söker ekonomiskt bistånd"),
    DemoIdentity("194101090993", "Britt", "Lindqvist", "Äldre medborgare, hemtjänst"),
    DemoIdentity("197006151596", "Erik", "Lindqvist", "Anhörig till Britt Lindqvist"),
    DemoIdentity("192001010178", "Greta", "Hundra", "Över 100 år (personnummer med +)"),
)


@dataclass(frozen=True)
class DemoStaff:
    personal_number: str
    name: str
    municipality: str  # slug
    unit: str  # unit code
    roles: tuple[str, ...]
    description: str
    provider: str = ""  # for utförare: the organisation number of their provider (portal/demo/kundval.py)


# Staff log in at /handlaggare with BankID (the simulator in demo mode), mapped to their account.
DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff(
        "197504303020",
        "Helena Handläggare",
        "exempelstad",
        "forsorjningsstod",
        ("handlaggare", "foretradarregister"),
        "Handläggare, försörjningsstöd, Exempelstad; för företrädarregistret",
    ),
    DemoStaff(
        "198009142210",
        "Omar Omsorg",
        "exempelstad",
        "aldreomsorg",
        ("handlaggare",),
        "Biståndshandläggare, äldreomsorg, Exempelstad",
    ),
    DemoStaff(
        "196811031142",
        "Nora Norrby",
        "norrby",
        "socialtjansten",
        ("handlaggare",),
        "Handläggare, socialtjänsten, Norrby",
    ),
    DemoStaff(
        "195502141236",
        "Ada Administratör",
        "exempelstad",
        "forsorjningsstod",
        ("administrator",),
        "Administratör, Exempelstad: misslyckade leveranser, utförarkatalogen",
    ),
    DemoStaff(
        "197803224240",
        "Ulla Utförare",
        "exempelstad",
        "aldreomsorg",
        ("utforare",),
        "Utförare, Exempelstads kommunala hemtjänst (ickevalsalternativet)",
        provider="212000-0001",
    ),
    DemoStaff(
        "198511063136",
        "Samir Stjärna",
        "exempelstad",
        "aldreomsorg",
        ("utforare",),
        "Utförare, Omsorg Stjärnan AB",
        provider="556900-1234",
    ),
)
