"""Fails when the catalogue is stale, a translation is incomplete, or a translation loses a placeholder.

Run by `make test`: extracts the strings the code uses now and compares them with the catalogue of every
configured locale. English needs no translations (the msgids are English); every other configured locale
must be complete, except those still listed in TRANSLATION_PENDING.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

from portal.config import PROJECT_ROOT, Config

# The msgids are English: its catalogue stays empty on purpose.
SOURCE_LOCALE = "en"
# Configured locales whose catalogue exists but is still being translated.
# Remove a locale from here when its catalogue is complete; from then on the build fails if it falls behind.
TRANSLATION_PENDING: tuple[str, ...] = ()
PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[-#0 +]*\d*(?:\.\d+)?[sdfr]|%[sd]")


def configured_locales() -> tuple[str, ...]:
    return Config().locales


def required_complete() -> tuple[str, ...]:
    return tuple(
        locale
        for locale in configured_locales()
        if locale != SOURCE_LOCALE and locale not in TRANSLATION_PENDING
    )


EASY_READ_LOCALE = "sv"


def catalogue_path(locale: str, domain: str = "messages") -> Path:
    return PROJECT_ROOT / "translations" / locale / "LC_MESSAGES" / f"{domain}.po"


def placeholder_problems(locale: str, domain: str = "messages") -> list[str]:
    """Every translation must keep exactly the placeholders of its msgid: a lost %(date)s hides the date, a
    misspelt one makes the page fail."""
    with catalogue_path(locale, domain).open("rb") as f:
        catalog = read_po(f)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if string and sorted(PLACEHOLDER.findall(string)) != wanted:
                problems.append(
                    f"{locale}: placeholders differ from the msgid in {string!r} (msgid {ids[0]!r})"
                )
    return problems


def easy_read_problems(used: set[str]) -> list[str]:
    """The lättläst texts replace Swedish ones by msgid: one whose msgid the code no longer uses is dead."""
    with catalogue_path(EASY_READ_LOCALE, "lattlast").open("rb") as f:
        catalog = read_po(f)
    problems = placeholder_problems(EASY_READ_LOCALE, "lattlast")
    for message in catalog:
        if not message.id:
            continue
        if message.id not in used:
            problems.append(
                f"lattlast: no longer used by the code, rewrite it for the new msgid: {message.id!r}"
            )
        elif not message.string or message.fuzzy:
            problems.append(f"lattlast: not written: {message.id!r}")
    return problems


def extract() -> set[str]:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run(  # noqa: S603 - pybabel from our own environment
            [
                str(Path(sys.executable).with_name("pybabel")),
                "--quiet",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "_l",
                "-k",
                "lazy_gettext",
                "-o",
                str(pot),
                ".",
            ],
            cwd=PROJECT_ROOT,
            check=True,
        )
        with pot.open("rb") as f:
            return {str(m.id) if not isinstance(m.id, tuple) else m.id[0] for m in read_po(f) if m.id}


def main() -> int:
    used = extract()
    problems: list[str] = []
    for locale in configured_locales():
        if not catalogue_path(locale).exists():
            problems.append(f"{locale}: configured but has no catalogue (pybabel init -l {locale})")
            continue
        problems += placeholder_problems(locale)
    problems += easy_read_problems(used)
    for locale in required_complete():
        if not catalogue_path(locale).exists():
            continue
        with catalogue_path(locale).open("rb") as f:
            catalog = read_po(f)
        translated = {}
        for message in catalog:
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            translated[key] = bool(all(strings)) and not message.fuzzy
        missing = sorted(used - translated.keys())
        untranslated = sorted(k for k in used & translated.keys() if not translated[k])
        problems += [f"{locale}: not in the catalogue (run `make messages`): {m!r}" for m in missing]
        problems += [f"{locale}: not translated: {m!r}" for m in untranslated]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} catalogue problem(s)")
        return 1
    print(f"catalogues complete: {len(used)} messages, translated into {', '.join(required_complete())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
