"""The e-services as a citizen sees them in Swedish: each step's title, every question's label and every
option's text (from translations/sv), and helpers that fill a step through its real controls, sign with the
BankID simulator and read the receipt. The answers themselves are tests.forms.samples.RAW, as typed."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from portal.cases.services import CASE_NUMBER_ALPHABET
from tests.browser.helpers import (
    RFA1,
    assert_accessible,
    assert_focus_visible,
    computed_style,
    is_focused,
    pending_order_ref,
    start_qr_login,
)

SAVE = "Spara och fortsätt"
SAVE_LATER = "Spara och fortsätt senare"
CHECK_TITLE = "Granska dina svar"
TO_CHECK = "Granska dina svar och skriv under"
SIGN_OTHER_DEVICE = "Skriv under med Mobilt BankID på en annan enhet"
SIGN_WAIT_TITLE = "Skriv under med BankID"
RECEIPT_TITLE = "Din ansökan är skickad"
UPLOAD = "Ladda upp filen"
CASE_NUMBER = re.compile(rf"^[{CASE_NUMBER_ALPHABET}]{{4}}-[{CASE_NUMBER_ALPHABET}]{{4}}$")
DRAFT_URL = re.compile(r"/ansokan/[0-9a-f-]{36}$")
RECEIPT_URL = re.compile(r"/ansokan/[0-9a-f-]{36}/kvitto$")
MY_PAGES_URL = re.compile(r"/mina-sidor$")
# The waiting page asks every second (PORTAL_BANKID_COLLECT_INTERVAL=1) and goes on by itself once the
# simulator has approved; a loaded CI machine gets more than the usual 10 s for that.
BANKID_DONE = 20_000

SV_MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


@dataclass(frozen=True)
class Person:
    personal_number: str  # 12 digits, as the simulator takes it
    name: str


# --- how the steps look -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """An <input> or <textarea> with its <label>."""

    label: str


@dataclass(frozen=True)
class Radios:
    """Radio buttons in a fieldset: the legend, and each value's label."""

    legend: str
    options: Mapping[str, str]


@dataclass(frozen=True)
class Checkboxes:
    legend: str
    options: Mapping[str, str]


Control = Text | Radios | Checkboxes


@dataclass(frozen=True)
class Upload:
    slot: str  # the option in "Vilken handling?"
    filename: str


@dataclass(frozen=True)
class StepSpec:
    id: str
    title: str
    fields: Mapping[str, Control]
    item: str | None = None  # a repeating group's item legend, "Inkomst %d"
    add: str | None = None  # its "Lägg till …" button
    min_items: int = 0
    uploads: tuple[Upload, ...] = ()
    # For a step of optional questions, which is simply saved when sent empty: answers it refuses. (A group
    # that may be empty shows its errors for an empty item instead.)
    invalid: Mapping[str, str] | None = None


@dataclass(frozen=True)
class EServiceSpec:
    id: str
    title: str
    steps: tuple[StepSpec, ...]

    def step(self, step_id: str) -> StepSpec:
        return next(step for step in self.steps if step.id == step_id)


YES_NO = {"yes": "Ja", "no": "Nej"}
PHONE = Text("Telefonnummer")
EMAIL = Text("E-postadress (frivilligt)")
MONTHS = {f"{number:02d}": name for number, name in enumerate(SV_MONTHS, start=1)}
BANK_STATEMENTS = Upload("Kontoutdrag (krävs)", "kontoutdrag.pdf")

