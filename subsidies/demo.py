"""The demo city's money (seed_demo step "党建经费"), dated from today:

- funding standards: the city's above the minimums for this year and next, and one
  district's higher again for this year;
- last year's city budget frozen and paid, most lines in full, one in fifteen short (the
  经费未足额拨付 worklist); this year's city budget and every district's frozen and paid
  in part; next year's city budget drawn up, not frozen (for the finance officer);
- Party dues from DUES_RECORDED_FROM to last month for the members of the secretary's
  Party organization and of one Party organization in twenty, a few stopping months ago
  (党费欠交), and this year's dues returned to most of them (党费未全额下拨 for the rest);
- orgs' own spending on Party work last year, and venues: a Party-mass service centre per
  district, a venue at each workstation, and a few orgs' own rooms.

Written once, in bulk with history, by the first run that finds no budget.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from members.models import Member
from orgs.models import PartyOrganization, Region, SocialOrg, Workstation, Zone
from subsidies import budgets, rules
from subsidies.models import (
    Budget,
    BudgetLine,
    DuesBase,
    DuesPayment,
    DuesReturn,
    FundingStandard,
    PartyWorkSpending,
    Payment,
    Venue,
)

CITY_STANDARD = {
    "branch_allowance": "3600.00",
    "general_branch_allowance": "6000.00",
    "committee_allowance": "9600.00",
    "activity_fund": "4000.00",
    "member_fund": "200.00",
}
DISTRICT_STANDARD = {**CITY_STANDARD, "branch_allowance": "4000.00", "activity_fund": "5000.00"}
SHORT_PAID_SHARE = 15  # one line in this many is paid short
DUES_PARTY_ORG_SHARE = 20  # dues kept for one Party organization in this many
ARREARS_SHARE = 12  # one dues payer in this many stopped paying months ago


def already_seeded():
    return Budget.objects.exists()


def write(*, today, seed, user, secretary_party_org_id=None):
    rng = random.Random(f"money-{seed}")
    city = Region.objects.get(code=settings.CITY_CODE)
    districts = list(Region.objects.filter(parent=city, level=Region.Level.DISTRICT))
    _standards(today, city, districts, user)
    paid = 0
    last = _budget(today.year - 1, city, user, today)
    paid += _pay(rng, last, today, share_paid=1.0, user=user)
    current = [_budget(today.year, region, user, today) for region in [city, *districts]]
    for budget in current:
        paid += _pay(rng, budget, today, share_paid=0.6, user=user)
    Budget.objects.create(year=today.year + 1, region=city, created_by=user)
    lines = BudgetLine.objects.count()
    dues = _dues(rng, today, user, secretary_party_org_id)
    spending = _spending(rng, today)
    venues = _venues(rng, districts)
    return (
        f"党建经费：经费标准{FundingStandard.objects.count()}条，预算{Budget.objects.count()}个"
        f"（已冻结明细{lines}条，拨付{paid}笔），党费{dues}笔，"
        f"党建工作经费列支{spending}条，活动阵地{venues}个"
    )


def _standards(today, city, districts, user):
    for year in (today.year, today.year + 1):
        FundingStandard.objects.create(
            year=year, region=city, basis="市级社会组织党建经费标准（演示）", set_by=user,
            **CITY_STANDARD,
        )  # fmt: skip
    if districts:
        FundingStandard.objects.create(
            year=today.year, region=districts[0], basis="区级提高标准（演示）", set_by=user,
            **DISTRICT_STANDARD,
        )  # fmt: skip


def _budget(year, region, user, today):
    budget = Budget.objects.create(year=year, region=region, created_by=user)
    return budgets.freeze(budget, user, today)


def _pay(rng, budget, today, *, share_paid, user):
    """Payments of a frozen budget's lines: the funds early in the year, the allowance
    (of passing Party organizations) once assessed; a past year in full but for one line
    in SHORT_PAID_SHARE; the current year for `share_paid` of the lines."""
    from assessments.selectors import grades

    lines = list(budget.lines.all())
    passed = grades(budget.year, [line.party_org_id for line in lines])
    first_day = max(
        date(budget.year, 3, 1), min(today, date(budget.year, 12, 31)) - timedelta(days=200)
    )
    funds_day = min(first_day, today)
    allowance_day = min(date(budget.year + 1, 1, 20), today)
    payments = []
    for index, line in enumerate(lines):
        if rng.random() > share_paid:
            continue
        short = budget.year < today.year and index % SHORT_PAID_SHARE == 7
        voucher = f"{budget.region.code}-{budget.year}-{index + 1:05d}"
        for item in ("activity_fund", "member_fund"):
            amount = getattr(line, item)
            if short and item == "activity_fund":
                amount = rules.money(amount / 2)
            if amount > 0:
                payments.append(_payment(line, item, amount, funds_day, voucher, user))
        grade = passed.get(line.party_org_id, "")
        if (
            budget.year < today.year
            and grade in rules.PASSING_GRADES
            and line.secretary_allowance > 0
        ):
            payments.append(
                _payment(
                    line,
                    "secretary_allowance",
                    line.secretary_allowance,
                    allowance_day,
                    voucher,
                    user,
                )
            )
    bulk_create_with_history(payments, Payment, batch_size=1000, default_user=user)
    return len(payments)


def _payment(line, item, amount, day, voucher, user):
    return Payment(
        line=line, item=item, amount=amount, paid_on=day, voucher=voucher,
        payee=line.party_org_name, recorded_by=user,
    )  # fmt: skip


def _dues(rng, today, user, secretary_party_org_id):
    start = rules.recorded_from()
    last_over = rules.month_index(today) - 1
    if rules.month_index(start) > last_over:
        return 0
    party_orgs = list(
        PartyOrganization.objects.active().order_by("pk").values_list("pk", flat=True)
    )
    chosen = set(party_orgs[::DUES_PARTY_ORG_SHARE])
    if secretary_party_org_id:
        chosen.add(secretary_party_org_id)
    members = list(
        Member.objects.on_register()
        .filter(party_org_id__in=chosen)
        .order_by("pk")
        .values_list("pk", "party_org_id", "joined_on", "birth_date")
    )
    bases, payments = [], []
    collected = {}
    years = range(start.year, today.year + 1)
    for index, (pk, party_org_id, joined_on, birth_date) in enumerate(members):
        due = {}
        for year in years:
            if year < joined_on.year:
                continue
            age = year - birth_date.year
            if age >= 60:
                category, income = rules.RETIRED, Decimal(rng.randrange(3000, 7000, 100))
            elif rng.random() < 0.05:
                category, income = rules.FIXED, None
            else:
                category, income = rules.EMPLOYED, Decimal(rng.randrange(2500, 16000, 100))
            bases.append(
                DuesBase(
                    member_id=pk,
                    year=year,
                    category=category,
                    monthly_income=income,
                    declared_on=max(date(year, 1, 1), joined_on),
                )  # fmt: skip
            )
            due[year] = rules.monthly_dues(category, income)
        first = max(rules.month_index(start), rules.month_index(joined_on))
        last = last_over
        if index % ARREARS_SHARE == 5:
            last = last_over - settings.DUES_ARREARS_MONTHS - rng.randrange(0, 3)
        for month in range(first, last + 1):
            day = rules.month_of_index(month)
            payments.append(
                DuesPayment(
                    member_id=pk,
                    month=day,
                    amount=due[day.year],
                    party_org_id=party_org_id,
                    paid_on=min(day + timedelta(days=rng.randrange(0, 20)), today),
                    recorded_by=user,
                )  # fmt: skip
            )
            if day.year == today.year:
                collected[party_org_id] = collected.get(party_org_id, rules.ZERO) + due[day.year]
    bulk_create_with_history(bases, DuesBase, batch_size=1000, default_user=user)
    bulk_create_with_history(payments, DuesPayment, batch_size=1000, default_user=user)
    returns = [
        DuesReturn(
            party_org_id=party_org_id,
            year=today.year,
            amount=amount,
            returned_on=today - timedelta(days=rng.randrange(1, 30)),
            voucher=f"DF-{today.year}-{party_org_id}",
            recorded_by=user,
            notes="按季度全额下拨（演示）",
        )  # fmt: skip
        for position, (party_org_id, amount) in enumerate(sorted(collected.items()))
        if position % 6 and amount > 0
    ]
    bulk_create_with_history(returns, DuesReturn, batch_size=1000, default_user=user)
    return len(payments)


def _spending(rng, today):
    orgs = list(
        SocialOrg.objects.filter(party_orgs__isnull=False, status=SocialOrg.Status.ACTIVE)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)[::4]
    )
    rows = [
        PartyWorkSpending(
            org_id=pk,
            year=today.year - 1,
            amount=Decimal(rng.randrange(2000, 30000, 500)),
            notes=rng.choice(
                ("党员教育培训、主题党日活动", "党建阵地维护、学习资料", "党组织活动场地与宣传")
            ),
        )  # fmt: skip
        for pk in orgs
    ]
    bulk_create_with_history(rows, PartyWorkSpending, batch_size=1000)
    return len(rows)


def _venues(rng, districts):
    venues = []
    zones = {zone.district_id: zone for zone in Zone.objects.order_by("pk")}
    for district in districts:
        zone = zones.get(district.pk)
        venues.append(
            Venue(
                name=f"{district.name}党群服务中心",
                kind=Venue.Kind.SERVICE_CENTRE,
                district=district,
                zone=zone,
                address=f"{district.name}政务服务中心三楼",
                area=Decimal(rng.randrange(300, 1200)),
            )  # fmt: skip
        )
    for station in Workstation.objects.select_related("zone"):
        venues.append(
            Venue(
                name=f"{station.name}活动室",
                kind=Venue.Kind.WORKSTATION,
                district_id=station.zone.district_id,
                zone=station.zone,
                workstation=station,
                address=station.address,
                area=Decimal(rng.randrange(60, 300)),
                opened_on=station.founded_on,
            )  # fmt: skip
        )
    owners = list(
        SocialOrg.objects.filter(party_orgs__formation=PartyOrganization.Formation.STANDALONE)
        .filter(status=SocialOrg.Status.ACTIVE)
        .order_by("pk")[:5]
    )
    for org in owners:
        venues.append(
            Venue(
                name=f"{org.name}党员活动室",
                kind=Venue.Kind.OWN,
                district_id=org.district_id,
                owner_org=org,
                address=org.address,
                area=Decimal(rng.randrange(20, 80)),
            )  # fmt: skip
        )
    bulk_create_with_history(venues, Venue, batch_size=500)
    using = Venue.orgs.through
    links = []
    for venue in Venue.objects.all():
        if venue.kind == Venue.Kind.OWN:
            links.append(using(venue_id=venue.pk, socialorg_id=venue.owner_org_id))
            continue
        if venue.zone_id is None:
            continue
        nearby = SocialOrg.objects.filter(zone_id=venue.zone_id).filter(~Q(status="revoked"))
        for org_id in nearby.order_by("pk").values_list("pk", flat=True)[:12]:
            links.append(using(venue_id=venue.pk, socialorg_id=org_id))
    using.objects.bulk_create(links, ignore_conflicts=True)
    return len(venues)
