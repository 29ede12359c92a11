"""Puts the repository's pages, styles and compiled catalogues into the wheel, as portal/_bundled/.

templates/, static/ and translations/ stay at the top of the repository, where a checkout and an editable
install read them (portal/config.py). A wheel gets copies, and the catalogues compiled here with Babel (a
build requirement), because .mo files are not committed: a plain `python -m build` from a fresh clone then
gives a wheel that serves every page in both languages, with no `make` step to forget.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
COPIED = ("templates", "static")


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own directories
        target = Path(self.build_lib) / "portal" / "_bundled"
        for name in COPIED:
            for source in sorted((ROOT / name).rglob("*")):
                if source.is_file() and not _ignored(source.relative_to(ROOT)):
                    destination = target / source.relative_to(ROOT)
                    self.mkpath(str(destination.parent))
                    self.copy_file(str(source), str(destination))
        self._compile_catalogues(target / "translations")

    def _compile_catalogues(self, target: Path) -> None:
        sources = sorted((ROOT / "translations").glob("*/LC_MESSAGES/*.po"))
        if not sources:
            raise SystemExit("no catalogues in translations/: the wheel would have no Swedish")
        for po in sources:
            locale = po.parent.parent.name
            with po.open("rb") as handle:
                catalogue = read_po(handle, locale=locale)
            mo = target / po.relative_to(ROOT / "translations").with_suffix(".mo")
            self.mkpath(str(mo.parent))
            with mo.open("wb") as handle:
                write_mo(handle, catalogue)
            self.announce(f"compiled {po.relative_to(ROOT)} -> {mo}", level=2)


def _ignored(path: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in path.parts)


setup(cmdclass={"build_py": BuildWithResources})