HEMTJANST = EServiceSpec(
    "hemtjanst",
    "Ansök om hemtjänst",
    (
        StepSpec(
            "contact",
            "Kontaktuppgifter",
            {
                "phone": PHONE,
                "email": EMAIL,
                "interpreter": Radios("Behöver du tolk?", YES_NO),
                "interpreter_language": Text("Vilket språk? (om du behöver tolk)"),
            },
        ),
        StepSpec(
            "need",
            "Ditt behov av hjälp",
            {
                "needs": Checkboxes(
                    "Vad behöver du hjälp med?",
                    {
                        "personal_care": "Personlig omvårdnad, till exempel att duscha och klä på sig",
                        "cleaning": "Städning",
                        "laundry": "Tvätt",
                        "shopping": "Inköp",
                        "meals": "Matleverans hem",
                        "alarm": "Trygghetslarm",
                        "escort": "Ledsagning utanför hemmet",
                        "relief": "Avlösning för en anhörig som hjälper dig",
                    },
                ),
                "description": Text("Beskriv vad som är svårt för dig att klara själv"),
            },
        ),
        StepSpec(
            "situation",
            "Din situation i dag",
            {
                "housing": Radios(
                    "Hur bor du?", {"apartment": "I en lägenhet", "house": "I ett hus", "other": "Annat"}
                ),
                "lives_alone": Radios("Bor du ensam?", YES_NO),
                "help_from_relatives": Text("Får du hjälp av anhöriga eller andra i dag? Hur? (frivilligt)"),
                "recent_hospital_stay": Radios("Har du nyligen legat på sjukhus?", YES_NO),
            },
        ),
        StepSpec(
            "provider",
            "Önskemål om utförare",
            {
                "has_wish": Radios("Har du önskemål om vilken utförare som ska ge dig hemtjänst?", YES_NO),
                "provider": Text("Vilken utförare? (om du har önskemål)"),
            },
        ),
    ),
)

PERSONLIG_ASSISTANS = EServiceSpec(
    "personlig_assistans",
    "Ansök om personlig assistans (LSS)",
    (
        StepSpec("contact", "Kontaktuppgifter", {"phone": PHONE, "email": EMAIL}),
        StepSpec(
            "personkrets",
            "Vilka lagen gäller för",
            {
                "group": Radios(
                    "Vad stämmer bäst in på dig?",
                    {
                        "lss_1_1": "Jag har en intellektuell funktionsnedsättning, autism eller ett "
                        "autismliknande tillstånd",
                        "lss_1_2": "Jag har som vuxen fått en betydande och bestående begåvningsmässig "
                        "funktionsnedsättning efter en hjärnskada som orsakats av en olycka eller en sjukdom",
                        "lss_1_3": "Jag har andra stora och varaktiga fysiska eller psykiska "
                        "funktionsnedsättningar som inte beror på normalt åldrande och som gör att jag har "
                        "mycket svårt att klara det dagliga livet och behöver mycket stöd",
                        "not_sure": "Jag är inte säker",
                    },
                ),
                "diagnosis": Text("Din funktionsnedsättning eller diagnos (frivilligt)"),
            },
        ),
        StepSpec(
            "needs",
            "Ditt behov av hjälp",
            {
                "needs": Checkboxes(
                    "Vad behöver du hjälp med?",
                    {
                        "hygiene": "Personlig hygien, till exempel att tvätta sig och gå på toaletten",
                        "meals": "Måltider, till exempel att äta och dricka",
                        "dressing": "Av- och påklädning",
                        "communication": "Kommunikation med andra",
                        "detailed_knowledge": "Annan hjälp som kräver ingående kunskaper om mig, till "
                        "exempel på grund av epilepsi eller sondmatning",
                    },
                ),
                "description": Text("Beskriv vad du behöver hjälp med och hur ofta"),
                "other_needs": Text("Behöver du hjälp med något annat? (frivilligt)"),
            },
        ),
        StepSpec(
            "hours",
            "Timmar och assistansersättning",
            {
                "hours_per_week": Text(
                    "Hur många timmar i veckan tror du att du behöver personlig assistans?"
                ),
                "has_assistance_allowance": Radios(
                    "Får du assistansersättning från Försäkringskassan?", YES_NO
                ),
            },
        ),
    ),
)

