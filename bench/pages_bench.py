"""Server time and SQL queries of the member-lifecycle pages on a seeded database.

Run by bench/run.py after `seed_demo --orgs 20000` (DATABASE_URL names the database).
Each page is requested through Django's test client as a demo account, once to warm up
and then REPEAT times; the median wall-clock time is reported with the query count.
Prints one JSON line: {"pages": [{"user", "page", "ms", "queries", "rows"}, ...]}.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # responses carry their template context (the counted rows)

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from orgs.models import User  # noqa: E402

REPEAT = int(os.environ.get("BENCH_PAGE_REPEAT", "5"))
# The demo's accounts: the city's 两新工委, a supervising unit, a street committee and a
# branch secretary (README, seed_demo).
USERS = ("liangxin", "zhuguan", "jiedao", "shuji")
PAGES = (
    ("worklists", "/members/worklists/"),
    ("admin home", "/admin/"),
    ("development list", "/admin/members/development/"),
    ("probation overdue", "/admin/members/development/?worklist=probation_overdue"),
    ("transfer list", "/admin/members/transfer/"),
    ("transfers overdue", "/admin/members/transfer/?worklist=transfers_overdue"),
    ("floating to transfer", "/admin/members/floatingrecord/?worklist=floating_to_transfer"),
    ("lost contact, unregistered", "/admin/members/member/?worklist=lost_contact_unregistered"),
    ("lost-contact cases", "/admin/members/lostcontact/"),
    ("corrections ending", "/admin/members/disposition/?worklist=corrections_ending"),
)


def measure(client, url):
    client.get(url)  # warm up: caches, prepared statements
    times = []
    for _ in range(REPEAT):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    context = response.context or {}
    rows = None
    if "cl" in context:
        rows = context["cl"].result_count
    elif "rows" in context:
        rows = sum(row["count"] for row in context["rows"])
    return statistics.median(times) * 1000, len(queries), rows


def main():
    results = []
    for username in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise SystemExit(f"no demo account {username}: run seed_demo first")
        client = Client()
        client.force_login(user)
        for name, url in PAGES:
            ms, queries, rows = measure(client, url)
            row = {"user": username, "page": name, "ms": round(ms, 1), "queries": queries}
            results.append({**row, "rows": rows})
    print(json.dumps({"pages": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
