"""Every module imports at the top (ruff's PLC0415) and no import circle needs an import inside a function:
each module of portal, forms and integrations imports in a fresh interpreter, in either order. A circle shows
as an ImportError ("partially initialized module") when its modules are imported in the wrong order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# portal.wsgi builds the app from the environment's settings; the migrations run when imported (Alembic's
# env.py) and are loaded by Alembic, not imported.
NOT_IMPORTED = ("portal.wsgi", "portal.migrations")


def _modules() -> list[str]:
    names = []
    for package in ("portal", "forms", "integrations"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            if not name.startswith(NOT_IMPORTED):
                names.append(name)
    return sorted(names)


def test_the_module_list_is_complete():
    modules = _modules()
    assert {"portal.app", "portal.cli", "forms.engine", "integrations"} <= set(modules)
    assert len(modules) > 100


@pytest.mark.parametrize("order", ["sorted", "reversed"])
def test_every_module_imports_in_a_fresh_interpreter(order):
    modules = _modules() if order == "sorted" else _modules()[::-1]
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    result = subprocess.run(
        [sys.executable, "-c", script, *modules], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
