"""Text and feature embeddings (1536 dimensions). Pure adapter: no Django imports.

* ``OpenAIEmbedder`` — OpenAI ``text-embedding-3-small`` (or any compatible server) when a key is set.
* ``LocalEmbedder`` — deterministic, offline: hashed word tokens, word bigrams and character trigrams
  (signed feature hashing into 1536 buckets), L2-normalised. Similar wording → high cosine, so
  knowledge search works with no network at all.
* ``feature_vector`` — the technician-similarity vector: standardised numeric profile/snapshot features,
  zero-padded to 1536 and L2-normalised (padding with zeros leaves cosine similarity unchanged). Only the
  first ``TECH_DIMS`` dimensions are ever non-zero, so the HNSW index indexes just those
  (``subvector(embedding, 1, TECH_DIMS)``, assistant/migrations/0004_scale_hnsw_index.py): same cosine,
  1/48 of the distance work and an index that fits in memory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

DIM = 1536
# Technician vectors use dimensions [0, TECH_DIMS) only: the features, then the last one of them
# (TECH_DIMS - 1) is the "no data at all" direction. The technician HNSW index is on this sub-vector.
TECH_DIMS = 32
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the of to in on for and or is are was were be by with at as it its this that what our we you your "
    "do does how who which".split()
)


def _bucket(token: str) -> tuple[int, float]:
    h = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    n = int.from_bytes(h, "little")
    return n % DIM, (1.0 if (n >> 63) & 1 else -1.0)


def normalise(vec: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else vec


class LocalEmbedder:
    """Deterministic offline embedder (same input → same vector, on every machine)."""

    name = "local-hash-v1"
    dim = DIM

    def embed_one(self, text: str) -> list[float]:
        vec = np.zeros(DIM, dtype=np.float32)
        words = [w for w in _WORD.findall((text or "").lower()) if w not in _STOP]
        for w in words:
            i, s = _bucket("w:" + w)
            vec[i] += 2.0 * s
            stem = w[:5]  # crude stemming: "bonuses" ~ "bonus", "retention" ~ "retain"
            i, s = _bucket("s:" + stem)
            vec[i] += 1.0 * s
            padded = f"#{w}#"
            for k in range(len(padded) - 2):
                i, s = _bucket("c:" + padded[k : k + 3])
                vec[i] += 0.3 * s
        for a, b in zip(words, words[1:], strict=False):
            i, s = _bucket(f"b:{a} {b}")
            vec[i] += 1.0 * s
        if not words:
            vec[_bucket("empty")[0]] = 1.0
        return normalise(vec).tolist()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_one(t) for t in texts]


class OpenAIEmbedder:
    """OpenAI embeddings through the official client (sync; used by Celery tasks and tool calls)."""

    dim = DIM

    def __init__(self, *, api_key: str, base_url: str | None, model: str, timeout: float, max_retries: int = 2):
        from openai import OpenAI

        self.name = model
        self._client = OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), 100):
            batch = [t or " " for t in texts[start : start + 100]]
            resp = self._client.embeddings.create(model=self.name, input=batch, dimensions=DIM)
            out.extend(d.embedding for d in sorted(resp.data, key=lambda d: d.index))
        return out

    def embed_one(self, text: str) -> list[float]:
        return self.embed([text])[0]


def chunk_text(text: str, *, max_chars: int = 900, overlap: int = 150) -> list[str]:
    """Split on paragraphs, packing them into chunks of at most ``max_chars`` (long paragraphs are cut)."""
    text = (text or "").replace("\x00", "").replace("\r\n", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    chunks: list[str] = []
    current = ""
    for p in paragraphs:
        while len(p) > max_chars:
            cut = p.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            if current:
                chunks.append(current)
                current = ""
            chunks.append(p[:cut].strip())
            p = p[max(cut - overlap, 1) :].strip()
        if current and len(current) + len(p) + 2 > max_chars:
            chunks.append(current)
            current = p
        else:
            current = f"{current}\n\n{p}" if current else p
    if current:
        chunks.append(current)
    return chunks


def feature_vector(
    values: Sequence[float | None], means: Sequence[float], stds: Sequence[float], *, dim: int = DIM
) -> list[float]:
    """Standardise (z-score; missing → the mean) and zero-pad to ``dim`` (1536) dims, L2-normalised.

    At most ``TECH_DIMS - 1`` features: the similarity index only sees the first ``TECH_DIMS`` dimensions
    (``dim=TECH_DIMS`` gives just that part; the rest of a stored vector is zeros)."""
    return feature_matrix([values], means, stds, dim=dim)[0].tolist()


def feature_matrix(rows, means: Sequence[float], stds: Sequence[float], *, dim: int = DIM) -> np.ndarray:
    """``feature_vector`` for many rows at once (float32, one row per input row)."""
    x = np.array([[np.nan if v is None else float(v) for v in row] for row in rows], dtype=float).reshape(len(rows), -1)
    k = x.shape[1]
    if k > TECH_DIMS - 1:
        raise ValueError(f"{k} features; technician vectors hold at most {TECH_DIMS - 1}")
    s = np.asarray(stds, dtype=float)
    z = (x - np.asarray(means, dtype=float)) / np.where(s > 1e-9, s, 1.0)
    out = np.zeros((len(rows), dim), dtype=np.float32)
    out[:, :k] = np.nan_to_num(z, nan=0.0)
    out[~out.any(axis=1), TECH_DIMS - 1] = 1.0  # an all-average technician still needs a direction (indexed part)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1)
