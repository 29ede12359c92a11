"""Tests for portal.accounts.personnummer.

Every test passes ``today=`` (or constructs from twelve digits), so results do not depend on the date the
suite runs. Valid numbers are built with an independent Luhn helper instead of being copied from elsewhere.
"""

import logging
import pickle
from datetime import date, datetime

import pytest

from portal.accounts.personnummer import InvalidPersonnummer, Personnummer, is_valid, mask, parse

TODAY = date(2025, 6, 15)


def luhn_digit(nine: str) -> str:
    """Check digit over the nine digits YYMMDDNNN: weights 2,1,2,…, digit sums of the products."""
    total = sum(sum(divmod(int(c) * (2 - i % 2), 10)) for i, c in enumerate(nine))
    return str((10 - total % 10) % 10)


def valid12(first11: str) -> str:
    """Complete YYYYMMDDNNN with its check digit (computed over the ten-digit form, without century)."""
    assert len(first11) == 11
    return first11 + luhn_digit(first11[2:])


def wrong_check(digits12: str) -> str:
    return digits12[:-1] + str((int(digits12[-1]) + 1) % 10)


def short(digits12: str, separator: str = "-") -> str:
    return f"{digits12[2:8]}{separator}{digits12[8:]}"


def reason_of(value: str, today: date = TODAY) -> str:
    with pytest.raises(InvalidPersonnummer) as excinfo:
        parse(value, today=today)
    return excinfo.value.reason


# Fixed numbers used throughout; their check digits are verified by test_helper_agrees_with_known_numbers.
TOLVAN = "191212121212"  # Skatteverket's well-known test number
ANNA = "198507202011"
GRETA = "192001010178"  # born 1920, so over 100 in TODAY's year


def test_helper_agrees_with_known_numbers():
    for number in (TOLVAN, ANNA, GRETA):
        assert valid12(number[:11]) == number


# --- accepted input forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "191212121212",
        "19121212-1212",
        "121212+1212",  # plus: 100 or older, so 1912 rather than 2012
        "  19121212-1212  ",
        "\t191212121212\n",
        "19121212 1212",
        "121212 + 1212",
        "19121212 - 1212",
        "\u00a019121212-1212\u00a0",  # non-breaking spaces from copy-paste
        "19121212\u20131212",  # en dash from a word processor
        "19121212\u22121212",  # minus sign
    ],
)
def test_accepted_forms_of_the_same_number(value):
    assert parse(value, today=TODAY).digits12 == TOLVAN


@pytest.mark.parametrize("value", ["8507202011", "850720-2011", "19850720-2011", "198507202011"])
def test_ten_and_twelve_digit_forms_agree(value):
    pnr = parse(value, today=TODAY)
    assert pnr.digits12 == ANNA
    assert pnr.birth_date == date(1985, 7, 20)
    assert not pnr.is_coordination_number


def test_round_trip_through_formatted():
    pnr = parse(ANNA, today=TODAY)
    assert parse(pnr.formatted, today=TODAY) == pnr
    assert parse(pnr.digits12, today=TODAY) == pnr


# --- century inference for ten-digit numbers --------------------------------------------------------


def test_born_1920_with_plus_is_1920():
    assert parse(short(GRETA, "+"), today=TODAY).birth_date == date(1920, 1, 1)


def test_same_digits_with_hyphen_is_a_five_year_old():
    pnr = parse(short(GRETA, "-"), today=TODAY)
    assert pnr.birth_date == date(2020, 1, 1)
    assert pnr.age_on(TODAY) == 5


def test_same_digits_without_separator_is_treated_like_hyphen():
    assert parse(short(GRETA, ""), today=TODAY).birth_date == date(2020, 1, 1)


def test_child_born_earlier_this_year():
    number = valid12("20250301123")
    pnr = parse(short(number), today=TODAY)
    assert pnr.digits12 == number
    assert pnr.age_on(TODAY) == 0


def test_child_born_today():
    number = valid12("20250615123")
    assert parse(short(number), today=TODAY).birth_date == TODAY


def test_hyphen_with_date_later_this_year_is_last_century():
    # 2025-07-01 would be in the future, so the most recent possible century is the 1900s.
    number = valid12("19250701123")
    pnr = parse(short(number), today=TODAY)
    assert pnr.digits12 == number
    assert pnr.age_on(TODAY) == 99


