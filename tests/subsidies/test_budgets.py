"""Money for Party building, against the database (docs/money.md): funding standards and
their minimums, budgets computed while draft and kept once frozen, which level pays a
Party organization, last year's members from the change history, the budget JSON (and
`export_report budget`), payments, Party dues and their arrears, underpaid lines, venues.

The clock is frozen on TODAY (28 November 2026, noon in Shanghai); APIs that take a day
are given one explicitly. The world: 南京市 (320100) with 玄武区 (320102) and 秦淮区
(320104), a registration office per level, and orgs and Party organizations built per test.
"""

import datetime
import json
import re
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from members.models import Member, Post
from orgs.models import PartyOrganization, Region, SocialOrg, Unit, Workstation, Zone
from orgs.scopes import Scope, ScopeKind
from subsidies import budgets, rules, selectors
from subsidies.models import (
    Budget,
    BudgetLine,
    DuesBase,
    DuesPayment,
    DuesReturn,
    FundingStandard,
    Payment,
    Venue,
    standard_for,
)
from subsidies.reports import budget_json
from tests import factories
from tests.members.conftest import id_number

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = D(2026, 11, 28)
MID_YEAR = D(2026, 6, 1)
FOUNDED = D(2020, 1, 1)  # the Party organizations and their first secretaries
# The members' birth day: no other module's ID numbers use it.
BIRTH = "19810214"
MINIMUM_SOURCE = "§五、§十最低标准"
AMOUNT = re.compile(r"^\d+\.\d{2}$")
ALL = Scope(ScopeKind.ALL)
ITEMS = ("activity_fund", "member_fund", "secretary_allowance")
MINIMUMS = {
    "branch_allowance": Decimal("3000.00"),
    "general_branch_allowance": Decimal("5000.00"),
    "committee_allowance": Decimal("8000.00"),
    "activity_fund": Decimal("3000.00"),
    "member_fund": Decimal("150.00"),
}


def moment(day, hour=12, minute=0):
    """Travel to `hour`:`minute` of `day` in Shanghai (nested inside the frozen TODAY)."""
    when = datetime.datetime.combine(day, datetime.time(hour, minute), SHANGHAI)
    return time_machine.travel(when, tick=False)


@pytest.fixture(autouse=True)
def frozen_clock():
    with moment(TODAY):
        yield


class World:
    """Builders of orgs, Party organizations, members, posts and assessments."""

    def __init__(self, city, xuanwu, qinhuai):
        self.city, self.xuanwu, self.qinhuai = city, xuanwu, qinhuai
        level = Unit.Level
        self.registries = {
            city.pk: factories.UnitFactory(
                name="南京市民政局", kind=Unit.Kind.REGISTRATION, level=level.CITY, region=city
            ),
            xuanwu.pk: factories.UnitFactory(
                name="南京市玄武区民政局",
                kind=Unit.Kind.REGISTRATION,
                level=level.DISTRICT,
                region=xuanwu,
            ),
            qinhuai.pk: factories.UnitFactory(
                name="南京市秦淮区民政局",
                kind=Unit.Kind.REGISTRATION,
                level=level.DISTRICT,
                region=qinhuai,
            ),
        }
        self.user = factories.UserFactory(username="caizheng", unit=None, is_superuser=True)
        self._serial = 0

    def org(self, name, district=None, *, city_registered=False, **fields):
        """An org in `district` (玄武区 by default), registered by the city or its district."""
        district = district or self.xuanwu
        registry = self.registries[self.city.pk if city_registered else district.pk]
        return factories.SocialOrgFactory(
            name=name, district=district, registration_authority=registry, **fields
        )

    def party_org(self, name, orgs=(), **fields):
        fields.setdefault("kind", PartyOrganization.Kind.BRANCH)
        fields.setdefault("formation", PartyOrganization.Formation.STANDALONE)
        fields.setdefault("founded_on", FOUNDED)
        party_org = PartyOrganization.objects.create(name=name, **fields)
        party_org.covered_orgs.set(orgs)
        return party_org

    def member(self, party_org, workplace=None, **fields):
        self._serial += 1
        fields.setdefault("name", f"经费党员{self._serial:03d}")
        fields.setdefault("joined_on", D(2010, 7, 1))
        fields.setdefault("full_member_on", D(2011, 7, 1))
        if workplace is None:
            workplace = party_org.covered_orgs.first() if party_org else None
        if workplace is None:
            workplace = self.org(f"经费测试协会{self._serial:03d}")
        member = Member(
            id_number=id_number(birth=BIRTH, serial=self._serial),
            workplace=workplace,
            party_org=party_org,
            category=Member.Category.FULL,
            outside_holder="" if party_org else "中共某县委组织部",
            **fields,
        )
        member.derive_from_id_number()
        member.save()
        return member

    def members(self, party_org, count, **fields):
        return [self.member(party_org, **fields) for _ in range(count)]

    def secretary(self, party_org, member=None, started_on=FOUNDED, **fields):
        member = member or self.member(party_org)
        return Post.objects.create(
            kind=Post.Kind.SECRETARY,
            member=member,
            party_org=party_org,
            started_on=started_on,
            **fields,
        )

    def assess(self, party_org, year, grade):
        return factories.PartyOrgAssessmentFactory(
            party_org=party_org, year=year, grade=grade, assessed_on=D(year, 11, 20)
        )

    def budget(self, year, region=None):
        return Budget.objects.create(year=year, region=region or self.city, created_by=self.user)


@pytest.fixture
def world(city, district, other_district):
    return World(city, district, other_district)


def standard(year, region, **amounts):
    values = {name: amounts.get(name, floor) for name, floor in MINIMUMS.items()}
    return FundingStandard.objects.create(year=year, region=region, **values)


def by_id(rows):
    return {row.party_org_id: row for row in rows}


def essentials(row):
    """What a budget line says, whether computed or read back from its stored row."""
    return (
        row.party_org_id,
        row.party_org_name,
        row.kind,
        row.secondary,
        row.members,
        row.months,
        row.grade,
        row.eligibility,
        row.activity_fund,
        row.member_fund,
        row.secretary_allowance,
        row.minimum_activity_fund,
        row.minimum_member_fund,
        row.minimum_secretary_allowance,
        row.shares,
        row.notes,
    )


def messages(excinfo, field):
    return " ".join(excinfo.value.message_dict.get(field, []))


# =========================================================================================
# 1. Funding standards never go below the minimums; which standard a budget uses
# =========================================================================================


@pytest.mark.parametrize("field", list(MINIMUMS))
def test_a_funding_standard_below_the_minimum_is_refused_on_that_field(world, field):
    amounts = dict(MINIMUMS, **{field: MINIMUMS[field] - Decimal("0.01")})
    row = FundingStandard(year=2026, region=world.city, **amounts)
    with pytest.raises(ValidationError) as excinfo:
        row.full_clean()
    assert set(excinfo.value.message_dict) == {field}
    assert messages(excinfo, field) == f"不得低于最低标准{MINIMUMS[field]}元（§五、§十）"


def test_a_funding_standard_equal_to_the_minimums_or_above_is_accepted(world):
    equal = FundingStandard(year=2026, region=world.city, **MINIMUMS)
    equal.full_clean()
    assert equal.standard().shortfalls() == {}
    higher = {name: value + Decimal("100.00") for name, value in MINIMUMS.items()}
    above = FundingStandard(year=2026, region=world.xuanwu, **higher)
    above.full_clean()
    above.save()
    assert standard_for(2026, world.xuanwu)[0].member_fund == Decimal("250.00")