DODSBOANMALAN = EServiceSpec(
    "dodsboanmalan",
    "Anmäl att dödsboet bara räcker till begravningen (dödsboanmälan)",
    (
        StepSpec(
            "applicant",
            "Om dig",
            {
                "relation": Radios(
                    "Vilken relation hade du till den avlidne?",
                    {
                        "spouse": "Make, maka, registrerad partner eller sambo",
                        "child": "Barn eller barnbarn",
                        "parent": "Förälder",
                        "sibling": "Syskon",
                        "other_relative": "Annan släkting",
                        "other": "Annan, till exempel en vän, god man eller förvaltare",
                    },
                ),
                "relation_other": Text("Beskriv er relation (om du valde Annan)"),
                "phone": PHONE,
                "email": EMAIL,
            },
        ),
        StepSpec(
            "deceased",
            "Den avlidne",
            {
                "personal_number": Text("Den avlidnes personnummer"),
                "name": Text("Den avlidnes för- och efternamn"),
                "date_of_death": Text("Dödsdatum"),
                "last_address": Text("Den avlidnes senaste adress"),
            },
            uploads=(Upload("Dödsfallsintyg med släktutredning (krävs)", "dodsfallsintyg.pdf"),),
        ),
        StepSpec(
            "estate_parties",
            "Dödsbodelägare",
            {
                "name": Text("För- och efternamn"),
                "personal_number": Text("Personnummer (frivilligt)"),
                "relation": Text("Relation till den avlidne"),
                "contact": Text("Adress, telefonnummer eller e-post (frivilligt)"),
            },
            item="Dödsbodelägare %d",
            add="Lägg till en dödsbodelägare till",
            min_items=1,
        ),
        StepSpec(
            "assets",
            "Tillgångar på dödsdagen",
            {
                "bank_balance": Text("Hur mycket pengar fanns det på bankkontona på dödsdagen?"),
                "cash": Text("Kontanter (frivilligt)"),
                "valuables_description": Text("Bil, smycken eller andra värdesaker (frivilligt)"),
                "valuables_value": Text("Vad är de värda tillsammans? (om det finns några)"),
                "owned_real_property": Radios(
                    "Ägde den avlidne ett hus, mark eller en tomträtt (fast egendom eller tomträtt)?", YES_NO
                ),
                "other_assets": Text("Andra tillgångar (frivilligt)"),
            },
        ),
        StepSpec(
            "debts",
            "Skulder",
            {
                "unpaid_rent": Text("Obetald hyra (frivilligt)"),
                "other_bills": Text("Andra obetalda räkningar (frivilligt)"),
                "other_bills_description": Text("Vilka räkningar? (om det finns några)"),
            },
            invalid={"unpaid_rent": "ungefär sjutusen"},
        ),
        StepSpec(
            "funeral",
            "Begravningskostnader",
            {
                "funeral_invoice": Text("Begravningsbyråns faktura"),
                "headstone": Text("Gravsten (frivilligt)"),
                "other_costs": Text("Andra kostnader för dödsfallet (frivilligt)"),
                "paid_by": Text("Vem har betalat eller ska betala begravningen? (frivilligt)"),
            },
        ),
    ),
)

