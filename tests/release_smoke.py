"""The release smoke test (`make release-smoke`; `make test` runs it last): what a municipality's IT
department does with a release, done here from scratch each time.

1. Build the sdist and, from it, the wheel (`python -m build`), and check both carry what the portal needs.
2. Install the wheel into a fresh virtualenv, without extras.
3. With no settings at all, the portal refuses to start and lists what to set (production is the default).
4. With production settings (dummy BankID certificate files, never read before a login): migrate a fresh
   SQLite database in ./instance, load a municipality, run the outbox worker once; seed-demo is refused.
5. A receipt PDF made by the installed package is tagged (its structure tree, its language): WeasyPrint,
   its system libraries and the shipped fonts work outside the development venv.
6. Serve with gunicorn and the settings shipped in the package, and fetch the start page (Swedish and
   English), the login page, a static file and /health; an unknown Host gets the 400 page.

Prints each step; exits non-zero at the first failure and keeps its directory for a look.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
HOST = "minasidor.smoke.invalid"
MUNICIPALITY = "Smokeby kommun"
STEP_TIMEOUT = 300


RECEIPT_CHECK = """
import datetime, io, pypdf
from portal.applications.receipt_pdf import SWEDISH_TEXTS, ReceiptData, render_receipt
at = datetime.datetime(2025, 1, 15, 9, 30, tzinfo=datetime.UTC)
pdf = render_receipt(ReceiptData("Smokeby kommun", "Home help", "AB12-CD34", at, "Tolvan Tolvansson",
    [("About you", [("Name", "Tolvan")])], [], [("Tolvan Tolvansson", at)], SWEDISH_TEXTS, lang="en"))
root = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
print("tagged" if "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"] else "untagged", root["/Lang"])
"""


class SmokeFailure(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


_STARTED = time.monotonic()


def step(text: str) -> None:
    print(f"release smoke [{time.monotonic() - _STARTED:5.1f} s]: {text}", flush=True)


def run(command: list[str | Path], *, env: dict[str, str], cwd: Path, expect_ok: bool = True) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    output = done.stdout + done.stderr
    if expect_ok and done.returncode:
        raise SmokeFailure(f"{' '.join(map(str, command))} exited {done.returncode}:\n{output}")
    if not expect_ok and not done.returncode:
        raise SmokeFailure(f"{' '.join(map(str, command))} should have been refused:\n{output}")
    return output


def clean_environment() -> dict[str, str]:
    """The caller's environment without the portal's settings or the development virtualenv."""
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    return {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k not in drop}


def build(work: Path) -> tuple[Path, Path]:
    step("building the sdist and the wheel (python -m build)")
    dist = work / "dist"
    run([sys.executable, "-m", "build", "--outdir", dist, REPO], env=clean_environment(), cwd=REPO)
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    check(len(wheels) == 1 and len(sdists) == 1, f"expected one wheel and one sdist in {dist}")
    return wheels[0], sdists[0]


def check_contents(wheel: Path, sdist: Path) -> None:
    step(f"checking {wheel.name} and {sdist.name}")
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    wanted = {
        f"portal/_bundled/{path.relative_to(REPO)}" for path in _files(REPO / "templates", REPO / "static")
    }
    wanted |= {f"portal/_bundled/translations/{loc}/LC_MESSAGES/messages.mo" for loc in _locales()}
    wanted |= {
        f"portal/migrations/versions/{path.name}"
        for path in (REPO / "portal/migrations/versions").glob("*.py")
    }
    wanted |= {
        "portal/migrations/env.py",
        "portal/migrations/script.py.mako",
        "portal/applications/fonts/DejaVuSans.ttf",
        "portal/applications/fonts/DejaVuSans-Bold.ttf",
        "portal/bankid_simulator/templates/base.html",
        "portal/gunicorn_conf.py",
        "portal/wsgi.py",
    }
    missing = sorted(wanted - in_wheel)
    check(not missing, f"the wheel lacks {len(missing)} files, e.g. {missing[:5]}")
    with tarfile.open(sdist) as archive:
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("setup.py", "templates/base.html", "static/css/portal.css", "deploy/medborgarvy.service"):
        check(needed in in_sdist, f"the sdist lacks {needed}")
    for locale in _locales():
        check(
            f"translations/{locale}/LC_MESSAGES/messages.po" in in_sdist,
            f"the sdist lacks {locale}'s catalogue",
        )


def _files(*roots: Path) -> list[Path]:
    return [path for root in roots for path in root.rglob("*") if path.is_file()]


def _locales() -> list[str]:
    return sorted(
        path.parent.parent.name for path in (REPO / "translations").glob("*/LC_MESSAGES/messages.po")
    )


def install(work: Path, wheel: Path) -> Path:
    step("installing the wheel without extras into a fresh virtualenv")
    venv = work / "venv"
    env = clean_environment()
    # The venv without a pip of its own, filled by this one's (`pip --python`): the same packages, a few
    # seconds less on a busy machine.
    run([sys.executable, "-m", "venv", "--without-pip", venv], env=env, cwd=work)
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin/python"]
    # No byte-compiling of every installed module: what is imported is compiled on first use anyway.
    run([*pip, "install", "--quiet", "--no-compile", wheel], env=env, cwd=work)
    run([*pip, "check"], env=env, cwd=work)
    return venv / "bin"


# Every module imports at the top: without the dev extras (locust, playwright) each must still import.
# portal.wsgi builds the app from settings, and Alembic runs the migrations' env.py itself.
_IMPORT_ALL = """
import importlib, pkgutil
import forms, integrations, portal
for package in (portal, forms, integrations):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not module.name.startswith(("portal.wsgi", "portal.migrations")):
            importlib.import_module(module.name)