@pytest.mark.parametrize("birth", ["19250101", "19250701", "19251231"])
def test_plus_from_the_year_the_person_turns_100(birth):
    # Folkbokföringslagen 18 §: the plus replaces the hyphen in the year the person turns 100,
    # so someone turning 100 later this year already writes a plus.
    number = valid12(birth + "123")
    assert parse(short(number, "+"), today=TODAY).digits12 == number


def test_plus_picks_the_most_recent_century_that_is_old_enough():
    number = valid12("18990101123")
    assert parse(short(number, "+"), today=TODAY).digits12 == number


def test_century_inference_across_new_year():
    new_year = date(2000, 1, 1)
    assert parse(short(valid12("19991231123")), today=new_year).birth_date == date(1999, 12, 31)
    assert parse(short(valid12("20000101123")), today=new_year).birth_date == new_year


def test_default_today_is_the_real_today():
    # Tolvan is unambiguous enough (born 1912) to parse the same whatever the current date is.
    assert parse(TOLVAN).digits12 == TOLVAN


# --- dates ------------------------------------------------------------------------------------------


def test_leap_day_2000_is_valid():
    number = valid12("20000229123")
    assert parse(number, today=TODAY).birth_date == date(2000, 2, 29)
    assert parse(short(number), today=TODAY).birth_date == date(2000, 2, 29)


def test_leap_day_1900_is_invalid():
    # 1900 is divisible by 100 but not by 400, so it had no 29 February.
    assert reason_of(valid12("19000229123")) == "date"


def test_ten_digit_leap_day_with_plus_resolves_to_1900_and_fails():
    assert reason_of(short(valid12("20000229123"), "+")) == "date"


@pytest.mark.parametrize(
    "first11",
    [
        "20230229123",  # not a leap year
        "19851301123",  # month 13
        "19850001123",  # month 00
        "19850100123",  # day 00
        "19850132123",  # day 32
        "19850431123",  # 31 April
        "17991231123",  # before any century Skatteverket uses
    ],
)
def test_impossible_dates(first11):
    assert reason_of(valid12(first11)) == "date"


def test_future_birth_date_is_rejected():
    assert reason_of(valid12("20250616123")) == "date"
    assert reason_of(valid12("20300101123")) == "date"


def test_future_check_uses_the_real_birth_date_of_a_coordination_number():
    # Day 76 means the 16th: tomorrow relative to TODAY.
    assert reason_of(valid12("20250676123")) == "date"
    assert parse(valid12("20250675123"), today=TODAY).birth_date == TODAY


def test_datetime_is_accepted_as_today():
    assert parse(ANNA, today=datetime(2025, 6, 15, 12, 0)).digits12 == ANNA


# --- samordningsnummer ------------------------------------------------------------------------------


def test_coordination_number():
    number = valid12("19121272123")
    pnr = parse(number, today=TODAY)
    assert pnr.is_coordination_number
    assert pnr.birth_date == date(1912, 12, 12)
    assert pnr.formatted == f"19121272-{number[8:]}"


def test_ten_digit_coordination_number_gets_a_century():
    number = valid12("19900361123")
    pnr = parse(short(number), today=TODAY)
    assert pnr.digits12 == number
    assert pnr.birth_date == date(1990, 3, 1)


@pytest.mark.parametrize("first11", ["19850191123", "20000289123"])
def test_coordination_number_at_the_edge_of_the_month(first11):
    assert parse(valid12(first11), today=TODAY).is_coordination_number


@pytest.mark.parametrize(
    "first11",
    [
        "19850192123",  # day 92 → 32
        "19850160123",  # day 60 → 0
        "19850491123",  # 91 → 31 April
        "19000289123",  # 89 → 29 February 1900
        "19850145123",  # between a real day and a coordination day
    ],
)
def test_invalid_coordination_days(first11):
    assert reason_of(valid12(first11)) == "date"


def test_ordinary_number_is_not_a_coordination_number():
    assert not parse(TOLVAN, today=TODAY).is_coordination_number


# --- checksum ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [TOLVAN, short(TOLVAN), ANNA, short(GRETA, "+"), valid12("19121272123")])
def test_every_other_check_digit_is_rejected(value):
    for digit in "0123456789":
        candidate = value[:-1] + digit
        if candidate == value:
            continue
        assert reason_of(candidate) == "checksum"


def test_swapped_adjacent_digits_are_caught():
    swapped = ANNA[:9] + ANNA[10] + ANNA[9] + ANNA[11:]  # 2011 → 2101
    assert reason_of(swapped) == "checksum"