def test_a_funding_standard_is_set_for_a_city_or_a_district_not_a_street(world):
    street = factories.StreetFactory(parent=world.xuanwu, name="玄武门街道")
    with pytest.raises(ValidationError) as excinfo:
        FundingStandard(year=2026, region=street, **MINIMUMS).full_clean()
    assert "市级或区县级" in messages(excinfo, "region")


def test_standard_for_is_the_minimum_without_any_standard(world):
    for region in (world.city, world.xuanwu):
        amounts, source = standard_for(2026, region)
        assert amounts == rules.Standard.minimum()
        assert amounts.activity_fund == MINIMUMS["activity_fund"]
        assert source == MINIMUM_SOURCE


def test_standard_for_takes_the_districts_own_then_the_citys_then_the_minimum(world):
    standard(2026, world.city, activity_fund=Decimal("4000.00"))
    standard(2026, world.xuanwu, activity_fund=Decimal("5000.00"))
    # Another year's standards do not apply to 2026 (nor 2026's to 2027).
    standard(2025, world.qinhuai, activity_fund=Decimal("9000.00"))

    own, own_source = standard_for(2026, world.xuanwu)
    assert own.activity_fund == Decimal("5000.00")
    assert "玄武区" in own_source and "2026" in own_source

    inherited, inherited_source = standard_for(2026, world.qinhuai)
    assert inherited.activity_fund == Decimal("4000.00")
    assert "南京市" in inherited_source

    city_own, _source = standard_for(2026, world.city)
    assert city_own.activity_fund == Decimal("4000.00")

    assert standard_for(2027, world.xuanwu) == (rules.Standard.minimum(), MINIMUM_SOURCE)


def test_a_budget_is_computed_at_the_standard_its_level_uses(world):
    standard(2026, world.city, activity_fund=Decimal("4000.00"), member_fund=Decimal("200.00"))
    standard(2026, world.xuanwu, activity_fund=Decimal("5000.00"))
    city_po = world.party_org("市级协会党支部", [world.org("市级协会", city_registered=True)])
    district_po = world.party_org("玄武协会党支部", [world.org("玄武协会")])
    world.members(city_po, 2)
    world.members(district_po, 2)

    city_rows, city_source = budgets.compute(2026, world.city, TODAY)
    district_rows, district_source = budgets.compute(2026, world.xuanwu, TODAY)

    (city_row,) = city_rows
    assert (city_row.activity_fund, city_row.member_fund) == (Decimal("4000.00"), Decimal("400.00"))
    assert (city_row.minimum_activity_fund, city_row.minimum_member_fund) == (
        Decimal("3000.00"),
        Decimal("300.00"),
    )
    (district_row,) = district_rows
    # The district's own standard sets member_fund at the minimum (150), not the city's.
    assert (district_row.activity_fund, district_row.member_fund) == (
        Decimal("5000.00"),
        Decimal("300.00"),
    )
    assert "南京市" in city_source and "玄武区" in district_source


# =========================================================================================
# 2. A frozen budget keeps its lines; a draft follows the data
# =========================================================================================


@pytest.fixture
def two_city_branches(world):
    """Two city-paid Party organizations with secretaries, both assessed 合格 for 2026."""
    branch = world.party_org("甲协会党支部", [world.org("甲协会", city_registered=True)])
    general = world.party_org(
        "乙协会党总支",
        [world.org("乙协会", city_registered=True)],
        kind=PartyOrganization.Kind.GENERAL_BRANCH,
    )
    branch_members = world.members(branch, 2)
    world.secretary(branch, branch_members[0])
    general_post = world.secretary(general)  # the general branch's only member
    assessments = {
        branch.pk: world.assess(branch, 2026, "pass"),
        general.pk: world.assess(general, 2026, "pass"),
    }
    return branch, general, general_post, assessments


def test_a_draft_budget_computes_funds_allowance_and_minimums(world, two_city_branches):
    branch, general, _post, _assessments = two_city_branches
    budget = world.budget(2026)
    rows, source = budgets.budget_rows(budget, None, TODAY)
    assert source == MINIMUM_SOURCE
    lines = by_id(rows)
    assert set(lines) == {branch.pk, general.pk}
    b, g = lines[branch.pk], lines[general.pk]
    assert (b.members, b.activity_fund, b.member_fund, b.secretary_allowance) == (
        2,
        Decimal("3000.00"),
        Decimal("300.00"),
        Decimal("3000.00"),
    )
    assert (g.members, g.secretary_allowance) == (1, Decimal("5000.00"))
    assert (b.grade, b.eligibility, b.months) == ("pass", rules.ELIGIBLE, 12)
    assert b.meets_minimum and g.meets_minimum
    assert b.total == Decimal("6300.00")


def test_freezing_stores_the_lines_and_records_who_when_and_as_of(world, two_city_branches):
    budget = world.budget(2026)
    draft, _source = budgets.compute(2026, world.city, TODAY)

    frozen = budgets.freeze(budget, world.user, TODAY)

    budget.refresh_from_db()
    assert budget.is_frozen and frozen.is_frozen
    assert budget.frozen_by == world.user
    assert budget.frozen_at is not None
    assert budget.frozen_as_of == TODAY
    assert budget.standard_used == MINIMUM_SOURCE
    assert BudgetLine.objects.filter(budget=budget).count() == len(draft) == 2
    stored, source = budgets.budget_rows(budget, None, TODAY)
    assert source == MINIMUM_SOURCE
    assert sorted(map(essentials, stored)) == sorted(map(essentials, draft))
    assert all(row.line_id is not None for row in stored)


def test_a_frozen_budget_keeps_its_lines_while_the_draft_follows_the_data(world, two_city_branches):
    branch, general, general_post, assessments = two_city_branches
    budget = world.budget(2026)
    budgets.freeze(budget, world.user, TODAY)
    budget.refresh_from_db()
    before, _source = budgets.budget_rows(budget, None, TODAY)

    # The data changes after the freeze: three more members, a grade lowered, a
    # secretary who left on 1 July, and a new Party organization.
    world.members(branch, 3)
    assessments[branch.pk].grade = "basic"
    assessments[branch.pk].save()
    general_post.ended_on = D(2026, 7, 1)
    general_post.save()
    world.party_org("新成立协会党支部", [world.org("丙协会", city_registered=True)])

    after, _source = budgets.budget_rows(budget, None, TODAY)
    assert sorted(map(essentials, after)) == sorted(map(essentials, before))

    draft = by_id(budgets.compute(2026, world.city, TODAY)[0])
    assert len(draft) == 3
    assert draft[branch.pk].members == 5
    assert draft[branch.pk].member_fund == Decimal("750.00")
    assert draft[branch.pk].grade == "basic"
    assert draft[branch.pk].eligibility == rules.NOT_ELIGIBLE
    assert draft[branch.pk].secretary_allowance == Decimal("0.00")
    # January to June: 6 months of 5000 a year.
    assert draft[general.pk].secretary_allowance == Decimal("2500.00")
    frozen_lines = by_id(after)
    assert frozen_lines[branch.pk].members == 2
    assert frozen_lines[branch.pk].grade == "pass"
    assert frozen_lines[general.pk].secretary_allowance == Decimal("5000.00")


