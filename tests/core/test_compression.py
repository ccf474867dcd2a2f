"""Responses are compressed and static files carry cache headers (WhiteNoise + GZip)."""


def test_html_is_gzipped(client, db):
    r = client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip")
    assert r.status_code == 200 and r["Content-Encoding"] == "gzip"


def test_versioned_vendor_files_are_cached_for_good_and_app_files_for_an_hour(client, db):
    vendor = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert vendor.status_code == 200 and "immutable" in vendor["Cache-Control"]
    app = client.get("/static/css/app.css")
    assert app.status_code == 200 and "max-age=3600" in app["Cache-Control"] and "immutable" not in app["Cache-Control"]
    for r in (vendor, app):
        r.close()


def test_favicon_ico_is_not_a_404(client, db):
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r["Location"].endswith("/static/favicon.svg")