PERIOD = StepSpec(
    "period",
    "Månaden du ansöker för",
    {"month": Radios("Vilken månad ansöker du för?", MONTHS), "year": Text("År")},
)
BISTAND_CONTACT = StepSpec("contact", "Kontaktuppgifter", {"phone": PHONE, "email": EMAIL})
OCCUPATIONS = {
    "employed": "Arbetar",
    "unemployed": "Arbetslös och inskriven hos Arbetsförmedlingen",
    "sick": "Sjuk eller sjukskriven",
    "parental_leave": "Föräldraledig",
    "studying": "Studerar",
    "retired": "Pensionär",
    "other": "Annat",
}
HOUSEHOLD = StepSpec(
    "household",
    "Ditt hushåll",
    {
        "lives_with_partner": Radios("Bor du med make, maka eller sambo?", YES_NO),
        "has_children": Radios("Har du barn under 21 år som bor hos dig hela eller delar av tiden?", YES_NO),
    },
)
CO_APPLICANT = StepSpec(
    "co_applicant",
    "Din make, maka eller sambo",
    {
        "personal_number": Text("Personnummer"),
        "name": Text("För- och efternamn"),
        "occupation": Radios("Vad gör din make, maka eller sambo?", OCCUPATIONS),
    },
)
CHILDREN = StepSpec(
    "children",
    "Barn",
    {
        "name": Text("Barnets namn"),
        "personal_number": Text("Barnets personnummer"),
        "lives_full_time": Radios("Bor barnet hos dig hela tiden?", YES_NO),
        "days_per_month": Text("Hur många dagar i månaden bor barnet hos dig? (om inte hela tiden)"),
    },
    item="Barn %d",
    add="Lägg till ett barn till",
    min_items=1,
)
INCOME_FIELDS: dict[str, Control] = {
    "type": Radios(
        "Vilken typ av inkomst är det?",
        {
            "salary": "Lön",
            "unemployment_benefit": "Ersättning från a-kassan",
            "sickness_benefit": "Sjukpenning",
            "parental_benefit": "Föräldrapenning",
            "housing_allowance": "Bostadsbidrag",
            "child_allowance": "Barnbidrag",
            "maintenance_support": "Underhållsstöd",
            "pension": "Pension",
            "student_aid": "Studiemedel från CSN",
            "other": "Annan inkomst",
        },
    ),
    "description": Text("Vilken inkomst är det? (om du valde Annan inkomst)"),
    "whose": Radios(
        "Vems inkomst är det?", {"applicant": "Min", "co_applicant": "Min makes, makas eller sambos"}
    ),
    "amount": Text("Hur mycket i kronor för månaden?"),
}
COSTS = StepSpec(
    "costs",
    "Kostnader",
    {
        "type": Radios(
            "Vilken typ av kostnad är det?",
            {
                "housing": "Hyra eller annan boendekostnad",
                "electricity": "Hushållsel",
                "home_insurance": "Hemförsäkring",
                "work_travel": "Resor till och från arbetet",
                "union_fees": "Fackavgift och avgift till a-kassan",
                "childcare": "Avgift för barnomsorg",
                "medical": "Läkemedel och sjukvård",
                "other": "Annan kostnad",
            },
        ),
        "description": Text("Vilken kostnad är det? (om du valde Annan kostnad)"),
        "amount": Text("Hur mycket i kronor för månaden?"),
    },
    item="Kostnad %d",
    add="Lägg till en kostnad till",
)


def incomes(*uploads: Upload) -> StepSpec:
    return StepSpec(
        "incomes",
        "Inkomster",
        INCOME_FIELDS,
        item="Inkomst %d",
        add="Lägg till en inkomst till",
        uploads=uploads,
    )


EKONOMISKT_BISTAND = EServiceSpec(
    "ekonomiskt_bistand",
    "Ansök om ekonomiskt bistånd",
    (
        PERIOD,
        BISTAND_CONTACT,
        HOUSEHOLD,
        CO_APPLICANT,
        CHILDREN,
        StepSpec(
            "housing",
            "Boende",
            {
                "housing_type": Radios(
                    "Hur bor du?",
                    {
                        "rental": "Hyresrätt",
                        "cooperative": "Bostadsrätt",
                        "house": "Villa som jag äger",
                        "sublet": "Andrahand – jag hyr av någon som har kontraktet",
                        "lodger": "Inneboende – jag hyr ett rum hos någon annan",
                        "homeless": "Jag har ingen egen bostad",
                    },
                ),
                "rent": Text("Hur mycket betalar du för ditt boende varje månad?"),
                "rooms": Text("Hur många rum har bostaden? (frivilligt)"),
            },
        ),
        StepSpec(
            "employment",
            "Sysselsättning",
            {
                "occupation": Radios("Vad gör du?", OCCUPATIONS),
                "description": Text("Berätta mer (krävs om du valde Annat)"),
            },
        ),
        incomes(BANK_STATEMENTS),
        StepSpec(
            "assets",
            "Tillgångar",
            {
                "has_savings": Radios(
                    "Har du eller någon i ditt hushåll pengar på bankkonton eller annat sparande?", YES_NO
                ),
                "savings_amount": Text("Hur mycket sammanlagt? (om du har sparande)"),
                "has_car": Radios(
                    "Äger du eller någon i ditt hushåll en bil eller ett annat fordon?", YES_NO
                ),
                "car_description": Text("Vilket fordon? Märke, modell och årsmodell (om du äger ett)"),
                "owns_property": Radios(
                    "Äger du eller någon i ditt hushåll ett hus, ett fritidshus, en bostadsrätt eller mark?",
                    YES_NO,
                ),
                "other_assets": Text("Andra tillgångar (frivilligt)"),
            },
        ),
        COSTS,
    ),
)