def test_the_allowance_is_shared_by_the_months_each_secretary_was_in_post(world):
    branch = world.party_org("交接协会党支部", [world.org("交接协会", city_registered=True)])
    first, second = world.members(branch, 2)
    # The first left on 15 June (ended_on: the first day no longer in post), the second
    # took over on 16 June: 30 June belongs to the second.
    world.secretary(branch, first, ended_on=D(2026, 6, 15))
    world.secretary(branch, second, started_on=D(2026, 6, 16))
    world.assess(branch, 2026, "pass")
    (row,) = budgets.compute(2026, world.city, TODAY)[0]
    assert row.shares == [
        {"holder": first.name, "months": 5, "amount": "1250.00"},
        {"holder": second.name, "months": 7, "amount": "1750.00"},
    ]
    assert row.secretary_allowance == Decimal("3000.00")


def test_a_past_years_allowance_needs_that_years_passed_assessment(world):
    """Once the year is over, a missing assessment earns nothing (not 待考核)."""
    assessed = world.party_org("已考核协会党支部", [world.org("已考核协会", city_registered=True)])
    missing = world.party_org("未考核协会党支部", [world.org("未考核协会", city_registered=True)])
    world.secretary(assessed)
    world.secretary(missing)
    world.assess(assessed, 2025, "excellent")
    world.assess(missing, 2026, "excellent")  # another year's grade does not count
    lines = by_id(budgets.compute(2025, world.city, TODAY)[0])
    assert (lines[assessed.pk].eligibility, lines[assessed.pk].secretary_allowance) == (
        rules.ELIGIBLE,
        Decimal("3000.00"),
    )
    assert (lines[missing.pk].eligibility, lines[missing.pk].secretary_allowance) == (
        rules.NOT_ELIGIBLE,
        Decimal("0.00"),
    )
    assert lines[missing.pk].grade == ""
    # The same Party organization this year, not yet over: budgeted on its 2026 grade.
    assert by_id(budgets.compute(2026, world.city, TODAY)[0])[missing.pk].grade == "excellent"


def test_a_budget_is_frozen_only_once(world, two_city_branches):
    budget = world.budget(2026)
    budgets.freeze(budget, world.user, TODAY)
    first = Budget.objects.get(pk=budget.pk)
    with pytest.raises(ValidationError) as excinfo:
        budgets.freeze(budget, world.user, D(2026, 11, 27))
    assert "已于" in " ".join(excinfo.value.messages)
    again = Budget.objects.get(pk=budget.pk)
    assert (again.frozen_at, again.frozen_as_of) == (first.frozen_at, TODAY)
    assert BudgetLine.objects.filter(budget=budget).count() == 2


# =========================================================================================
# 3. Which level pays: where most covered orgs are registered; secondary organizations
# =========================================================================================


@pytest.fixture
def payers_world(world):
    city_org = world.org("市级登记协会", city_registered=True)  # lies in 玄武区
    x1, x2 = world.org("玄武一协会"), world.org("玄武二协会")
    q1 = world.org("秦淮一协会", world.qinhuai)
    dead = [world.org(f"玄武注销协会{n}", status=SocialOrg.Status.DEREGISTERED) for n in (1, 2)]
    p = {}
    p["city"] = world.party_org("市级登记协会党支部", [city_org])
    p["district"] = world.party_org(
        "玄武一协会党总支", [x1], kind=PartyOrganization.Kind.GENERAL_BRANCH
    )
    p["secondary"] = world.party_org(
        "玄武一协会第一党支部", [x1], parent=p["district"], is_secondary=True
    )
    p["nested"] = world.party_org(
        "玄武一协会第一党支部第一党小组支部", parent=p["secondary"], is_secondary=True
    )
    p["mixed"] = world.party_org(
        "联合党支部", [city_org, x1, x2], formation=PartyOrganization.Formation.JOINT
    )
    p["qinhuai"] = world.party_org("秦淮一协会党支部", [q1])
    p["orphan"] = world.party_org("无覆盖党支部")
    # Two deregistered 玄武区 orgs and one active city-registered one: the active decides.
    p["active_decides"] = world.party_org(
        "注销为主联合党支部", [city_org, *dead], formation=PartyOrganization.Formation.JOINT
    )
    # Dissolved before 2026: in no 2026 budget.
    p["dissolved"] = world.party_org(
        "已撤销党支部", [x2], founded_on=D(2015, 1, 1), dissolved_on=D(2025, 6, 1)
    )
    return p


def test_a_party_organization_is_in_the_budget_of_the_level_its_orgs_are_registered_at(
    world, payers_world
):
    p = payers_world
    ids = {name: po.pk for name, po in p.items()}

    def lines(region):
        return {row.party_org_id for row in budgets.compute(2026, region, TODAY)[0]}

    assert lines(world.city) == {ids["city"], ids["orphan"], ids["active_decides"]}
    assert lines(world.xuanwu) == {ids["district"], ids["secondary"], ids["nested"], ids["mixed"]}
    assert lines(world.qinhuai) == {ids["qinhuai"]}
    for row in budgets.compute(2026, world.xuanwu, TODAY)[0]:
        assert row.payer_id == world.xuanwu.pk


def test_a_secondary_line_has_no_money_and_its_members_count_at_the_parent(world, payers_world):
    p = payers_world
    world.members(p["district"], 1)
    world.members(p["secondary"], 2)
    world.members(p["nested"], 1)
    # A secondary organization's secretary, assessed 合格, still earns no allowance.
    world.secretary(p["secondary"], p["secondary"].members.first())
    world.assess(p["secondary"], 2026, "pass")

    rows, _source = budgets.compute(2026, world.xuanwu, TODAY)
    lines = by_id(rows)
    parent = lines[p["district"].pk]
    assert parent.members == 4
    assert parent.member_fund == Decimal("600.00")
    assert parent.activity_fund == Decimal("3000.00")
    for key, members in (("secondary", 2), ("nested", 1)):
        line = lines[p[key].pk]
        assert line.secondary is True
        assert line.members == members
        assert (line.activity_fund, line.member_fund, line.secretary_allowance) == (
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
        )
        assert line.total == Decimal("0.00")
    assert lines[p["secondary"].pk].eligibility == rules.NOT_ELIGIBLE
    # Totals count each member once (not again on the secondary lines).
    assert budgets.totals(rows).members == 4
    assert budgets.totals(rows).party_orgs == 4


# =========================================================================================
# 4. Last year's members from the change history
# =========================================================================================


@pytest.fixture
def history_world(world):
    """Two 玄武区 Party organizations whose members moved over 2025 and 2026."""
    old = world.party_org("老协会党支部", [world.org("老协会")])
    new = world.party_org("新协会党支部", [world.org("新协会")])
    m = {}
    with moment(D(2025, 3, 1)):
        for key in ("moved", "left", "died", "stays", "moved_new_year_eve", "moved_new_year"):
            m[key] = world.member(old)
    with moment(D(2025, 10, 1)):
        m["died"].status = Member.Status.DECEASED
        m["died"].save()
    # 23:30 on 31 December 2025 in Shanghai is in 2025; 00:30 on 1 January is not.
    with moment(D(2025, 12, 31), 23, 30):
        m["moved_new_year_eve"].party_org = new
        m["moved_new_year_eve"].save()
    with moment(D(2026, 1, 1), 0, 30):
        m["moved_new_year"].party_org = new
        m["moved_new_year"].save()
    with moment(D(2026, 4, 1)):
        m["moved"].party_org = new
        m["moved"].save()
        m["left"].status = Member.Status.TRANSFERRED_OUT
        m["left"].save()
    with moment(D(2026, 5, 1)):
        # An older register imported this year: a member since 2015 counts for 2025.
        m["imported"] = world.member(new, joined_on=D(2015, 1, 1), full_member_on=D(2016, 1, 1))
        m["joined_2026"] = world.member(new, joined_on=D(2026, 2, 1), full_member_on=D(2026, 2, 1))
    return old, new, m


