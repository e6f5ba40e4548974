"""Organizational life at city scale (issue 6), on the database `seed_demo` filled.

Run by bench/run.py after `seed_demo --orgs 20000` (DATABASE_URL names the database).
Median of REPEAT after a warm-up:

- the gaps of every Party organization of the city this year (selectors.year_gaps: one
  aggregate of month bitmasks, rules.missed_periods in Python) against the naive way, the
  compliance calendar's selectors.compliance for each Party organization in turn;
- the pages as demo accounts: 组织生活缺失 (liangxin, the city), a Party organization's
  compliance calendar and its points ranking (shuji), the units page and one unit's facts
  (liangxin);
- the imports, as dry runs (everything but the commit): 2,000 activities of one year with
  attendees for the city's 两新工委, and last year's grades of 1,000 Party organizations.

Prints one JSON line.
"""

import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from timing import median_ms, page  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments import selectors  # noqa: E402
from assessments.models import Activity, PartyOrgAssessment  # noqa: E402
from orgs.importing.service import import_file  # noqa: E402
from orgs.models import PartyOrganization, Unit, User  # noqa: E402

ACTIVITY_ROWS = 2000
ASSESSMENT_ROWS = 1000


def csv_file(header, rows):
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return io.BytesIO(("\ufeff" + "\n".join(lines)).encode("utf-8"))


def activity_rows(today):
    """Activities of last year again under new topics, with their attendees (by ID number:
    the demo's random names repeat within a Party organization)."""
    source = (
        Activity.objects.filter(held_on__year=today.year - 1)
        .select_related("party_org")
        .prefetch_related("attendees")
        .order_by("pk")[:ACTIVITY_ROWS]
    )
    rows = []
    for activity in source:
        attendees = "、".join(sorted(m.id_number for m in activity.attendees.all()))
        rows.append(
            [
                activity.party_org.name,
                activity.get_kind_display(),
                activity.held_on.isoformat(),
                f"{activity.topic}（补录{activity.pk}）",
                attendees,
            ]
        )
    return rows


def main():
    today = timezone.localdate()
    liangxin = User.objects.select_related("unit").get(username="liangxin")
    shuji = User.objects.get(username="shuji")
    everyone = PartyOrganization.objects.all()
    judged, gaps = selectors.year_gaps(everyone, today.year, today)
    bulk_ms = median_ms(lambda: selectors.year_gaps(everyone, today.year, today), 3)
    with CaptureQueriesContext(connection) as bulk_queries:
        selectors.year_gaps(everyone, today.year, today)
    existing = list(everyone.filter(selectors.existing_in(today.year)))

    def naive():
        return sum(
            1 for p in existing if selectors.rules.gaps(selectors.compliance(p, today.year, today))
        )

    started = time.perf_counter()
    naive_count = naive()
    naive_ms = (time.perf_counter() - started) * 1000
    if naive_count != len(gaps):
        raise SystemExit(f"year_gaps found {len(gaps)}, the calendar's rule {naive_count}")

    city, secretary = Client(), Client()
    city.force_login(liangxin)
    secretary.force_login(shuji)
    unit = Unit.objects.filter(assessments__isnull=False).order_by("pk").first()
    pages = [
        {"user": "liangxin", "page": "组织生活缺失", **page(city, "/assessments/gaps/")},
        {
            "user": "shuji",
            "page": "组织生活合规情况",
            **page(secretary, f"/assessments/party-orgs/{shuji.party_org_id}/compliance/"),
        },
        {
            "user": "shuji",
            "page": "党员积分排名",
            **page(secretary, f"/assessments/party-orgs/{shuji.party_org_id}/points/"),
        },
        {"user": "liangxin", "page": "单位述职评议考核", **page(city, "/assessments/units/")},
    ]
    if unit is not None:
        pages.append(
            {
                "user": "liangxin",
                "page": "单位党建工作数据",
                **page(city, f"/assessments/units/{unit.pk}/facts/?year={today.year - 1}"),
            }
        )

    rows = activity_rows(today)
    header = ["党组织", "活动类型", "活动日期", "主题", "参加党员"]
    started = time.perf_counter()
    report = import_file(
        template_name="activities",
        file=csv_file(header, rows),
        filename="activities.csv",
        user=liangxin,
        dry_run=True,
    )
    activities_s = time.perf_counter() - started
    if report.errors:
        raise SystemExit(f"activity import: {report.errors[:3]}")

    graded = PartyOrgAssessment.objects.filter(year=today.year - 1).select_related("party_org")
    grade_rows = [
        [a.party_org.name, str(a.year), a.get_grade_display(), a.assessed_on.isoformat(), "复核"]
        for a in graded.order_by("pk")[:ASSESSMENT_ROWS]
    ]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as import_queries:
        report = import_file(
            template_name="assessments",
            file=csv_file(["党组织", "年度", "考核等次", "考核日期", "调整理由"], grade_rows),
            filename="assessments.csv",
            user=liangxin,
            dry_run=True,
        )
    assessments_s = time.perf_counter() - started
    if report.errors:
        raise SystemExit(f"assessment import: {report.errors[:3]}")

    print(
        json.dumps(
            {
                "gaps": {
                    "party_orgs": judged,
                    "with_gaps": len(gaps),
                    "activities": Activity.objects.filter(held_on__year=today.year).count(),
                    "bulk_ms": round(bulk_ms, 1),
                    "bulk_queries": len(bulk_queries),
                    "naive_ms": round(naive_ms, 1),
                    "ratio": round(naive_ms / bulk_ms, 1),
                },
                "pages": pages,
                "imports": {
                    "activities_rows": len(rows),
                    "activities_s": round(activities_s, 2),
                    "assessments_rows": len(grade_rows),
                    "assessments_s": round(assessments_s, 2),
                    "assessments_queries": len(import_queries),
                },
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
