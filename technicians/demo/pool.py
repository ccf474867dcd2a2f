"""The demo generator's person pool: growable column arrays (numpy only)."""

from __future__ import annotations

import numpy as np


class Pool:
    """Growable column arrays, one entry per person ever employed."""

    def __init__(self, capacity: int):
        self.n = 0
        self.cols: dict[str, np.ndarray] = {}
        self.capacity = capacity

    def add(self, **cols: np.ndarray) -> np.ndarray:
        k = len(next(iter(cols.values())))
        if self.n + k > self.capacity:
            self.capacity = max(self.capacity * 2, self.n + k)
            for name, arr in self.cols.items():
                self.cols[name] = np.resize(arr, self.capacity)
        for name, values in cols.items():
            values = np.asarray(values)
            if name not in self.cols:
                self.cols[name] = np.zeros(self.capacity, dtype=values.dtype)
            self.cols[name][self.n : self.n + k] = values
        idx = np.arange(self.n, self.n + k)
        self.n += k
        return idx

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name][: self.n]

    def set(self, name: str, idx: np.ndarray, values) -> None:
        self.cols[name][idx] = values