def test_a_member_moved_this_year_counts_for_the_old_party_org_in_last_years_budget(
    world, history_world
):
    old, new, _members = history_world
    last_year = by_id(budgets.compute(2025, world.xuanwu, TODAY)[0])
    this_year = by_id(budgets.compute(2026, world.xuanwu, TODAY)[0])
    # 2025 (31 December): moved, left, stays, moved_new_year; moved_new_year_eve, imported.
    assert (last_year[old.pk].members, last_year[new.pk].members) == (4, 2)
    assert last_year[old.pk].member_fund == Decimal("600.00")
    assert last_year[new.pk].member_fund == Decimal("300.00")
    # Today's register: stays; moved, both new-year moves, imported, joined_2026.
    assert (this_year[old.pk].members, this_year[new.pk].members) == (1, 5)
    assert this_year[old.pk].member_fund == Decimal("150.00")


def test_past_year_member_counts_read_the_history_as_of_31_december(world, history_world):
    old, new, _members = history_world
    assert budgets.member_counts(2025, TODAY) == {old.pk: 4, new.pk: 2}
    assert budgets.member_counts(2026, TODAY) == {old.pk: 1, new.pk: 5}
    # Asked during 2025, 2025 is the current year: the register as it stands.
    assert budgets.member_counts(2025, D(2025, 12, 31)) == {old.pk: 1, new.pk: 5}


def test_history_rows_dated_into_last_year_decide_last_years_count(world):
    """The same rule with history rows back-dated by hand (an older register's rows)."""
    branch = world.party_org("补录协会党支部", [world.org("补录协会")])
    other = world.party_org("另一协会党支部", [world.org("另一协会")])
    member = world.member(branch)
    history = Member.history.filter(id=member.pk)
    history.update(history_date=datetime.datetime(2025, 5, 1, 9, tzinfo=SHANGHAI))
    member.party_org = other
    member.save()  # today, 2026
    assert budgets.member_counts(2025, TODAY) == {branch.pk: 1}
    assert budgets.member_counts(2026, TODAY) == {other.pk: 1}


# =========================================================================================
# 5. The budget JSON and export_report budget
# =========================================================================================


@pytest.fixture
def json_world(world):
    """City-paid: a branch (合格), a general branch founded in March without assessment or
    secretary, a committee (优秀) with a secondary branch; a 玄武区-paid branch."""
    standard(
        2026,
        world.city,
        branch_allowance=Decimal("3600.00"),
        committee_allowance=Decimal("9000.00"),
        activity_fund=Decimal("3333.33"),
        member_fund=Decimal("155.55"),
    )
    K = PartyOrganization.Kind
    p = {
        "branch": world.party_org("一号协会党支部", [world.org("一号协会", city_registered=True)]),
        "general": world.party_org(
            "二号协会党总支",
            [world.org("二号协会", city_registered=True)],
            kind=K.GENERAL_BRANCH,
            founded_on=D(2026, 3, 10),
        ),
        "committee": world.party_org(
            "三号协会党委", [world.org("三号协会", city_registered=True)], kind=K.COMMITTEE
        ),
        "district": world.party_org("玄武四号协会党支部", [world.org("玄武四号协会")]),
    }
    p["secondary"] = world.party_org("三号协会第一党支部", parent=p["committee"], is_secondary=True)
    branch_members = world.members(p["branch"], 3)
    world.secretary(p["branch"], branch_members[0])
    world.assess(p["branch"], 2026, "pass")
    world.members(p["general"], 1)
    world.secretary(p["committee"])  # its one member
    world.members(p["secondary"], 2)
    world.assess(p["committee"], 2026, "excellent")
    world.members(p["district"], 2)
    return p


def check_budget_json(data, year, kind, code):
    assert data["year"] == year
    assert data["scope"] == {"kind": kind, "code": code}
    for line in data["lines"]:
        assert {
            "party_org", "kind", "secondary", "members", "activity_fund", "member_fund",
            "secretary_allowance", "assessment",
        } <= set(line)  # fmt: skip
        assert line["kind"] in {"党委", "党总支", "党支部"}
        assert isinstance(line["secondary"], bool)
        assert isinstance(line["members"], int)
        assert line["assessment"] in {"优秀", "合格", "基本合格", "不合格", ""}
        for item in ITEMS:
            assert AMOUNT.match(line[item]), line[item]
    totals = data["totals"]
    assert {"party_orgs", "activity_fund", "member_fund", "secretary_allowance", "total"} <= set(
        totals
    )
    assert totals["party_orgs"] == len(data["lines"])
    for item in ITEMS:
        assert AMOUNT.match(totals[item])
        assert Decimal(totals[item]) == sum(
            (Decimal(line[item]) for line in data["lines"]), Decimal("0")
        )
    assert AMOUNT.match(totals["total"])
    assert Decimal(totals["total"]) == sum(Decimal(totals[item]) for item in ITEMS)


def test_budget_json_lines_and_totals_follow_templates_md(world, json_world):
    data = budget_json(2026, world.city, TODAY, scope_kind="city", scope_code="320100")
    check_budget_json(data, 2026, "city", "320100")
    lines = {line["party_org"]: line for line in data["lines"]}
    assert set(lines) == {"一号协会党支部", "二号协会党总支", "三号协会党委", "三号协会第一党支部"}
    branch, general = lines["一号协会党支部"], lines["二号协会党总支"]
    committee, secondary = lines["三号协会党委"], lines["三号协会第一党支部"]
    assert (branch["kind"], branch["assessment"], branch["members"]) == ("党支部", "合格", 3)
    assert (branch["activity_fund"], branch["member_fund"], branch["secretary_allowance"]) == (
        "3333.33",
        "466.65",
        "3600.00",
    )
    # Founded 10 March: 10 months of 3333.33, rounded half up; no secretary, no assessment.
    assert (general["kind"], general["assessment"]) == ("党总支", "")
    assert (general["activity_fund"], general["secretary_allowance"]) == ("2777.78", "0.00")
    assert (committee["kind"], committee["assessment"], committee["members"]) == ("党委", "优秀", 3)
    assert committee["secretary_allowance"] == "9000.00"
    assert (secondary["kind"], secondary["secondary"], secondary["members"]) == ("党支部", True, 2)
    assert secondary["activity_fund"] == secondary["member_fund"] == "0.00"
    assert data["totals"] == {
        **data["totals"],
        "party_orgs": 4,
        "activity_fund": "9444.44",
        "member_fund": "1088.85",
        "secretary_allowance": "12600.00",
        "total": "23133.29",
    }
    assert data["status"] == "draft"
    assert data["as_of"] == TODAY.isoformat()


@pytest.fixture
def export(tmp_path):
    def run(year, *options):
        path = tmp_path / "b.json"
        out = StringIO()
        call_command(
            "export_report", "budget", "--year", str(year), *options, "--format", "json",
            "--output", str(path), stdout=out,
        )  # fmt: skip
        return json.loads(path.read_text(encoding="utf-8")), out.getvalue()

    return run


