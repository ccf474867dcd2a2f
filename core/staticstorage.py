"""Static files for the Docker image: WhiteNoise's compressed manifest storage (hashed names, .gz copies,
served with a one-year cache), minus the rewriting of JavaScript source-map comments — the vendored
Chart.js names a .map file that is not shipped, which would otherwise fail collectstatic."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(p for p in CompressedManifestStaticFilesStorage.patterns if p[0] == "*.css")
