"""The coverage dashboard against the hand-written SQL aggregate it needs.

Run by bench/run.py after `seed_demo --orgs 20000` (DATABASE_URL names the database).
As the city's 两新工委 (liangxin) it times, median of REPEAT after a warm-up:

- the dashboard page through Django's test client (all its queries, Python and template);
- the same figures' single hand-written SQL statement (below): coverage of every active
  org by district, kind, sector, channel and key-sector status with the members working
  there, what the page's tables and charts show; the page also counts the worklists;
- `export_report summary --format json` for the city (with every worklist's rows);
- the org lists the dashboard's numbers open (drill-down).

Prints one JSON line: {"dashboard": {...}, "drilldown": [...]}.
"""

import io
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from timing import REPEAT, median_ms  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from orgs.models import User  # noqa: E402

USER = "liangxin"

# Written by hand, as a DBA would: one table of facts per org (Party organizations,
# instructors, mass organizations, open plans, members), joined to the city's active
# orgs and grouped by everything the dashboard breaks down by.
HAND_SQL = """
SELECT s.district_id, s.kind, s.sector, s.channel,
       CASE WHEN ((s.kind = 'service' AND s.sector IN ('education', 'health'))
                  OR s.kind IN ('law_firm', 'accounting_firm', 'tax_firm'))
            THEN CASE WHEN s.staff_count >= 30 THEN 'required' ELSE 'small' END
            ELSE 'other' END AS key_status,
       COALESCE(f.level, 0) AS level,
       COALESCE(f.instructed, 0) + COALESCE(f.mass_org, 0) > 0 AS work,
       COALESCE(f.open_plan, 0) AS open_plan,
       CASE WHEN f.full_n >= 3 THEN 3 ELSE COALESCE(f.full_n, 0) END AS full_bucket,
       s.archive_updated_at < %(stale)s AS stale,
       COUNT(*), COALESCE(SUM(f.members), 0), COALESCE(SUM(f.full_n), 0)
FROM orgs_socialorg s
JOIN orgs_region d ON d.id = s.district_id
LEFT JOIN (
    SELECT oid, MAX(level) AS level, MAX(instructed) AS instructed, MAX(mass_org) AS mass_org,
           MAX(open_plan) AS open_plan, SUM(members) AS members, SUM(full_n) AS full_n
    FROM (
        SELECT l.socialorg_id AS oid,
               CASE WHEN p.formation = 'standalone' THEN 2 ELSE 1 END AS level,
               0 AS instructed, 0 AS mass_org, 0 AS open_plan, 0 AS members, 0 AS full_n
        FROM orgs_partyorganization_covered_orgs l
        JOIN orgs_partyorganization p ON p.id = l.partyorganization_id
        WHERE p.dissolved_on IS NULL OR p.dissolved_on > %(today)s
        UNION ALL
        SELECT g.socialorg_id, 0, 1, 0, 0, 0, 0
        FROM members_post_guided_orgs g JOIN members_post t ON t.id = g.post_id
        WHERE t.kind = 'instructor' AND t.started_on <= %(today)s
          AND (t.ended_on IS NULL OR t.ended_on > %(today)s)
        UNION ALL
        SELECT m.org_id, 0, 0, 1, 0, 0, 0 FROM orgs_massorganization m
        WHERE m.dissolved_on IS NULL OR m.dissolved_on > %(today)s
        UNION ALL
        SELECT c.org_id, 0, 0, 0, 1, 0, 0 FROM orgs_coverageplan c WHERE c.completed_on IS NULL
        UNION ALL
        SELECT workplace_id, 0, 0, 0, 0, COUNT(*),
               SUM(CASE WHEN category = 'full' THEN 1 ELSE 0 END)
        FROM members_member WHERE status = 'active' GROUP BY workplace_id
    ) facts
    GROUP BY oid
) f ON f.oid = s.id
WHERE s.status = 'active' AND d.parent_id = %(city)s
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
"""


DRILLDOWN = (
    ("organizational coverage", "?status__exact=active&coverage=organizational"),
    ("uncovered", "?status__exact=active&coverage=uncovered"),
    ("uncovered, standalone form", "?status__exact=active&coverage=uncovered&form=standalone"),
    ("work coverage, one district", "?status__exact=active&coverage=work&district__id__exact="),
    ("channel fallback", "?status__exact=active&channel__exact=fallback"),
    ("key sector required", "?status__exact=active&key_sector=required"),
    ("uncovered without plan", "?status__exact=active&worklist=uncovered_without_plan"),
    ("ready to stand alone", "?status__exact=active&worklist=ready_to_stand_alone"),
)


def hand_sql(user):
    from orgs.models import stale_cutoff

    ops = connection.ops
    params = {
        "today": ops.adapt_datefield_value(timezone.localdate()),
        "stale": ops.adapt_datetimefield_value(stale_cutoff()),
        "city": user.unit.region_id,
    }
    sql = HAND_SQL

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return median_ms(run), len(run())


def main():
    user = User.objects.select_related("unit").filter(username=USER).first()
    if user is None:
        raise SystemExit(f"no demo account {USER}: run seed_demo first")
    client = Client()
    client.force_login(user)

    def page():
        response = client.get("/ledger/dashboard/")
        if response.status_code != 200:
            raise SystemExit(f"dashboard: HTTP {response.status_code}")

    page_ms = median_ms(page)
    with CaptureQueriesContext(connection) as queries:
        page()
    hand_ms, hand_rows = hand_sql(user)

    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "summary.json"
        year = timezone.localdate().year

        def export():
            call_command(
                "export_report", "summary", "--year", str(year), "--format", "json",
                "--output", str(output), stdout=io.StringIO(),
            )  # fmt: skip

        json_ms = median_ms(export)
        data = json.loads(output.read_text(encoding="utf-8"))

    district = user.unit.region.children.order_by("code").values_list("pk", flat=True).first()
    drilldown = []
    for name, query in DRILLDOWN:
        url = "/admin/orgs/socialorg/" + query + (str(district) if query.endswith("=") else "")
        response = client.get(url)
        with CaptureQueriesContext(connection) as page_queries:
            ms = median_ms(lambda url=url: client.get(url))
        drilldown.append(
            {
                "page": name,
                "ms": round(ms, 1),
                "queries": len(page_queries) // (REPEAT + 1),
                "rows": response.context["cl"].result_count,
            }
        )
    result = {
        "dashboard": {
            "page_ms": round(page_ms, 1),
            "queries": len(queries),
            "hand_sql_ms": round(hand_ms, 1),
            "hand_sql_rows": hand_rows,
            "ratio": round(page_ms / hand_ms, 2),
            "json_ms": round(json_ms, 1),
            "orgs": data["totals"]["orgs"],
            "members": data["totals"]["members"],
        },
        "drilldown": drilldown,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