def test_export_report_budget_writes_the_citys_budget(world, json_world, export):
    data, out = export(2026)
    check_budget_json(data, 2026, "city", "320100")
    expected = budget_json(2026, world.city, TODAY, scope_kind="city", scope_code="320100")
    assert data == json.loads(json.dumps(expected, ensure_ascii=False))
    assert data["totals"]["total"] == "23133.29"
    assert "23133.29" in out and "编制中" in out


def test_export_report_budget_with_district_writes_the_districts_budget(world, json_world, export):
    data, _out = export(2026, "--district", "320102")
    check_budget_json(data, 2026, "district", "320102")
    assert data["level"]["code"] == "320102"
    assert [line["party_org"] for line in data["lines"]] == ["玄武四号协会党支部"]
    # No standard of its own: the city's (3333.33 a year, 155.55 a member).
    assert data["lines"][0]["member_fund"] == "311.10"
    assert data["totals"]["total"] == "3644.43"  # no secretary, no allowance


def test_export_report_budget_gives_a_frozen_budgets_stored_lines(world, json_world, export):
    budget = world.budget(2026)
    budgets.freeze(budget, world.user, D(2026, 11, 1))
    world.members(json_world["branch"], 4)
    data, out = export(2026)
    check_budget_json(data, 2026, "city", "320100")
    assert data["status"] == "frozen"
    assert data["as_of"] == "2026-11-01"
    lines = {line["party_org"]: line for line in data["lines"]}
    assert lines["一号协会党支部"]["members"] == 3
    assert data["totals"]["total"] == "23133.29"
    assert "已冻结" in out


def test_export_report_budget_with_unit_gives_its_levels_budget_in_its_scope(
    world, json_world, export
):
    data, _out = export(2026, "--unit", "南京市玄武区民政局")
    check_budget_json(data, 2026, "unit", "南京市玄武区民政局")
    assert data["level"]["code"] == "320102"
    assert [line["party_org"] for line in data["lines"]] == ["玄武四号协会党支部"]


@pytest.mark.parametrize("year", [2020, 2028])
def test_export_report_budget_refuses_a_year_out_of_range(world, tmp_path, year):
    path = tmp_path / "b.json"
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "export_report", "budget", "--year", str(year), "--format", "json",
            "--output", str(path), stdout=StringIO(),
        )  # fmt: skip
    assert "2021至2027" in str(excinfo.value)
    assert not path.exists()


def test_export_report_budget_refuses_an_unknown_district(world, tmp_path):
    path = tmp_path / "b.json"
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "export_report", "budget", "--year", "2026", "--district", "320199",
            "--format", "json", "--output", str(path), stdout=StringIO(),
        )  # fmt: skip
    assert "320199" in str(excinfo.value)
    assert not path.exists()


# =========================================================================================
# 6. Payments against a frozen line
# =========================================================================================


@pytest.fixture
def frozen_lines(world):
    """The city's 2026 budget frozen today: three branches of 3000 + 300 + 3000 each; one
    assessed 合格, one without assessment (budgeted 待考核), one lowered to 基本合格 since."""
    p = {}
    for key, name in (("pass", "合格"), ("none", "未考核"), ("basic", "降级")):
        p[key] = world.party_org(
            f"{name}协会党支部", [world.org(f"{name}协会", city_registered=True)]
        )
        members = world.members(p[key], 2)
        world.secretary(p[key], members[0])
    world.assess(p["pass"], 2026, "pass")
    lowered = world.assess(p["basic"], 2026, "pass")
    budget = world.budget(2026)
    budgets.freeze(budget, world.user, TODAY)
    lowered.grade = "basic"
    lowered.save()
    return {key: BudgetLine.objects.get(budget=budget, party_org=po) for key, po in p.items()}


def payment(line, item="activity_fund", amount="100.00", paid_on=MID_YEAR, **fields):
    return Payment(
        line=line, item=item, amount=Decimal(amount), paid_on=paid_on, voucher="记-001", **fields
    )


def test_the_frozen_lines_budget_what_the_payments_are_checked_against(frozen_lines):
    for line in frozen_lines.values():
        assert (line.activity_fund, line.member_fund, line.secretary_allowance) == (
            Decimal("3000.00"),
            Decimal("300.00"),
            Decimal("3000.00"),
        )
    assert frozen_lines["none"].eligibility == rules.PROVISIONAL


def test_a_payment_beyond_the_budgeted_item_is_refused(frozen_lines):
    line = frozen_lines["pass"]
    with pytest.raises(ValidationError) as excinfo:
        payment(line, amount="3000.01").full_clean()
    assert "超出预算" in messages(excinfo, "amount")

    payment(line, amount="2000.00").save()
    with pytest.raises(ValidationError) as excinfo:
        payment(line, amount="1000.01").full_clean()
    text = messages(excinfo, "amount")
    # The paid sum's format differs by database (SQLite "2000", PostgreSQL "2000.00").
    assert "超出预算" in text and "已拨付2000" in text and "最多还可拨付1000.00元" in text
    # Another item of the same line has its own budget.
    payment(line, item="member_fund", amount="300.00").full_clean()


def test_a_payment_up_to_what_is_left_is_accepted_and_does_not_count_itself(frozen_lines):
    line = frozen_lines["pass"]
    payment(line, amount="2000.00").save()
    last = payment(line, amount="1000.00")
    last.full_clean()
    last.save()
    last.full_clean()  # re-validating a saved payment does not count it twice
    assert sum(p.amount for p in line.payments.all()) == Decimal("3000.00")


@pytest.mark.parametrize(("key", "words"), [("none", "尚无2026年度考核"), ("basic", "基本合格")])
def test_the_allowance_is_not_paid_without_a_passed_assessment(frozen_lines, key, words):
    with pytest.raises(ValidationError) as excinfo:
        payment(frozen_lines[key], item="secretary_allowance", amount="1500.00").full_clean()
    text = messages(excinfo, "item")
    assert "考核" in text and words in text


def test_the_allowance_of_a_passed_assessment_is_paid(frozen_lines):
    allowance = payment(frozen_lines["pass"], item="secretary_allowance", amount="3000.00")
    allowance.full_clean()
    allowance.save()
    rows = by_id(budgets.frozen_rows(frozen_lines["pass"].budget))
    assert rows[frozen_lines["pass"].party_org_id].paid == {
        "secretary_allowance": Decimal("3000.00")
    }


@pytest.mark.parametrize(
    ("paid_on", "words"),
    [(D(2025, 12, 31), "不能早于预算年度"), (D(2026, 11, 29), "不能晚于今天")],
)
def test_a_payment_dated_outside_the_budget_year_up_to_today_is_refused(
    frozen_lines, paid_on, words
):
    with pytest.raises(ValidationError) as excinfo:
        payment(frozen_lines["pass"], paid_on=paid_on).full_clean()
    assert words in messages(excinfo, "paid_on")


def test_a_payment_from_the_first_day_of_the_budget_year_to_today_is_accepted(frozen_lines):
    for day in (D(2026, 1, 1), TODAY):
        paid = payment(frozen_lines["pass"], paid_on=day)
        paid.full_clean()
        paid.save()
    assert frozen_lines["pass"].payments.count() == 2


def test_a_payment_of_nothing_is_refused(frozen_lines):
    with pytest.raises(ValidationError) as excinfo:
        payment(frozen_lines["pass"], amount="0.00").full_clean()
    assert "amount" in excinfo.value.message_dict