def test_check_digit_ignores_the_century():
    # The check digit covers YYMMDDNNN only: the same ten digits are valid in both centuries.
    assert parse("20200101" + GRETA[8:], today=TODAY).birth_date == date(2020, 1, 1)


# --- format -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "19121212121",  # 11 digits
        "1912121212123",  # 13 digits
        "12121212",
        "121212121",
        "19121212-121",
        "191212-12121",
        "19121212--1212",
        "19121212+-1212",
        "19121212/1212",
        "19121212.1212",
        "1912 1212 1212",  # spaces inside the date
        "19121212-12a2",
        "1912121a1212",
        "abcdefghijkl",
        "19121212-1212x",
        "pnr 191212121212",
        "\u0661\u0669\u0661\u0662\u0661\u0662\u0661\u0662\u0661\u0662\u0661\u0662",  # Arabic-Indic digits
        "\uff11\uff19\uff11\uff12\uff11\uff12\uff11\uff12\uff11\uff12\uff11\uff12",  # fullwidth digits
        "19121212-121\u0662",
        "\u00b9\u2079121212-1212",  # superscript digits
        " " * 30 + TOLVAN + " " * 30,  # absurdly long input
    ],
)
def test_malformed_input(value):
    assert reason_of(value) == "format"


def test_plus_on_a_twelve_digit_number_of_a_centenarian_is_accepted():
    assert parse(f"{GRETA[:8]}+{GRETA[8:]}", today=TODAY).digits12 == GRETA


def test_plus_on_a_twelve_digit_number_of_a_younger_person_is_rejected():
    assert reason_of(f"{ANNA[:8]}+{ANNA[8:]}") == "format"


def test_non_string_input():
    with pytest.raises(TypeError):
        parse(191212121212, today=TODAY)  # type: ignore[arg-type]
    assert is_valid(None) is False  # type: ignore[arg-type]
    assert is_valid(191212121212) is False  # type: ignore[arg-type]


def test_invalid_personnummer_is_a_value_error():
    with pytest.raises(ValueError):
        parse("nonsense", today=TODAY)


# --- is_valid ---------------------------------------------------------------------------------------


def test_is_valid():
    assert is_valid(TOLVAN)
    assert is_valid(" 19850720-2011 ")
    assert not is_valid(wrong_check(TOLVAN))
    assert not is_valid("19000229" + "1234")
    assert not is_valid("")
    assert not is_valid("hello")


# --- the value object -------------------------------------------------------------------------------


def test_formatted_and_masked():
    pnr = parse(short(GRETA, "+"), today=TODAY)
    # Twelve digits with a hyphen, also for someone over 100: the century makes the plus unnecessary.
    assert pnr.formatted == "19200101-0178"
    assert pnr.masked == "19200101-****"


def test_str_repr_and_format_do_not_reveal_the_number():
    pnr = parse(ANNA, today=TODAY)
    assert str(pnr) == "19850720-****"
    assert repr(pnr) == "Personnummer(19850720-****)"
    for text in (
        str(pnr),
        repr(pnr),
        f"{pnr}",
        f"{pnr!r}",
        format(pnr),
        repr([pnr]),
        str({"p": pnr}),
    ):
        assert ANNA[8:] not in text
        assert ANNA not in text


def test_logging_a_personnummer_does_not_reveal_it(caplog):
    pnr = parse(ANNA, today=TODAY)
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("logged in %s (%r)", pnr, pnr)
    assert "19850720-****" in caplog.text
    assert ANNA[8:] not in caplog.text


def test_exception_does_not_reveal_the_input():
    bad = wrong_check(ANNA)
    with pytest.raises(InvalidPersonnummer) as excinfo:
        parse(bad, today=TODAY)
    assert excinfo.value.reason == "checksum"
    assert bad[8:] not in str(excinfo.value)
    assert bad[8:] not in repr(excinfo.value)


def test_exception_survives_pickling():
    # Pickle is how exceptions cross process boundaries (e.g. worker pools); the data here is our own.
    error = pickle.loads(pickle.dumps(InvalidPersonnummer("date")))  # noqa: S301
    assert isinstance(error, InvalidPersonnummer)
    assert error.reason == "date"


def test_equality_and_hashing():
    a = parse("850720-2011", today=TODAY)
    b = Personnummer(ANNA)
    assert a == b
    assert len({a, b}) == 1


