"""The Docker image's static files (STATIC_MANIFEST=1): collectstatic succeeds with the vendored files as
shipped, and pages then link hashed, pre-compressed copies."""

import re

import pytest
from django.core.management import call_command
from django.template import Context, Template


@pytest.mark.slow
def test_manifest_collectstatic_gives_hashed_compressed_files(settings, tmp_path):
    # Django's setting_changed receivers reset the lazy staticfiles storage for both settings
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "core.staticstorage.ManifestStaticStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    url = Template("{% load static %}{% static 'vendor/chart-4.6.1.umd.min.js' %}").render(Context())
    assert re.fullmatch(r"/static/vendor/chart-4\.6\.1\.umd\.min\.[0-9a-f]{12}\.js", url)  # the hash is in the name
    name = url.removeprefix("/static/")
    assert (tmp_path / name).exists() and (tmp_path / f"{name}.gz").exists()