# =========================================================================================
# 7. Party dues: monthly dues, dues payments, arrears, returns
# =========================================================================================


@pytest.mark.parametrize(
    ("category", "income", "dues"),
    [
        (rules.EMPLOYED, "2999.99", "15.00"),  # 0.5 %, 14.99995 rounded half up
        (rules.EMPLOYED, "3000.00", "15.00"),
        (rules.EMPLOYED, "3000.01", "30.00"),  # 1 %
        (rules.EMPLOYED, "5000.00", "50.00"),
        (rules.EMPLOYED, "8000.00", "120.00"),  # 1.5 %
        (rules.EMPLOYED, "10000.00", "150.00"),
        (rules.EMPLOYED, "10000.01", "200.00"),  # 2 %
        (rules.RETIRED, "5000.00", "25.00"),  # 0.5 %
        (rules.RETIRED, "6000.00", "60.00"),  # 1 %
        (rules.FIXED, None, "0.20"),
    ],
)
def test_monthly_dues_by_category_and_income(world, category, income, dues):
    member = world.member(None)
    base = DuesBase(
        member=member,
        year=2026,
        category=category,
        monthly_income=Decimal(income) if income else None,
    )
    base.full_clean()
    assert base.monthly_dues == Decimal(dues)


def test_an_employed_or_retired_dues_base_needs_an_income(world):
    base = DuesBase(member=world.member(None), year=2026, category=rules.EMPLOYED)
    with pytest.raises(ValidationError) as excinfo:
        base.full_clean()
    assert "税后月收入" in messages(excinfo, "monthly_income")


@pytest.fixture
def dues_member(world, settings):
    settings.DUES_RECORDED_FROM = "2026-01"
    branch = world.party_org("党费协会党支部", [world.org("党费协会")])
    return world.member(branch)


def dues(member, month, amount="120.00", paid_on=MID_YEAR):
    return DuesPayment(
        member=member,
        month=month,
        amount=Decimal(amount),
        paid_on=paid_on,
        party_org=member.party_org,
    )


def test_a_dues_payment_needs_a_dues_base_of_its_year(dues_member):
    with pytest.raises(ValidationError) as excinfo:
        dues(dues_member, D(2026, 3, 1)).full_clean()
    assert "党费基数" in messages(excinfo, "member")
    # Last year's base does not do for this year's months.
    DuesBase.objects.create(
        member=dues_member, year=2025, category=rules.EMPLOYED, monthly_income=Decimal("8000")
    )
    with pytest.raises(ValidationError) as excinfo:
        dues(dues_member, D(2026, 3, 1)).full_clean()
    assert "2026" in messages(excinfo, "member")


def test_a_dues_payment_is_at_least_the_monthly_dues(dues_member):
    DuesBase.objects.create(
        member=dues_member, year=2026, category=rules.EMPLOYED, monthly_income=Decimal("8000")
    )
    with pytest.raises(ValidationError) as excinfo:
        dues(dues_member, D(2026, 3, 1), amount="119.99").full_clean()
    assert "120.00" in messages(excinfo, "amount")
    paid = dues(dues_member, D(2026, 3, 15), amount="120.00")
    paid.full_clean()
    assert paid.month == D(2026, 3, 1)  # recorded as the month's first day
    dues(dues_member, D(2026, 4, 1), amount="150.00").full_clean()


@pytest.mark.parametrize(
    ("month", "words"),
    [(D(2025, 12, 1), "2026年01月"), (D(2027, 1, 1), "本年度以内")],
)
def test_dues_are_kept_from_dues_recorded_from_up_to_this_year(dues_member, month, words):
    for year in (2025, 2026, 2027):
        DuesBase.objects.create(
            member=dues_member, year=year, category=rules.FIXED, declared_on=D(2025, 1, 1)
        )
    with pytest.raises(ValidationError) as excinfo:
        dues(dues_member, month, amount="0.20").full_clean()
    assert words in messages(excinfo, "month")
    dues(dues_member, D(2026, 12, 1), amount="0.20").full_clean()  # ahead, within the year


# (name, joined_on, months paid (2026), on the register, held by a Party organization)
ARREARS_TABLE = [
    ("never_paid", D(2010, 7, 1), (), True, True),
    ("paid_to_april", D(2010, 7, 1), (1, 2, 3, 4), True, True),
    ("paid_may", D(2010, 7, 1), (5,), True, True),
    ("paid_october", D(2010, 7, 1), (10,), True, True),
    ("paid_all_year", D(2010, 7, 1), tuple(range(1, 13)), True, True),
    ("joined_1_may", D(2026, 5, 1), (), True, True),
    ("joined_31_may", D(2026, 5, 31), (), True, True),
    ("joined_1_june", D(2026, 6, 1), (), True, True),
    ("joined_september", D(2026, 9, 15), (), True, True),
    ("transferred_out", D(2010, 7, 1), (), False, True),
    ("held_outside", D(2010, 7, 1), (), True, False),
]


@pytest.fixture
def arrears_world(world, settings):
    settings.DUES_RECORDED_FROM = "2026-01"
    settings.DUES_ARREARS_MONTHS = 6
    branch = world.party_org("欠费协会党支部", [world.org("欠费协会")])
    members = {}
    for name, joined_on, months, on_register, held in ARREARS_TABLE:
        member = world.member(
            branch if held else None,
            workplace=branch.covered_orgs.first(),
            name=name,
            joined_on=joined_on,
            full_member_on=max(joined_on, D(2011, 7, 1)),
            status=Member.Status.ACTIVE if on_register else Member.Status.TRANSFERRED_OUT,
        )
        for month in months:
            DuesPayment.objects.create(
                member=member,
                month=D(2026, month, 1),
                amount=Decimal("20.00"),
                paid_on=D(2026, min(month, 11), 1),
                party_org=branch,
            )
        members[name] = (member, joined_on, [D(2026, month, 1) for month in months])
    return members


def expected_arrears(arrears_world, today):
    # rules.months_unpaid takes the last month paid up to last month: months paid ahead
    # do not cover the months missed before them.
    last_over = rules.month_of_index(rules.month_index(today) - 1)

    def last_paid(months):
        return max((month for month in months if month <= last_over), default=None)

    return {
        name
        for name, (member, joined_on, months) in arrears_world.items()
        if member.status == Member.Status.ACTIVE
        and member.party_org_id is not None
        and rules.in_arrears(joined_on=joined_on, last_paid=last_paid(months), today=today)
    }


def test_arrears_are_six_months_unpaid_up_to_last_month(arrears_world):
    found = {member.name: member.last_paid for member in selectors.arrears(ALL, TODAY)}
    # Last month over: October 2026; six months unpaid means nothing since April.
    assert set(found) == {"never_paid", "paid_to_april", "joined_1_may", "joined_31_may"}
    assert found["paid_to_april"] == D(2026, 4, 1)
    assert found["never_paid"] is None


@pytest.mark.parametrize(
    "today",
    [TODAY, D(2026, 12, 1), D(2026, 7, 1), D(2026, 6, 30), D(2026, 11, 1), D(2027, 2, 15)],
)
def test_arrears_lists_exactly_whom_rules_in_arrears_names(arrears_world, today):
    found = {member.name for member in selectors.arrears(ALL, today)}
    assert found == expected_arrears(arrears_world, today)


