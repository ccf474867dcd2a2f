"""Exact, compact stored explanations: a term's contribution is stored as a small code into that term's codebook.

An EBM's contribution of term ``t`` to one row is ``term_scores_[t][bin indices]`` — a lookup in the term's
score table (``interpret``'s ``ebm_eval_terms``). So every contribution the model can ever produce is one of
the values of that table: the **codebook** of the term is the sorted distinct values of its table, and a
stored contribution is its index in the codebook — one byte for a term whose table has at most 256
distinct values (a main effect of up to 254 bins), two for a larger one (an interaction's 2-D table). Decoding is ``codebook[t][code]``: the very
float64 ``eval_terms`` returned, bit for bit (-0.0 and 0.0 aside, which are equal), so ``intercept +
sum(contributions) == logit`` holds exactly as before.

The codebook lives in its own row (``ContributionCodebook``, one per version, computed from the verified
artifact the first time the version scores), so reading an explanation never loads the artifact. Rows stay self-describing by their length:
``len(terms) * 8`` bytes are float64 contributions (rows written before codes, or a model without a
codebook such as the shallow tree, whose Saabas contributions are sums along a path); the codebook's
``width`` (between ``len(terms)`` and twice that) bytes are codes. Encoding checks every decoded value
against the computed one and falls back to float64 for a frame where any differs, so a stored explanation
is exact or the write is the old one.
"""

from __future__ import annotations

import numpy as np

MAGIC = b"TACB2"  # Technician Analytics codebook, layout 2 (a width per term)


def build(estimator) -> bytes | None:
    """The codebook of a fitted EBM estimator (None when a table has more than 65,536 distinct values)."""
    tables = [np.unique(np.asarray(s, dtype="<f8").ravel()) for s in estimator.term_scores_]
    if any(len(t) > 65536 for t in tables):
        return None
    counts = np.asarray([len(t) for t in tables], dtype="<u4")
    head = MAGIC + len(tables).to_bytes(4, "little")
    return head + counts.tobytes() + b"".join(t.astype("<f8").tobytes() for t in tables)


class Codebook:
    """A parsed codebook: ``tables[t]`` are term ``t``'s possible contributions, sorted. A term's code takes
    one byte when its table has at most 256 values, else two (little-endian); a row's codes are the terms'
    codes one after the other, ``width`` bytes in all."""

    def __init__(self, raw: bytes):
        raw = bytes(raw)
        if not raw.startswith(MAGIC):
            raise ValueError("not a contribution codebook")
        p = len(MAGIC)
        nt = int.from_bytes(raw[p : p + 4], "little")
        p += 4
        counts = np.frombuffer(raw, dtype="<u4", count=nt, offset=p)
        p += 4 * nt
        self.tables: list[np.ndarray] = []
        for c in counts.tolist():
            self.tables.append(np.frombuffer(raw, dtype="<f8", count=c, offset=p))
            p += 8 * c
        self.row = np.dtype([(f"t{t}", "u1" if c <= 256 else "<u2") for t, c in enumerate(counts.tolist())])
        self.width = self.row.itemsize

    @property
    def terms(self) -> int:
        return len(self.tables)

    def encode(self, contributions: np.ndarray) -> np.ndarray | None:
        """Codes as bytes (n, width) for exact contributions, or None if any value is not in its term's codebook."""
        c = np.asarray(contributions, dtype=float)
        if c.ndim != 2 or c.shape[1] != self.terms or self.terms == 0:
            return None
        rows = np.empty(len(c), dtype=self.row)
        for t, table in enumerate(self.tables):
            if len(table) == 0:
                return None
            idx = np.minimum(np.searchsorted(table, c[:, t]), len(table) - 1)
            if not np.array_equal(table[idx], c[:, t]):
                return None
            rows[f"t{t}"] = idx
        return rows.view(np.uint8).reshape(len(c), self.width)

    def code_maps(self, estimator) -> list[np.ndarray] | None:
        """Per term, the code of every cell of the estimator's score table (same shape as the table), so
        the bin indices that look up a contribution look up its code too; None if this codebook is not
        the estimator's."""
        tables = getattr(estimator, "term_scores_", None)
        if tables is None or len(tables) != self.terms:
            return None
        maps = []
        for t, scores in enumerate(tables):
            scores = np.asarray(scores, dtype="<f8")
            idx = np.minimum(np.searchsorted(self.tables[t], scores.ravel()), max(len(self.tables[t]) - 1, 0))
            if len(self.tables[t]) == 0 or not np.array_equal(self.tables[t][idx], scores.ravel()):
                return None
            maps.append(idx.astype(self.row[t]).reshape(scores.shape))
        return maps

    def decode(self, codes) -> np.ndarray:
        """float64 contributions (n, terms) from codes: bytes, or a (n, width) uint8 array."""
        raw = codes.tobytes() if isinstance(codes, np.ndarray) else bytes(codes)
        rows = np.frombuffer(raw, dtype=self.row)
        out = np.empty((len(rows), self.terms), dtype=float)
        for t, table in enumerate(self.tables):
            out[:, t] = table[rows[f"t{t}"]]
        return out


def decode_rows(model, blobs, book: Codebook | None = None) -> np.ndarray:
    """Contributions (n, terms) of stored rows, whichever way each row was stored (float64 or codes)."""
    nt = len(model.terms or [])
    blobs = [bytes(b) for b in blobs]
    out = np.empty((len(blobs), nt), dtype=float)
    if not blobs:
        return out
    lengths = np.fromiter((len(b) for b in blobs), dtype=np.int64, count=len(blobs))
    as_float = lengths == nt * 8
    if as_float.all():
        return np.frombuffer(b"".join(blobs), dtype="<f8").reshape(len(blobs), nt).copy()
    book = book or model.codebook()
    if book is None or book.terms != nt:
        raise ValueError(f"stored contributions of {nt * 8} bytes expected (model has no codebook)")
    if as_float.any():
        idx = np.flatnonzero(as_float)
        out[idx] = np.frombuffer(b"".join(blobs[i] for i in idx), dtype="<f8").reshape(len(idx), nt)
    idx = np.flatnonzero(~as_float)
    raw = b"".join(blobs[i] for i in idx)
    if len(raw) != len(idx) * book.width:
        raise ValueError("stored contribution codes do not match the model's codebook")
    out[idx] = book.decode(raw)
    return out