"""


def import_everything(work: Path, bin_dir: Path) -> None:
    step("importing every module of the installed package")
    run([bin_dir / "python", "-c", _IMPORT_ALL], env=clean_environment(), cwd=work)


def production_settings(site: Path, port: int) -> dict[str, str]:
    (site / "rp.crt").write_text("not read before a BankID login\n")
    (site / "rp.key").write_text("not read before a BankID login\n")
    base = {k: v for k, v in clean_environment().items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {
        **base,
        # No PORTAL_ENV: production is what an unset one means.
        "PORTAL_SECRET_KEY": secrets.token_urlsafe(32),
        "PORTAL_BASE_URL": f"https://{HOST}",
        "PORTAL_TRUSTED_HOSTS": HOST,
        "PORTAL_DEMO": "false",
        "PORTAL_BANKID_SIMULATOR": "false",
        "PORTAL_BANKID_URL": "https://appapi2.bankid.com/rp/v6.0/",
        "PORTAL_BANKID_CLIENT_CERT": str(site / "rp.crt"),
        "PORTAL_BANKID_CLIENT_KEY": str(site / "rp.key"),
        "PORTAL_SECURE_COOKIES": "true",
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def operate(work: Path, bin_dir: Path) -> None:
    site = work / "site"  # the operator's working directory
    site.mkdir()
    port = free_port()
    settings = production_settings(site, port)
    portal = bin_dir / "portal"

    step("with no settings: refused, each setting on its own line")
    bare = {k: v for k, v in settings.items() if not k.startswith("PORTAL_")}
    refusal = run([portal, "worker", "--once"], env=bare, cwd=site, expect_ok=False)
    check("Traceback" not in refusal, f"a traceback instead of the list of settings:\n{refusal}")
    for name in ("PORTAL_SECRET_KEY", "PORTAL_BASE_URL", "PORTAL_TRUSTED_HOSTS", "PORTAL_DEMO"):
        check(f"\n- {name}" in refusal, f"{name} is not named on a line of its own:\n{refusal}")

    step("portal db upgrade, load-municipalities, worker --once; seed-demo refused")
    run([portal, "db", "upgrade"], env=settings, cwd=site)
    check((site / "instance" / "portal.db").is_file(), "the database is not in ./instance")
    municipalities = site / "municipalities.json"
    municipalities.write_text(
        f'[{{"slug": "smokeby", "name": "{MUNICIPALITY}", "host_names": ["{HOST}"], "is_default": true}}]'
    )
    run([portal, "load-municipalities", municipalities], env=settings, cwd=site)
    run([portal, "worker", "--once"], env=settings, cwd=site)
    refused = run([portal, "seed-demo"], env=settings, cwd=site, expect_ok=False)
    check("refused in production" in refused, f"seed-demo was not refused as production:\n{refused}")

    step("a receipt PDF from the installed package: tagged, in its language")
    made = run([bin_dir / "python", "-c", RECEIPT_CHECK], env=settings, cwd=site)
    check("tagged en" in made, f"the receipt PDF is not tagged or not in English:\n{made}")

    step("gunicorn -c python:portal.gunicorn_conf portal.wsgi:app")
    log_path = work / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [bin_dir / "gunicorn", "-c", "python:portal.gunicorn_conf", "portal.wsgi:app"],
            cwd=site,
            env=settings,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        fetch_pages(f"http://127.0.0.1:{port}", server, log_path)
    finally:
        step("stopping gunicorn")
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    step("gunicorn stopped")
    log_text = log_path.read_text(errors="replace")
    check("Traceback" not in log_text and " ERROR " not in log_text, f"gunicorn logged errors:\n{log_text}")


def fetch_pages(url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    with httpx.Client(base_url=url, headers={"Host": HOST}, timeout=10.0) as client:
        deadline = time.monotonic() + 60
        while True:
            check(server.poll() is None, f"gunicorn exited:\n{log_path.read_text(errors='replace')}")
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            check(
                time.monotonic() < deadline, f"no answer on /health:\n{log_path.read_text(errors='replace')}"
            )
            time.sleep(0.2)

        step("fetching the start page, the login page, a static file, English, an unknown host")
        start = client.get("/")
        check(start.status_code == 200, f"start page: {start.status_code}\n{start.text[:2000]}")
        check('<html lang="sv"' in start.text and MUNICIPALITY in start.text, "start page is not Smokeby's")
        # Swedish text comes from the compiled catalogue: without it the page would read "Log in".
        check(">Logga in<" in start.text, "the start page is not in Swedish (no compiled catalogue?)")
        login = client.get("/logga-in")
        check(login.status_code == 200 and "BankID" in login.text, f"login page: {login.status_code}")
        css = client.get("/static/css/portal.css")
        check(css.status_code == 200, f"static file: {css.status_code}")
        check(css.content == (REPO / "static/css/portal.css").read_bytes(), "the static file differs")
        english = client.get("/", cookies={"portal_locale": "en"})
        check(english.status_code == 200 and '<html lang="en"' in english.text, "no English start page")
        check(">Log in<" in english.text, "the English start page is not in English")
        unknown = client.get("/", headers={"Host": "127.0.0.1"})
        check(unknown.status_code == 400, f"an unknown Host got {unknown.status_code}, not 400")
        check("Adressen används inte" in unknown.text, "the unknown-host page is not the translated one")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="medborgarvy-release-"))
    try:
        wheel, sdist = build(work)
        check_contents(wheel, sdist)
        bin_dir = install(work, wheel)
        import_everything(work, bin_dir)
        operate(work, bin_dir)
    except (SmokeFailure, subprocess.TimeoutExpired) as failure:
        print(f"release smoke FAILED: {failure}\n(kept {work})", file=sys.stderr)
        return 1
    step("passed")
    # Thousands of files: removed in the background, not on the test's time.
    subprocess.Popen(["rm", "-rf", str(work)], start_new_session=True)

    return 0


if __name__ == "__main__":
    sys.exit(main())