def test_a_month_paid_ahead_does_not_cover_the_months_missed_before_it(world, settings):
    """docs/money.md: in arrears with "no dues for DUES_ARREARS_MONTHS (6) months in a row
    up to last month". Paid January to April and, ahead, December: May to October (six
    months up to last month) have no dues."""
    settings.DUES_RECORDED_FROM = "2026-01"
    settings.DUES_ARREARS_MONTHS = 6
    branch = world.party_org("预交协会党支部", [world.org("预交协会")])
    member = world.member(branch, name="预交十二月")
    for month in (1, 2, 3, 4, 12):
        DuesPayment.objects.create(
            member=member, month=D(2026, month, 1), amount=Decimal("20.00"),
            paid_on=D(2026, min(month, 11), 1), party_org=branch,
        )  # fmt: skip
    assert [m.name for m in selectors.arrears(ALL, TODAY)] == ["预交十二月"]


def test_no_one_is_in_arrears_before_six_months_of_dues_are_kept(arrears_world):
    # June 2026: only January to May are over since DUES_RECORDED_FROM.
    assert list(selectors.arrears(ALL, D(2026, 6, 30))) == []
    assert "never_paid" in {m.name for m in selectors.arrears(ALL, D(2026, 7, 1))}


def test_dues_balances_compare_a_years_dues_collected_with_those_returned(world, settings):
    settings.DUES_RECORDED_FROM = "2026-01"
    a = world.party_org("收缴甲党支部", [world.org("收缴甲协会")])
    b = world.party_org("收缴乙党支部", [world.org("收缴乙协会")])
    member = world.member(a)
    for month in (1, 2, 3):
        DuesPayment.objects.create(
            member=member, month=D(2026, month, 1), amount=Decimal("15.00"),
            paid_on=D(2026, month, 5), party_org=a,
        )  # fmt: skip
    DuesPayment.objects.create(
        member=member, month=D(2025, 12, 1), amount=Decimal("99.00"),
        paid_on=D(2025, 12, 5), party_org=a,
    )  # fmt: skip
    # The member moves to b; dues already paid stay with the org that collected them.
    member.party_org = b
    member.save()
    DuesReturn.objects.create(
        party_org=a, year=2026, amount=Decimal("30.00"), returned_on=D(2026, 6, 1), voucher="返1"
    )
    DuesReturn.objects.create(
        party_org=a, year=2025, amount=Decimal("99.00"), returned_on=D(2026, 1, 10), voucher="返0"
    )
    DuesReturn.objects.create(
        party_org=b, year=2026, amount=Decimal("20.00"), returned_on=D(2026, 6, 1), voucher="返2"
    )

    balances = {row.party_org.pk: row for row in selectors.dues_balances(ALL, 2026)}
    assert set(balances) == {a.pk, b.pk}
    assert (balances[a.pk].collected, balances[a.pk].returned) == (
        Decimal("45.00"),
        Decimal("30.00"),
    )
    assert balances[a.pk].outstanding == Decimal("15.00")
    assert (balances[b.pk].collected, balances[b.pk].returned) == (
        Decimal("0.00"),
        Decimal("20.00"),
    )
    assert [row.party_org.pk for row in selectors.not_returned(ALL, 2026)] == [a.pk]
    assert [row.party_org.pk for row in selectors.not_returned(ALL, 2025)] == []


# =========================================================================================
# 8. Underpaid lines of a past year
# =========================================================================================


@pytest.fixture
def underpaid_world(world):
    """The city's 2025 budget frozen on 1 June 2025 (every line 3000 + 150 + 3000 待考核),
    then assessed and paid: see each key."""
    keys = ("full", "short", "not_passed", "owed", "unassessed", "unpaid")
    p = {}
    for key in keys:
        p[key] = world.party_org(
            f"{key}协会党支部", [world.org(f"{key}协会", city_registered=True)]
        )
        world.secretary(p[key])
    budget = world.budget(2025)
    budgets.freeze(budget, world.user, D(2025, 6, 1))
    for key, grade in (
        ("full", "pass"),
        ("short", "excellent"),
        ("not_passed", "basic"),
        ("owed", "pass"),
        ("unpaid", "fail"),
    ):
        world.assess(p[key], 2025, grade)
    lines = {key: BudgetLine.objects.get(budget=budget, party_org=p[key]) for key in keys}
    paid = {
        "full": ("3000.00", "150.00", "3000.00"),
        "short": ("2000.00", "150.00", "3000.00"),
        "not_passed": ("3000.00", "150.00", None),
        "owed": ("3000.00", "150.00", None),
        "unassessed": ("3000.00", "150.00", None),
        "unpaid": (None, None, None),
    }
    for key, amounts in paid.items():
        for item, amount in zip(ITEMS, amounts, strict=True):
            if amount:
                Payment.objects.create(
                    line=lines[key], item=item, amount=Decimal(amount),
                    paid_on=D(2025, 9, 1), voucher=f"{key}-{item}",
                )  # fmt: skip
    return p, lines


def test_the_frozen_past_lines_budgeted_the_allowance_before_the_assessment(underpaid_world):
    _p, lines = underpaid_world
    for line in lines.values():
        assert line.eligibility == rules.PROVISIONAL
        assert (line.activity_fund, line.member_fund, line.secretary_allowance) == (
            Decimal("3000.00"),
            Decimal("150.00"),
            Decimal("3000.00"),
        )
        assert line.minimum_secretary_allowance == Decimal("3000.00")


def test_underpaid_lists_the_lines_paid_below_the_minimum(underpaid_world):
    p, _lines = underpaid_world
    found = {entry.row.party_org_id: entry for entry in selectors.underpaid(ALL, 2025)}
    names = {pk: key for key, po in p.items() for pk in [po.pk]}
    assert {names[pk] for pk in found} == {"short", "owed", "unpaid"}
    assert found[p["short"].pk].missing == {"activity_fund": Decimal("1000.00")}
    assert found[p["short"].pk].missing_total == Decimal("1000.00")
    # The allowance is owed only when the year's assessment passed.
    assert found[p["owed"].pk].missing == {"secretary_allowance": Decimal("3000.00")}
    assert found[p["unpaid"].pk].missing == {
        "activity_fund": Decimal("3000.00"),
        "member_fund": Decimal("150.00"),
    }


def test_underpaid_reads_only_frozen_budgets_of_the_year_asked(world, underpaid_world):
    p, _lines = underpaid_world
    # A draft 玄武区 budget of 2025 with an unpaid line, and this year's frozen city budget
    # with nothing paid: neither is last year's frozen work.
    world.party_org("玄武草稿协会党支部", [world.org("玄武草稿协会")])
    world.budget(2025, world.xuanwu)
    budgets.freeze(world.budget(2026), world.user, TODAY)
    found_2025 = {entry.row.party_org_id for entry in selectors.underpaid(ALL, 2025)}
    assert found_2025 == {p["short"].pk, p["owed"].pk, p["unpaid"].pk}
    found_2026 = {entry.budget.year for entry in selectors.underpaid(ALL, 2026)}
    assert found_2026 == {2026}


# =========================================================================================
# 9. Venues
# =========================================================================================