MANADSANSOKAN = EServiceSpec(
    "manadsansokan",
    "Fortsatt ansökan om ekonomiskt bistånd (månadsansökan)",
    (
        PERIOD,
        StepSpec(
            "changes",
            "Ändringar sedan din förra ansökan",
            {
                "household_changed": Radios("Har ditt hushåll ändrats sedan din förra ansökan?", YES_NO),
                "housing_changed": Radios("Har ditt boende ändrats sedan din förra ansökan?", YES_NO),
                "employment_changed": Radios(
                    "Har ditt arbete eller din sysselsättning ändrats sedan din förra ansökan?", YES_NO
                ),
                "what_changed": Text("Vad har ändrats? (om något har ändrats)"),
            },
        ),
        BISTAND_CONTACT,
        HOUSEHOLD,
        CO_APPLICANT,
        CHILDREN,
        incomes(BANK_STATEMENTS),
        COSTS,
    ),
)

ESERVICES = {
    spec.id: spec
    for spec in (HEMTJANST, PERSONLIG_ASSISTANS, DODSBOANMALAN, EKONOMISKT_BISTAND, MANADSANSOKAN)
}


# --- files ------------------------------------------------------------------------------------------------


def make_pdf(directory: Path, filename: str, text: str = "Kontoutdrag") -> Path:
    """A small, real PDF (fpdf2), as a citizen's scanned document would be."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    path = directory / filename
    path.write_bytes(bytes(pdf.output()))
    return path


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- logging in, pages ------------------------------------------------------------------------------------


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def log_in(page: Page, simulator: Any, person: Person) -> None:
    """Log in with Mobilt BankID på annan enhet; the simulator approves as ``person``."""
    page.goto("/logga-in")
    start_qr_login(page)
    simulator.approve(pending_order_ref(simulator), person.personal_number, name=person.name)
    expect(page).to_have_url(MY_PAGES_URL, timeout=BANKID_DONE)
    expect(heading(page)).to_have_text(f"Välkommen, {person.name}")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Logga ut").click()
    expect(page).to_have_url(re.compile(r"/utloggad$"))
    expect(heading(page)).to_have_text("Du är utloggad")


def open_start_page(page: Page, spec: EServiceSpec, *, audit: bool = True) -> None:
    """From Mina sidor through "Ansök om något nytt" (the e-tjänster list) to the e-service's start page."""
    page.get_by_role("link", name="Ansök om något nytt").click()
    expect(page).to_have_url(re.compile(r"/e-tjanster$"))
    expect(heading(page)).to_have_text("Ansök")
    if audit:
        assert_accessible(page)
    page.get_by_role("link", name=spec.title, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/e-tjanster/{spec.id}$"))
    expect(heading(page)).to_have_text(spec.title)
    if audit:
        assert_accessible(page)


def start_application(page: Page, spec: EServiceSpec, *, audit: bool = True, fresh: bool = True) -> str:
    """Press Börja on the start page; returns the task list's path (/ansokan/<id>). A ``fresh`` application
    has nothing answered yet."""
    page.get_by_role("button", name="Börja", exact=True).click()
    expect(page).to_have_url(DRAFT_URL)
    expect(heading(page)).to_have_text(spec.title)
    if fresh:
        expect(page.locator("main .task-list [id^='status-']").first).to_have_text("Inte påbörjad")
    if audit:
        assert_accessible(page)
    return re.sub(r"^https?://[^/]+", "", page.url)


# --- steps ------------------------------------------------------------------------------------------------


def group(scope: Page | Locator, legend: str) -> Locator:
    return scope.get_by_role("group", name=legend, exact=True)


def fill_fields(scope: Page | Locator, fields: Mapping[str, Control], values: Mapping[str, Any]) -> None:
    """Type, choose and tick the answers through the controls' labels; empty answers are left alone."""
    for name, value in values.items():
        if value in ("", None, []):
            continue
        control = fields[name]
        if isinstance(control, Text):
            scope.get_by_label(control.label, exact=True).fill(value)
        elif isinstance(control, Radios):
            group(scope, control.legend).get_by_label(control.options[value], exact=True).check()
        else:
            for item in value:
                group(scope, control.legend).get_by_label(control.options[item], exact=True).check()


def expect_values(scope: Page | Locator, fields: Mapping[str, Control], values: Mapping[str, Any]) -> None:
    """What was typed is what the controls show."""
    for name, value in values.items():
        control = fields[name]
        if isinstance(control, Text):
            expect(scope.get_by_label(control.label, exact=True)).to_have_value(value or "")
        elif isinstance(control, Radios):
            for key, label in control.options.items():
                option = group(scope, control.legend).get_by_label(label, exact=True)
                (expect(option).to_be_checked if key == value else expect(option).not_to_be_checked)()
        else:
            for key, label in control.options.items():
                option = group(scope, control.legend).get_by_label(label, exact=True)
                (expect(option).to_be_checked if key in value else expect(option).not_to_be_checked)()


def expect_controls(scope: Page | Locator, fields: Mapping[str, Control]) -> None:
    """Every question is there as the control it should be: a labelled field, or a fieldset whose legend is
    the question around one radio button or checkbox per option (WCAG 1.3.1)."""
    for control in fields.values():
        if isinstance(control, Text):
            expect(
                scope.get_by_label(control.label, exact=True), f"no field labelled {control.label!r}"
            ).to_have_count(1)
            continue
        kind = "radio" if isinstance(control, Radios) else "checkbox"
        expect(
            group(scope, control.legend).get_by_role(kind),
            f"{control.legend!r} is not a fieldset with that legend around {len(control.options)} {kind} "
            "buttons",
        ).to_have_count(len(control.options))


def error_summary(page: Page) -> Locator:
    return page.locator("#error-summary")


def error_messages(page: Page) -> list[str]:
    return [text.strip() for text in error_summary(page).get_by_role("link").all_inner_texts()]


def expect_error_state(page: Page) -> list[str]:
    """The step came back with errors: "Fel:" in the title, the summary has focus and is announced, and each
    of its links leads to a control on the page that carries the same message next to it."""
    summary = error_summary(page)
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # static/js/error-summary.js
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("heading", level=2)).to_have_text("Något behöver rättas")
    assert page.title().startswith("Fel: "), page.title()
    links = summary.get_by_role("link")
    assert links.count() >= 1
    assert links.count() == page.locator("form .field-error").count(), "one summary entry per inline error"
    for index in range(links.count()):
        link = links.nth(index)
        message = link.inner_text().strip()
        href = link.get_attribute("href") or ""
        assert href.startswith("#") and len(href) > 1, href
        target = page.locator(f"form [id='{href[1:]}']")
        expect(target).to_have_count(1)
        assert target.evaluate("(el) => ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)"), (
            f"the summary link {href} leads to a form control"
        )
        inline = page.locator(f"[id='{href[1:]}-error']")
        expect(inline).to_contain_text(message)
        # The control (or, for radios and checkboxes, its fieldset) is described by the inline error.
        described = target.evaluate(
            """(el) => {
                 const own = el.getAttribute('aria-describedby') || '';
                 const set = el.closest('fieldset');
                 return own + ' ' + (set ? set.getAttribute('aria-describedby') || '' : '');
               }"""
        )
        assert f"{href[1:]}-error" in described.split(), (href, described)
    return error_messages(page)


