"""API-key verification time: a wrong secret on a real prefix vs an unknown prefix (issue 9).

Calls ``core.selectors.api_key_authenticate`` directly (the part whose work must not depend on whether the
prefix exists), interleaving the two cases so machine noise hits both alike. Target: median ratio within
0.9..1.1 (before the fix an unknown prefix skipped the hash and the comparison).
"""

from __future__ import annotations

import os
import statistics
import time

ROUNDS = int(os.environ.get("BENCH_AUTH_ROUNDS", 2000))


def run() -> list[tuple[str, float, str]]:
    from bench.harness import bench_database

    with bench_database("auth"):
        from django.contrib.auth import get_user_model

        from core.selectors import api_key_authenticate
        from core.services import api_key_create

        user = get_user_model().objects.create_user("bench-auth")
        key, full = api_key_create(user=user, name="bench")
        real_prefix_wrong = f"ta_{key.prefix}_" + "w" * 43
        unknown_prefix = "ta_0badcafe_" + "w" * 43
        known, unknown = [], []
        for _ in range(ROUNDS):
            for raw, out in ((real_prefix_wrong, known), (unknown_prefix, unknown)):
                t = time.perf_counter_ns()
                assert api_key_authenticate(raw_key=raw) is None
                out.append(time.perf_counter_ns() - t)
        k, u = statistics.median(known) / 1e3, statistics.median(unknown) / 1e3
        return [
            ("wrong secret, real prefix (median µs)", round(k, 1), f"{ROUNDS} calls"),
            ("unknown prefix (median µs)", round(u, 1), f"{ROUNDS} calls"),
            ("ratio real/unknown", round(k / u, 3), "target 0.9..1.1"),
        ]