@pytest.fixture
def venue_world(world):
    zone = Zone.objects.create(name="玄武科技园", kind=Zone.Kind.PARK, district=world.xuanwu)
    other_zone = Zone.objects.create(
        name="玄武商务楼", kind=Zone.Kind.BUILDING, district=world.xuanwu
    )
    qinhuai_zone = Zone.objects.create(name="秦淮园区", kind=Zone.Kind.PARK, district=world.qinhuai)
    station = Workstation.objects.create(name="玄武科技园党建工作站", zone=zone)
    orgs = {
        "in_zone": world.org("园区内协会", zone=zone),
        "other_zone": world.org("楼宇内协会", zone=other_zone),
        "no_zone": world.org("玄武无区域协会"),
        "qinhuai": world.org("秦淮园区协会", world.qinhuai, zone=qinhuai_zone),
    }
    return zone, qinhuai_zone, station, orgs


def test_a_workstation_venue_needs_a_workstation(world, venue_world):
    venue = Venue(name="工作站活动室", kind=Venue.Kind.WORKSTATION, district=world.xuanwu)
    with pytest.raises(ValidationError) as excinfo:
        venue.full_clean()
    assert "工作站" in messages(excinfo, "workstation")


def test_a_workstation_venue_takes_its_workstations_zone(world, venue_world):
    zone, _qinhuai_zone, station, _orgs = venue_world
    venue = Venue(
        name="工作站活动室", kind=Venue.Kind.WORKSTATION, district=world.xuanwu, workstation=station
    )
    venue.full_clean()
    assert venue.zone_id == zone.pk


def test_a_venues_zone_lies_in_its_district(world, venue_world):
    _zone, qinhuai_zone, _station, _orgs = venue_world
    venue = Venue(
        name="错区服务中心",
        kind=Venue.Kind.SERVICE_CENTRE,
        district=world.xuanwu,
        zone=qinhuai_zone,
    )
    with pytest.raises(ValidationError) as excinfo:
        venue.full_clean()
    assert "服务区域" in messages(excinfo, "zone")


def test_an_own_venue_needs_its_org_and_only_it_has_one(world, venue_world):
    _zone, _qinhuai_zone, _station, orgs = venue_world
    with pytest.raises(ValidationError) as excinfo:
        Venue(name="自建活动室", kind=Venue.Kind.OWN, district=world.xuanwu).full_clean()
    assert "owner_org" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        Venue(
            name="服务中心", kind=Venue.Kind.SERVICE_CENTRE, district=world.xuanwu,
            owner_org=orgs["in_zone"],
        ).full_clean()  # fmt: skip
    assert "owner_org" in excinfo.value.message_dict


def test_orgs_outside_a_venues_zone_are_reported(world, venue_world):
    zone, _qinhuai_zone, station, orgs = venue_world
    venue = Venue(
        name="工作站活动室", kind=Venue.Kind.WORKSTATION, district=world.xuanwu, workstation=station
    )
    venue.full_clean()
    outside = venue.orgs_outside(list(orgs.values()))
    assert {org.name for org in outside} == {"楼宇内协会", "玄武无区域协会", "秦淮园区协会"}


def test_a_venue_without_zone_serves_its_district_and_an_own_room_its_org(world, venue_world):
    _zone, _qinhuai_zone, _station, orgs = venue_world
    centre = Venue(name="玄武区党群服务中心", kind=Venue.Kind.SERVICE_CENTRE, district=world.xuanwu)
    centre.full_clean()
    assert [org.name for org in centre.orgs_outside(list(orgs.values()))] == ["秦淮园区协会"]
    own = Venue(
        name="园区内协会活动室", kind=Venue.Kind.OWN, district=world.xuanwu,
        owner_org=orgs["in_zone"],
    )  # fmt: skip
    own.full_clean()
    assert {org.name for org in own.orgs_outside(list(orgs.values()))} == {
        "楼宇内协会",
        "玄武无区域协会",
        "秦淮园区协会",
    }


# =========================================================================================
# Budgets belong to a city or a district, for a year within reach
# =========================================================================================


def test_a_budget_is_for_a_level_and_a_year_within_reach(world):
    street = factories.StreetFactory(parent=world.xuanwu, name="新街口街道")
    for year in (2025, 2026, 2027):
        Budget(year=year, region=world.xuanwu).full_clean()
    with pytest.raises(ValidationError) as excinfo:
        Budget(year=2028, region=world.city).full_clean()
    assert "2021至2027" in messages(excinfo, "year")
    with pytest.raises(ValidationError) as excinfo:
        Budget(year=2026, region=street).full_clean()
    assert "市级或区县级" in messages(excinfo, "region")
    assert Region.objects.get(pk=street.pk).level == Region.Level.STREET


# --- 党费欠交 counts from when the member's Party organization began keeping dues here ---

KEEPING_TODAY = D(2026, 11, 28)


@pytest.mark.parametrize(
    ("kept_from", "last_paid", "unpaid"),
    [
        pytest.param(None, None, 10, id="kept_since_recording_began_nothing_paid"),
        pytest.param(D(2026, 6, 1), None, 5, id="kept_since_june_nothing_paid"),
        pytest.param(D(2026, 5, 1), None, 6, id="kept_since_may_six_months"),
        pytest.param(D(2026, 3, 1), D(2026, 4, 1), 6, id="paid_to_april"),
        pytest.param(D(2026, 11, 1), None, 0, id="began_this_month"),
    ],
)
def test_months_unpaid_count_from_when_the_party_org_began_keeping_dues(
    settings, kept_from, last_paid, unpaid
):
    settings.DUES_RECORDED_FROM = "2026-01"
    settings.DUES_ARREARS_MONTHS = 6
    got = rules.months_unpaid(
        joined_on=D(2010, 1, 1), last_paid=last_paid, today=KEEPING_TODAY, kept_from=kept_from
    )
    assert got == unpaid
    assert rules.in_arrears(
        joined_on=D(2010, 1, 1), last_paid=last_paid, today=KEEPING_TODAY, kept_from=kept_from
    ) == (unpaid >= 6)


def _pay(member, party_org, month):
    DuesPayment.objects.create(
        member=member, month=month, amount=Decimal("10.00"), paid_on=month, party_org=party_org
    )


def test_members_of_a_party_org_keeping_no_dues_are_not_in_arrears(world, settings):
    settings.DUES_RECORDED_FROM = "2026-01"
    settings.DUES_ARREARS_MONTHS = 6
    silent = world.party_org("未登记党费党支部", [world.org("未登记协会")])
    world.member(silent, name="未登记党员")
    keeping = world.party_org("登记党费党支部", [world.org("登记协会")])
    payer = world.member(keeping, name="按月交纳")
    idle = world.member(keeping, name="四月后未交")
    late = world.party_org("六月起登记党支部", [world.org("六月协会")])
    late_payer = world.member(late, name="六月起交纳")
    late_idle = world.member(late, name="六月起未交")
    for month in range(1, 11):
        _pay(payer, keeping, D(2026, month, 1))
    for month in range(1, 5):
        _pay(idle, keeping, D(2026, month, 1))
    for month in range(6, 11):
        _pay(late_payer, late, D(2026, month, 1))
    found = {member.name: member for member in selectors.arrears(ALL, KEEPING_TODAY)}
    # 六月起未交: June to October is five months since its Party organization began.
    assert set(found) == {"四月后未交"}
    assert found["四月后未交"].kept_from == D(2026, 1, 1)
    assert found["四月后未交"].last_paid == D(2026, 4, 1)
    assert list(selectors.not_keeping(ALL)) == [silent]
    assert late_idle.pk not in {m.pk for m in selectors.arrears(ALL, KEEPING_TODAY)}
