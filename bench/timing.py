"""Timing helpers shared by the page benchmarks (run as scripts: bench/ is on sys.path).

Median of REPEAT runs after a warm-up (caches, prepared statements); BENCH_PAGE_REPEAT
sets REPEAT (default 5)."""

import os
import statistics
import time

REPEAT = int(os.environ.get("BENCH_PAGE_REPEAT", "5"))


def median_ms(run, repeat=REPEAT):
    run()  # warm up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def page(client, url, repeat=REPEAT):
    """{url, ms, queries} of a GET that must answer 200 (Django is set up by then)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")

    ms = median_ms(get, repeat)
    with CaptureQueriesContext(connection) as queries:
        get()
    return {"url": url, "ms": round(ms, 1), "queries": len(queries)}
