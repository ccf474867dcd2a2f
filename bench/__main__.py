"""`make bench`: run every bench/bench_*.py (or those named on the command line) and print ratios.

Each module exposes ``run() -> list[tuple[str, float, str]]`` rows of (metric, value, note).
Benchmarks use their own database (bench_<name>) on the same PostgreSQL, never the dev data.
"""

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def main(argv: list[str]) -> int:
    names = argv or sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )
    failed = 0
    for name in names:
        mod = importlib.import_module(f"bench.{name}")
        if getattr(mod, "STANDALONE", False) and not argv:
            continue  # its own target (bench_scale: `make bench-scale`)
        print(f"\n=== {name}: {(mod.__doc__ or '').strip().splitlines()[0] if mod.__doc__ else ''}", flush=True)
        start = time.perf_counter()
        try:
            rows = mod.run()
        except Exception as exc:  # noqa: BLE001 - report and go on to the next benchmark
            failed += 1
            print(f"  FAILED: {type(exc).__name__}: {exc}")
            continue
        for metric, value, note in rows:
            print(f"  {metric:<58} {value:>12.3f}  {note}")
        print(f"  ({time.perf_counter() - start:.1f}s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
