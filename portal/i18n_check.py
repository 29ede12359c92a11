"""Fails when the message catalogue is stale or the Swedish translation is incomplete.

Run by `make test`: extracts the strings the code uses now and compares them with translations/sv.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

from portal.config import PROJECT_ROOT

REQUIRED_COMPLETE = ("sv", "ar")


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
    for locale in REQUIRED_COMPLETE:
        po_path = PROJECT_ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as f:
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
    print(f"catalogues complete: {len(used)} messages, translated into {', '.join(REQUIRED_COMPLETE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
