"""`make screenshots`: every page as each role at desktop (1440×900) and phone (390×844) width.

Runs against a running app (`make run`; BASE_URL, default http://127.0.0.1:8000) with the demo logins
(hradmin / recruiter, password demo12345, or SCREENSHOT_PASSWORD). Writes PNGs into SCREENSHOTS_DIR
(default screenshots/) named <role>-<page>-<desktop|phone>.png, plus index.html to look at them all at once,
and prints one line per page with its horizontal overflow at phone width.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.pages import OVERFLOW_JS, pages_for  # noqa: E402

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
OUT = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "screenshots"))
PASSWORD = os.environ.get("SCREENSHOT_PASSWORD", "demo12345")
USERS = {
    "hr": os.environ.get("SCREENSHOT_HR_USER", "hradmin"),
    "rec": os.environ.get("SCREENSHOT_REC_USER", "recruiter"),
}
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def first_match(page, url: str, pattern: str) -> str | None:
    page.goto(BASE + url)
    m = re.search(pattern, page.content())
    return m.group(1) if m else None


def main() -> int:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    shots: list[tuple[str, str, str]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        for role, username in USERS.items():
            ctx = browser.new_context(viewport={"width": 1440, "height": 900})
            page = ctx.new_page()
            page.goto(f"{BASE}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            if "/accounts/login" in page.url:
                print(f"!! could not log in as {username}", file=sys.stderr)
                return 1
            ids = {
                "tech": first_match(page, "/predictions/", r'href="/technicians/([A-Za-z0-9_-]+)/"')
                or first_match(page, "/technicians/", r'href="/technicians/([A-Za-z0-9_-]+)/"'),
                "candidate": first_match(page, "/predictions/candidates/", r'href="/predictions/candidates/([^/"]+)/"'),
                "run": first_match(page, "/forecasts/runs/", r'href="/forecasts/runs/([0-9a-f-]{36})/"'),
                "model": first_match(page, "/admin/predictions/trainedmodel/", r'href="/admin/predictions/trainedmodel/([0-9a-f-]{36})/change/')
                if role == "hr" else None,
            }  # fmt: skip
            for name, path in pages_for(role, ids):
                for size, (w, h) in SIZES.items():
                    page.set_viewport_size({"width": w, "height": h})
                    try:
                        page.goto(BASE + path, timeout=60000)
                        page.wait_for_load_state("networkidle", timeout=10000)  # htmx panels, charts
                    except PlaywrightTimeout:
                        print(f"   (slow: {path})", flush=True)
                    page.wait_for_timeout(300)
                    file = f"{role}-{name}-{size}.png"
                    page.screenshot(path=str(OUT / file), full_page=True)
                    extra = ""
                    if size == "phone":
                        over = page.evaluate(OVERFLOW_JS)
                        extra = f"  overflow {over}px" if over > 0 else ""
                    shots.append((role, name, file))
                    print(f"{file:45s} {path}{extra}", flush=True)
            ctx.close()
        browser.close()
    rows = "\n".join(
        f'<figure><img src="{f}" loading="lazy" width="360"><figcaption>{f}</figcaption></figure>' for _, _, f in shots
    )
    (OUT / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>Screenshots</title><style>body{font-family:sans-serif;display:flex;"
        "flex-wrap:wrap;gap:12px}figure{margin:0}img{border:1px solid #ccc}</style>" + rows
    )
    print(f"{len(shots)} screenshots in {OUT}/ (open index.html)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