def submit(page: Page, button: str = SAVE) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def submit_expecting_success(page: Page) -> None:
    submit(page)
    if error_summary(page).count():
        pytest.fail(f"{page.url}: the step was refused: {error_messages(page)}", pytrace=False)


def upload(page: Page, item: Upload, path: Path) -> None:
    page.get_by_label("Vilken handling?", exact=True).select_option(label=item.slot)
    page.get_by_label("Välj en fil", exact=True).set_input_files(path)
    submit(page, UPLOAD)
    expect(page.get_by_role("status")).to_have_text(f"Filen {path.name} är bifogad.")
    expect(page.locator(".attachment-list").get_by_role("link", name=path.name)).to_be_visible()


def item_group(page: Page, step: StepSpec, number: int) -> Locator:
    assert step.item is not None
    return group(page, step.item % number)


def add_item(page: Page, step: StepSpec, number: int) -> Locator:
    """Press the step's "Lägg till …" button; the new, empty item ``number`` appears."""
    assert step.add is not None and step.item is not None
    submit(page, step.add)
    legend = step.item % number
    item = group(page, legend)
    expect(
        item,
        f'"{step.add}" did not add "{legend}" on {page.url}: the page shows only the items that already had '
        "answers",
    ).to_be_visible()
    return item


def complete_step(
    page: Page,
    step: StepSpec,
    values: Any,
    files: Mapping[str, Path],
    *,
    audit: bool = True,
    error_state: bool = True,
) -> None:
    """On the step's page: audit it; send it empty (or, if empty is fine, with an empty item or a refused
    answer) to see and audit its error state; then answer every question through its controls, adding the
    group's items with its "Lägg till …" button; upload its attachments; save and continue."""
    expect(heading(page)).to_have_text(step.title)
    if step.item is None:
        expect_controls(page, step.fields)
    if audit:
        assert_accessible(page)
    items_shown = step.min_items
    if error_state:
        if step.item is not None and step.min_items == 0:
            assert values, "an empty item is added to show the errors, and is then filled in"
            add_item(page, step, 1)
            items_shown = 1
        elif step.invalid:
            fill_fields(page, step.fields, step.invalid)
        submit(page)
        expect(heading(page)).to_have_text(step.title)
        expect_error_state(page)
        if audit:
            assert_accessible(page)
    if step.item is None:
        fill_fields(page, step.fields, values)
    else:
        for number, item_values in enumerate(values, start=1):
            if number > items_shown:
                add_item(page, step, number)
            item = item_group(page, step, number)
            expect_controls(item, step.fields)
            fill_fields(item, step.fields, item_values)
        if audit and len(values) > 1:
            assert_accessible(page)  # with several items
    for item in step.uploads:
        upload(page, item, files[item.filename])
        # The upload saved the answers typed so far: the page shows them again.
        if step.item is None:
            expect_values(page, step.fields, values)
        else:
            for number, item_values in enumerate(values, start=1):
                expect_values(item_group(page, step, number), step.fields, item_values)
        if audit:
            assert_accessible(page)
    submit_expecting_success(page)


