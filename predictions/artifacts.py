"""Model artifacts on disk: written atomically with joblib, loaded only when the file's SHA-256 equals the one
recorded at training (checked at every load; the loaded object is cached per digest). No Django."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import TYPE_CHECKING

import joblib

if TYPE_CHECKING:
    from predictions.ebm import GlassBoxModel


class ArtifactError(RuntimeError):
    """A stored model file is missing or does not match its recorded SHA-256 checksum."""


def save(model: GlassBoxModel, path: Path) -> str:
    """Write the model with joblib atomically (temp file + rename); return its SHA-256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    data = buf.getvalue()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return hashlib.sha256(data).hexdigest()


_CACHE: dict[str, GlassBoxModel] = {}


def load(path: Path, sha256: str) -> GlassBoxModel:
    """Load a model, refusing it unless the file's SHA-256 equals the recorded one (checked every load)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"model artifact {path} cannot be read: {exc.strerror or exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ArtifactError(
            f"model artifact {path} failed its checksum (expected {sha256[:12]}…, found {digest[:12]}…): "
            "refusing to load a file that was changed after training"
        )
    if digest not in _CACHE:  # the hash was just verified, so a cached object is the same bytes
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[digest] = joblib.load(io.BytesIO(data))
    return _CACHE[digest]