def test_is_immutable():
    pnr = Personnummer(TOLVAN)
    with pytest.raises(AttributeError):
        pnr.digits12 = ANNA  # type: ignore[misc]


def test_direct_construction_is_validated():
    assert Personnummer(TOLVAN).birth_date == date(1912, 12, 12)
    with pytest.raises(InvalidPersonnummer) as excinfo:
        Personnummer("1212121212")
    assert excinfo.value.reason == "format"
    with pytest.raises(InvalidPersonnummer) as excinfo:
        Personnummer("19121212-1212")
    assert excinfo.value.reason == "format"
    with pytest.raises(InvalidPersonnummer) as excinfo:
        Personnummer(wrong_check(TOLVAN))
    assert excinfo.value.reason == "checksum"
    with pytest.raises(InvalidPersonnummer) as excinfo:
        Personnummer(valid12("19000229123"))
    assert excinfo.value.reason == "date"


# --- age --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(1985, 7, 20), 0),
        (date(2025, 7, 19), 39),
        (date(2025, 7, 20), 40),
        (date(2025, 12, 31), 40),
        (datetime(2025, 7, 20, 0, 0), 40),
    ],
)
def test_age_on(day, age):
    assert Personnummer(ANNA).age_on(day) == age


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2001, 2, 27), 0),
        # Lag (1930:173) 1 §: in a common year the birthday of someone born on 29 February is 28 February.
        (date(2001, 2, 28), 1),
        (date(2018, 2, 27), 17),
        (date(2018, 2, 28), 18),
        (date(2004, 2, 28), 3),
        (date(2004, 2, 29), 4),
    ],
)
def test_age_of_someone_born_on_leap_day(day, age):
    assert Personnummer(valid12("20000229123")).age_on(day) == age


def test_age_of_a_coordination_number_uses_the_real_birth_date():
    pnr = Personnummer(valid12("19850780123"))  # 80 → the 20th
    assert pnr.age_on(date(2025, 7, 19)) == 39
    assert pnr.age_on(date(2025, 7, 20)) == 40


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError):
        Personnummer(ANNA).age_on(date(1985, 7, 19))


# --- mask -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login ok pnr=19121212-1212 ip=10.0.0.1", "login ok pnr=19121212-**** ip=10.0.0.1"),
        ("user 191212121212 signed", "user 19121212**** signed"),
        ("short form 850720-2011.", "short form 850720-****."),
        ("short form 8507202011", "short form 850720****"),
        ("old 200101+0178", "old 200101+****"),
        ("spaced 19121212 1212 end", "spaced 19121212 **** end"),
        ("dash 19121212\u20131212", "dash 19121212\u2013****"),
        ("coordination 19121272-1234", "coordination 19121272-****"),
        ("/users/198507202011/cases", "/users/19850720****/cases"),
        ('{"pnr": "198507202011"}', '{"pnr": "19850720****"}'),
        ("a=191212121212,b=850720-2011", "a=19121212****,b=850720-****"),
        # A wrong check digit is still somebody's (mistyped) number.
        ("rejected 191212121213", "rejected 19121212****"),
    ],
)
def test_mask_hides_the_last_four_digits(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nothing to see here",
        "2025-06-15 12:34:56,789 INFO request done in 12 ms",
        "order 12345 for 99 kr",
        "epoch 1718000000",  # month 18: not a date
        "card 4111111111111111",  # 16 digits
        "id 1912121212123",  # 13 digits
        "request 550e8400-e29b-41d4-a716-446655440000",
        "99191212121212",  # digits on both sides of a 12-digit run
    ],
)
def test_mask_leaves_other_text_alone(text):
    assert mask(text) == text


def test_mask_is_idempotent():
    text = "pnr=19121212-1212 and 850720-2011"
    assert mask(mask(text)) == mask(text)


def test_mask_in_a_logging_filter(caplog):
    class MaskFilter(logging.Filter):
        def filter(self, record):
            record.msg = mask(record.getMessage())
            record.args = None
            return True

    logger = logging.getLogger("test.mask")
    logger.addFilter(MaskFilter())
    try:
        with caplog.at_level(logging.INFO, logger="test.mask"):
            logger.info("BankID login for %s", "19850720-2011")
    finally:
        logger.filters.clear()
    assert "19850720-****" in caplog.text
    assert ANNA[8:] not in caplog.text