def expect_summary(page: Page, step: StepSpec, values: Any) -> None:
    """Granska dina svar shows the step's answers: the chosen options' labels and the words typed (numbers
    are shown formatted, so they are left to the receipt)."""
    answers = page.locator(f"#part-{step.id} + dl.summary-list")
    for item_values in values if isinstance(values, list) else [values]:
        for name, value in item_values.items():
            control = step.fields[name]
            if isinstance(control, Radios) and value:
                expect(answers).to_contain_text(control.options[value])
            elif isinstance(control, Checkboxes):
                chosen = [label for key, label in control.options.items() if key in value]  # in page order
                expect(answers).to_contain_text(", ".join(chosen))
            elif isinstance(control, Text) and value and not re.fullmatch(r"[\d\s]+", value):
                expect(answers).to_contain_text(value)


# --- signing and the receipt ------------------------------------------------------------------------------


def sign_with_bankid(page: Page, simulator: Any, signer: Person, role: str = "applicant") -> dict[str, Any]:
    """Press "Skriv under med Mobilt BankID på en annan enhet", audit the waiting page, and approve the
    sign order in the simulator as ``signer``. Returns the order as the simulator saw it."""
    page.get_by_role("button", name=SIGN_OTHER_DEVICE, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/ansokan/[0-9a-f-]{{36}}/skriv-under/{role}$"))
    expect(heading(page)).to_have_text(SIGN_WAIT_TITLE)
    expect(page.locator("#bankid-qr")).to_be_visible()
    expect(page.locator("#bankid-message")).to_have_text(RFA1)
    assert_accessible(page)
    order_ref = pending_order_ref(simulator)
    order = simulator.order(order_ref)
    assert order["type"] == "sign", order
    simulator.approve(order_ref, signer.personal_number, name=signer.name)
    return order


def check_receipt(page: Page, title: str) -> str:
    """The receipt page after signing: the case number, audited; the receipt PDF opens inline and downloads,
    and carries the case number. Returns the case number."""
    expect(page).to_have_url(RECEIPT_URL, timeout=BANKID_DONE)
    expect(heading(page)).to_have_text(RECEIPT_TITLE)
    number = page.locator(".case-number").inner_text().strip()
    assert CASE_NUMBER.match(number), f"case number {number!r} is not like K7MR-4TXA"
    expect(page.locator("main")).to_contain_text(f"Din ansökan ”{title}” togs emot")
    assert_accessible(page)

    href = page.get_by_role("link", name="Öppna kvittensen (PDF)", exact=True).get_attribute("href") or ""
    response = page.request.get(href)
    assert response.ok, f"the receipt page's PDF link {href} answers {response.status}"
    assert response.headers["content-type"] == "application/pdf", response.headers
    assert response.headers["content-disposition"].startswith("inline"), response.headers
    content = response.body()
    assert content.startswith(b"%PDF-")
    assert number in pdf_text(content), f"the receipt PDF does not show the case number {number}"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="ladda ner den", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"kvitto-{number}.pdf", download.suggested_filename
    downloaded = Path(download.path()).read_bytes()
    assert number in pdf_text(downloaded)
    return number


# --- the keyboard -----------------------------------------------------------------------------------------


def land_on(page: Page, target: Locator, *, key: str = "Tab", max_presses: int = 20) -> None:
    """Press ``key`` (Tab, Shift+Tab) until ``target`` has focus, then check that the focus shows."""
    unfocused = computed_style(target)
    for _press in range(max_presses):
        page.keyboard.press(key)
        if is_focused(target):
            assert_focus_visible(page, target, unfocused)
            return
    passed = page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
    pytest.fail(f"{max_presses} × {key} did not reach {target}; focus is on {passed}", pytrace=False)


def follow(page: Page, target: Locator, *, max_presses: int = 20) -> None:
    """Tab to a link or button and press Enter; wait for the page it leads to."""
    land_on(page, target, max_presses=max_presses)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def arrow_to(page: Page, key: str, target: Locator) -> None:
    """Move within a radio group with an arrow key: the next radio gets focus (visibly) and is chosen."""
    unfocused = computed_style(target)
    page.keyboard.press(key)
    expect(target).to_be_focused()
    expect(target).to_be_checked()
    assert_focus_visible(page, target, unfocused)


def space_on(page: Page, target: Locator) -> None:
    page.keyboard.press("Space")
    expect(target).to_be_checked()
