"""Money at city scale (issue 7), on the database `seed_demo` filled.

Run by bench/run.py after `seed_demo --orgs 20000` (DATABASE_URL names the database).
Median of REPEAT after a warm-up:

- the lines of the city's budget computed (subsidies.budgets.compute: a handful of
  queries for all Party organizations) this year and last year (members as of 31
  December from the change history), against the naive way: each Party organization's
  members, grade, secretaries and orgs asked one by one; both must give the same lines;
- freezing a district's budget (rolled back);
- the pages as demo accounts: next year's city budget being drawn up and this year's
  frozen one (liangxin; caizheng the draft), 经费未足额拨付, 党费欠交 and 党费未全额下拨
  (liangxin), the budget JSON, and a month's 党费收缴 of `shuji`'s Party organization.

Prints one JSON line.
"""

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

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments.models import PartyOrgAssessment  # noqa: E402
from members.models import Member, Post  # noqa: E402
from orgs.models import PartyOrganization, Region, User  # noqa: E402
from subsidies import budgets, rules  # noqa: E402
from subsidies.models import Budget, standard_for  # noqa: E402


def naive_lines(year, region, today, wanted):
    """The same lines, each Party organization's facts asked on its own (this year only:
    the register as it is)."""
    standard, _source = standard_for(year, region)
    minimum = rules.Standard.minimum()
    first, last = budgets.year_bounds(year)
    result = {}
    for party_org in PartyOrganization.objects.filter(pk__in=wanted):
        members = Member.objects.on_register().filter(party_org=party_org).count()
        for child in party_org.children.filter(is_secondary=True):
            members += Member.objects.on_register().filter(party_org=child).count()
        grade = (
            PartyOrgAssessment.objects.filter(party_org=party_org, year=year)
            .values_list("grade", flat=True)
            .first()
            or ""
        )
        posts = tuple(
            (member_name or person_name, started, ended)
            for member_name, person_name, started, ended in Post.objects.filter(
                party_org=party_org, kind=Post.Kind.SECRETARY, started_on__lte=last
            ).values_list("member__name", "person_name", "started_on", "ended_on")
            if ended is None or ended > first
        )
        facts = rules.LineFacts(
            kind=party_org.kind,
            secondary=party_org.is_secondary,
            founded_on=party_org.founded_on,
            dissolved_on=party_org.dissolved_on,
            members=members
            if not party_org.is_secondary
            else Member.objects.on_register().filter(party_org=party_org).count(),
            grade=grade,
            year_over=today > last,
            posts=posts,
        )
        line = rules.compute_line(year, facts, standard)
        rules.compute_line(year, facts, minimum)
        result[party_org.pk] = line.total
    return result


def main():
    today = timezone.localdate()
    city = Region.objects.get(level=Region.Level.CITY)
    district = Region.objects.filter(parent=city).order_by("code").first()
    rows, _source = budgets.compute(today.year, city, today)
    compute_ms = median_ms(lambda: budgets.compute(today.year, city, today), 3)
    with CaptureQueriesContext(connection) as compute_queries:
        budgets.compute(today.year, city, today)
    past_ms = median_ms(lambda: budgets.compute(today.year - 1, city, today), 3)
    started = time.perf_counter()
    naive = naive_lines(today.year, city, today, [row.party_org_id for row in rows])
    naive_ms = (time.perf_counter() - started) * 1000
    differing = [row.party_org_id for row in rows if naive[row.party_org_id] != row.total]
    if differing:
        raise SystemExit(f"compute and the naive way differ for {differing[:5]}")

    liangxin = User.objects.get(username="liangxin")
    with transaction.atomic():
        budget = Budget.objects.create(year=today.year + 1, region=district)
        started = time.perf_counter()
        budgets.freeze(budget, liangxin, today)
        freeze_ms = (time.perf_counter() - started) * 1000
        frozen_lines = budget.lines.count()
        transaction.set_rollback(True)

    city_client, finance, secretary = Client(), Client(), Client()
    city_client.force_login(liangxin)
    finance.force_login(User.objects.get(username="caizheng"))
    shuji = User.objects.get(username="shuji")
    secretary.force_login(shuji)
    draft = Budget.objects.get(year=today.year + 1, region=city)
    frozen = Budget.objects.get(year=today.year, region=city)
    clients = {"liangxin": city_client, "caizheng": finance, "shuji": secretary}
    wanted = [
        ("liangxin", "经费预算（编制中）", f"/admin/subsidies/budget/{draft.pk}/change/"),
        ("caizheng", "经费预算（编制中）", f"/admin/subsidies/budget/{draft.pk}/change/"),
        ("liangxin", "经费预算（已冻结）", f"/admin/subsidies/budget/{frozen.pk}/change/"),
        ("liangxin", "预算JSON（已冻结）", f"/subsidies/budgets/{frozen.pk}/json/"),
        ("liangxin", "经费未足额拨付", f"/subsidies/underpaid/?year={today.year - 1}"),
        ("liangxin", "党费欠交", "/subsidies/dues/arrears/"),
        ("liangxin", "党费未全额下拨", "/subsidies/dues/returns/"),
        ("shuji", "党费收缴（按月）", f"/subsidies/party-orgs/{shuji.party_org_id}/dues/"),
    ]
    pages = [
        {"user": user, "page": label, **page(clients[user], url)} for user, label, url in wanted
    ]
    print(
        json.dumps(
            {
                "compute": {
                    "lines": len(rows),
                    "ms": round(compute_ms, 1),
                    "queries": len(compute_queries),
                    "past_year_ms": round(past_ms, 1),
                    "naive_ms": round(naive_ms, 1),
                    "ratio": round(naive_ms / compute_ms, 1),
                },
                "freeze": {"lines": frozen_lines, "ms": round(freeze_ms, 1)},
                "pages": pages,
            }
        )
    )


if __name__ == "__main__":
    main()
