"""Production settings come from the environment: `check --deploy` with the README's variables gives 0 warnings,
and every response carries a strict Content-Security-Policy (no 'unsafe-inline')."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Exactly the variables README.md › Production lists (database/redis point nowhere: `check` does not connect).
PRODUCTION_ENV = {
    "DEBUG": "0",
    "HTTPS": "1",
    "SECURE_PROXY_SSL_HEADER": "1",
    "ALLOWED_HOSTS": "ta.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://ta.example.com",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:9/x",
    "REDIS_URL": "redis://127.0.0.1:9/0",
}


def _check(extra: dict) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **extra}
    cmd = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_check_deploy_with_the_documented_production_variables_has_no_warnings():
    r = _check({**PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(50)})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout
    readme = (ROOT / "README.md").read_text()
    for name in [*PRODUCTION_ENV, "SECRET_KEY", "SESSION_COOKIE_AGE"]:
        assert f"`{name}`" in readme, f"README production section does not list {name}"


def test_without_the_https_settings_check_deploy_warns(settings):
    """The check above is not vacuous: the development defaults do warn (in-process, cheap)."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.SECURE_HSTS_SECONDS, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE = 0, False, False
    with pytest.raises(SystemCheckError) as exc:
        call_command("check", deploy=True, fail_level="WARNING", tags=["security"])
    assert "W004" in str(exc.value) and "W008" in str(exc.value) and "W012" in str(exc.value)


@pytest.mark.django_db
def test_pages_carry_a_strict_csp(hr_client):
    r = hr_client.get("/technicians/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


@pytest.mark.django_db
def test_templates_have_no_inline_script_handlers_or_style_attributes():
    """A strict CSP blocks them: every inline script needs the nonce, and style/on* attributes are not allowed."""
    import re

    bad = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for m in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            if "csp_nonce" not in m.group(0):
                bad.append(f"{path.name}: inline script without nonce")
        if re.search(r"\sstyle=\"", text):
            bad.append(f"{path.name}: style attribute")
        if re.search(r"\son[a-z]+=\"", text):
            bad.append(f"{path.name}: inline event handler")
    assert not bad
