"""Budget tables (ledger.budget_tables.BudgetTable): the JSON is the budget JSON of the
target; the workbook's and the PDF's totals are the JSON's, which are the sums of the
lines; a unit (or a narrowed target) shows only its lines; draft and frozen budgets say
so with their day; scope denial.

A small Nanjing (as tests/subsidies/test_admin.py): the city budgets the Party
organizations of its city-registered orgs (启明培训学校党支部, supervised by 南京市教育局;
青年志愿者协会党支部), 玄武区 those of its district-registered org (玄武区文化协会党支部 and
its secondary branch), 秦淮区 its own. The clock is frozen on 15 September 2026.
"""

import datetime
import io
import json
import re
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from ledger import budget_tables, catalog, targets
from ledger.budget_tables import BudgetTable
from ledger.exporters import export
from orgs.models import SocialOrg, Unit
from orgs.scopes import Scope
from subsidies import budgets
from subsidies.models import Budget, BudgetLine, Payment
from subsidies.reports import budget_json
from tests import factories
from tests.members.fixtures_admin import MemberFactory, PartyOrganizationFactory, PostFactory

D = datetime.date
TODAY = D(2026, 9, 15)
YEAR = 2026
SCHOOL_PO = "启明培训学校党支部"
VOLUNTEERS_PO = "青年志愿者协会党支部"
XUANWU_PO = "玄武区文化协会党支部"
XUANWU_SECONDARY = "玄武区文化协会第一党支部"
QINHUAI_PO = "秦淮区文化促进会党支部"
MONEY_ITEMS = ("activity_fund", "member_fund", "secretary_allowance", "total", "minimum", "paid")
LINE_HEADER = [
    "党组织", "建制", "二级党组织", "党员数", "活动经费", "党员经费", "书记补贴", "合计",
    "考核等次", "最低标准", "是否达标", "管理体制", "管理单位", "已支付",
]  # fmt: skip
# The lines sheet's money columns (0-based) and the JSON totals they add up to.
MONEY_COLUMNS = {
    "activity_fund": 4, "member_fund": 5, "secretary_allowance": 6, "total": 7,
    "minimum": 9, "paid": 13,
}  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_clock():
    moment = datetime.datetime.combine(TODAY, datetime.time(12), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture
def world(db):
    city = factories.CityFactory(code="320100", name="南京市")
    xuanwu = factories.DistrictFactory(parent=city, code="320102", name="玄武区")
    qinhuai = factories.DistrictFactory(parent=city, code="320104", name="秦淮区")
    K, L = Unit.Kind, Unit.Level

    def unit(name, kind, level, region):
        return factories.UnitFactory(name=name, kind=kind, level=level, region=region)

    units = {
        "city_registration": unit("南京市民政局", K.REGISTRATION, L.CITY, city),
        "xuanwu_registration": unit("南京市玄武区民政局", K.REGISTRATION, L.DISTRICT, xuanwu),
        "qinhuai_registration": unit("南京市秦淮区民政局", K.REGISTRATION, L.DISTRICT, qinhuai),
        "city_two_new": unit("中共南京市委两新工委", K.TWO_NEW, L.CITY, city),
        "xuanwu_two_new": unit("中共南京市玄武区委两新工委", K.TWO_NEW, L.DISTRICT, xuanwu),
        "xuanwu_finance": unit("南京市玄武区财政局", K.FINANCE, L.DISTRICT, xuanwu),
        "education": unit("南京市教育局", K.SUPERVISOR, L.CITY, city),
    }
    orgs = {
        "school": factories.SocialOrgFactory(
            name="南京市启明培训学校", kind=SocialOrg.Kind.SERVICE, sector="education",
            registration_authority=units["city_registration"], district=xuanwu,
            supervising_unit=units["education"],
        ),
        "volunteers": factories.SocialOrgFactory(
            name="南京市青年志愿者协会", sector="social_service",
            registration_authority=units["city_registration"], district=qinhuai,
        ),
        "xuanwu": factories.SocialOrgFactory(
            name="玄武区文化协会", sector="culture",
            registration_authority=units["xuanwu_registration"], district=xuanwu,
        ),
        "qinhuai": factories.SocialOrgFactory(
            name="秦淮区文化促进会", sector="culture",
            registration_authority=units["qinhuai_registration"], district=qinhuai,
        ),
    }  # fmt: skip
    party_orgs = {
        "school": PartyOrganizationFactory(name=SCHOOL_PO, covers=[orgs["school"]]),
        "volunteers": PartyOrganizationFactory(name=VOLUNTEERS_PO, covers=[orgs["volunteers"]]),
        "xuanwu": PartyOrganizationFactory(name=XUANWU_PO, covers=[orgs["xuanwu"]]),
        "qinhuai": PartyOrganizationFactory(name=QINHUAI_PO, covers=[orgs["qinhuai"]]),
    }
    party_orgs["secondary"] = PartyOrganizationFactory(
        name=XUANWU_SECONDARY, parent=party_orgs["xuanwu"], is_secondary=True,
        covers=[orgs["xuanwu"]],
    )  # fmt: skip

    def member(name, key, holder=None):
        return MemberFactory(name=name, workplace=orgs[key], party_org=party_orgs[holder or key])

    members = {
        "xuanwu": member("王玄武", "xuanwu"),
        "xuanwu_2": member("周玄武", "xuanwu"),
        "secondary": member("吴二级", "xuanwu", "secondary"),
        "qinhuai": member("孙秦淮", "qinhuai"),
        "school": member("李启明", "school"),
        "school_2": member("钱启明", "school"),
        "volunteers": member("赵志愿", "volunteers"),
    }
    for key in ("xuanwu", "qinhuai", "school", "volunteers"):
        PostFactory(member=members[key])
    users = {key: factories.UserFactory(username=key, unit=u) for key, u in units.items()}
    users["admin"] = factories.UserFactory(username="admin", unit=None, is_superuser=True)
    users["secretary"] = factories.UserFactory(
        username="secretary", unit=None, party_org=party_orgs["xuanwu"]
    )
    budget_of = {
        key: Budget.objects.create(year=YEAR, region=region)
        for key, region in (("city", city), ("xuanwu", xuanwu), ("qinhuai", qinhuai))
    }
    return SimpleNamespace(
        city=city, xuanwu=xuanwu, qinhuai=qinhuai, units=units, orgs=orgs,
        party_orgs=party_orgs, members=members, users=users, budgets=budget_of,
    )  # fmt: skip


def written(exporter, fmt):
    out = io.BytesIO()
    export(exporter, fmt, out)
    return out.getvalue()


def workbook(exporter):
    book = load_workbook(io.BytesIO(written(exporter, "xlsx")), read_only=True)
    return {
        name: [list(row) for row in book[name].iter_rows(values_only=True)]
        for name in book.sheetnames
    }


def pdf(exporter):
    reader = PdfReader(io.BytesIO(written(exporter, "pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def yuan(text):
    """A JSON amount as the PDF prints it ("3000.00" → "3,000.00")."""
    return f"{Decimal(text):,.2f}"


def table(target, year=YEAR):
    return BudgetTable(target, year, today=TODAY)


def city_target(world):
    return targets.city_target()


def xuanwu_target(world):
    return targets.district_target(world.xuanwu)


def education_target(world):
    return targets.unit_target(world.units["education"])


# --- the JSON is the budget JSON --------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_target", "region", "scope_of", "lines"),
    [
        (city_target, "city", None, {SCHOOL_PO, VOLUNTEERS_PO}),
        (xuanwu_target, "xuanwu", None, {XUANWU_PO, XUANWU_SECONDARY}),
        (education_target, "city", "education", {SCHOOL_PO}),
    ],
    ids=[
        "the city's budget is every line the city pays",
        "a district's budget is every line the district pays",
        "a unit's table is the lines of its scope in its city's budget",
    ],
)
def test_the_json_is_the_budget_json_of_the_target(world, make_target, region, scope_of, lines):
    target = make_target(world)
    scope = Scope.for_unit(world.units[scope_of]) if scope_of else None
    data = table(target).as_json()
    assert data == budget_json(
        YEAR, getattr(world, region), TODAY, scope=scope, scope_kind=target.kind,
        scope_code=target.code,
    )  # fmt: skip
    assert {line["party_org"] for line in data["lines"]} == lines


# --- totals: the workbook's and the PDF's are the JSON's, which are the lines' sums -----------


def line_sums(data):
    """The JSON's lines summed item by item."""
    sums = dict.fromkeys(MONEY_ITEMS, Decimal("0.00"))
    for line in data["lines"]:
        for item in ("activity_fund", "member_fund", "secretary_allowance", "paid"):
            sums[item] += Decimal(line[item])
        sums["minimum"] += sum(Decimal(v) for v in line["minimum"].values())
    sums["total"] = sums["activity_fund"] + sums["member_fund"] + sums["secretary_allowance"]
    return sums


@pytest.mark.parametrize("make_target", [city_target, xuanwu_target, education_target])
def test_workbook_and_pdf_totals_equal_the_json_s_which_equal_the_sum_of_lines(world, make_target):
    exporter = table(make_target(world))
    data = exporter.as_json()
    totals = {item: Decimal(data["totals"][item]) for item in MONEY_ITEMS}
    assert totals == line_sums(data)
    assert totals["total"] > 0
    rows = workbook(exporter)["预算明细"]
    assert rows[0] == LINE_HEADER
    last = rows[-1]
    assert last[0] == f"合计（{data['totals']['party_orgs']}个党组织）"
    assert len(rows) == len(data["lines"]) + 2
    assert {item: Decimal(str(last[column])) for item, column in MONEY_COLUMNS.items()} == totals
    # Each line's money in the workbook sums to the same totals.
    for item, column in MONEY_COLUMNS.items():
        assert sum(Decimal(str(row[column])) for row in rows[1:-1]) == totals[item]
    text, _reader = pdf(exporter)
    printed = " ".join(yuan(data["totals"][item]) for item in ("activity_fund", "member_fund"))
    assert printed in text
    assert f"合计（{data['totals']['party_orgs']}个党组织）" in text
    assert yuan(data["totals"]["total"]) in text


def test_members_of_a_secondary_branch_count_once_in_the_totals(world):
    rows = workbook(table(xuanwu_target(world)))["预算明细"]
    members = {row[0]: row[3] for row in rows[1:-1]}
    # The parent's line holds its own two members and the branch's one (the member fund).
    assert members == {XUANWU_PO: 3, XUANWU_SECONDARY: 1}
    assert rows[-1][3] == 3


def test_the_channel_sheet_groups_by_channel_and_unit_and_adds_up(world):
    exporter = table(city_target(world))
    sheets = workbook(exporter)
    groups = sheets["按管理体制汇总"]
    assert groups[0][:3] == ["管理体制 · 管理单位", "党组织数", "党员数"]
    assert groups[-1][0] == "合计"
    assert sum(row[1] for row in groups[1:-1]) == groups[-1][1] == 2
    total = Decimal(exporter.as_json()["totals"]["total"])
    assert sum(Decimal(str(row[6])) for row in groups[1:-1]) == total
    assert Decimal(str(groups[-1][6])) == total
    assert {row[0] for row in groups[1:-1]} == {
        str(row.label) for row in budgets.by_channel(exporter.load()[1])
    }


# --- status, day and layout ----------------------------------------------------------------------


def test_a_draft_says_so_with_today_and_is_landscape_with_a_cjk_font(world):
    exporter = table(city_target(world))
    text, reader = pdf(exporter)
    assert "2026年度党建经费预算表" in text
    assert "编制中" in text and "数据截至 2026-09-15" in text
    assert SCHOOL_PO in text and VOLUNTEERS_PO in text
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert any("CJK" in name or "Noto" in name for name in fonts)
    about = dict(row for row in workbook(exporter)["说明"][1:])
    assert about["状态"] == "编制中" and about["数据日期"] == "2026-09-15"


def test_a_frozen_budget_shows_its_stored_lines_its_day_and_what_was_paid(world):
    budget = budgets.freeze(world.budgets["city"], world.users["admin"], today=D(2026, 9, 1))
    line = BudgetLine.objects.get(budget=budget, party_org_name=SCHOOL_PO)
    Payment.objects.create(
        line=line, item=Payment.Item.ACTIVITY_FUND, amount=Decimal("1234.50"),
        paid_on=D(2026, 9, 10), voucher="记-001",
    )  # fmt: skip
    # A member joining after the freeze changes nothing in a frozen budget.
    MemberFactory(workplace=world.orgs["school"], party_org=world.party_orgs["school"])
    exporter = table(city_target(world))
    data = exporter.as_json()
    assert data["status"] == "frozen" and data["as_of"] == "2026-09-01"
    assert data["totals"]["paid"] == "1234.50"
    school = next(line for line in data["lines"] if line["party_org"] == SCHOOL_PO)
    assert school["members"] == 2
    text, _reader = pdf(exporter)
    assert "已冻结" in text and "数据截至 2026-09-01" in text
    assert yuan("1234.50") in text
    rows = workbook(exporter)["预算明细"]
    assert Decimal(str(rows[-1][MONEY_COLUMNS["paid"]])) == Decimal("1234.50")


def test_a_long_budget_renders_in_parts_with_totals_once_at_the_end(world, monkeypatch):
    monkeypatch.setattr(budget_tables, "PART_LINES", 1)
    exporter = table(city_target(world))
    parts = exporter.pdf_parts()
    assert len(parts) == 2
    assert [p.context["last"] for p in parts] == [False, True]
    text, reader = pdf(exporter)
    pages = len(reader.pages)
    assert f"第 {pages} 页 / 共 {pages} 页" in text
    assert text.count("按管理体制和管理单位汇总") == 1
    assert text.index(SCHOOL_PO) < text.index("合计（2个党组织）")


# --- scope: a unit's lines only; denial ----------------------------------------------------------


def test_a_unit_target_shows_only_its_lines(world):
    exporter = table(education_target(world))
    rows = workbook(exporter)["预算明细"]
    assert [row[0] for row in rows[1:-1]] == [SCHOOL_PO]
    text, _reader = pdf(exporter)
    assert SCHOOL_PO in text
    assert VOLUNTEERS_PO not in text and XUANWU_PO not in text


def test_a_target_narrowed_by_a_user_s_scope_lists_and_totals_only_what_both_see(world):
    """The city's budget as seen through 玄武区's scope: the school (in 玄武区) and not the
    volunteers (秦淮区); the JSON's lines and totals say the same."""
    narrowed = targets.city_target().restricted(Scope.for_unit(world.units["xuanwu_two_new"]))
    exporter = table(narrowed)
    data = exporter.as_json()
    assert [line["party_org"] for line in data["lines"]] == [SCHOOL_PO]
    whole = table(city_target(world)).as_json()
    school = next(line for line in whole["lines"] if line["party_org"] == SCHOOL_PO)
    assert data["totals"]["total"] == budgets.money_str(
        sum(Decimal(school[item]) for item in ("activity_fund", "member_fund",
                                                "secretary_allowance"))
    )  # fmt: skip
    assert [row[0] for row in workbook(exporter)["预算明细"][1:-1]] == [SCHOOL_PO]


def test_a_channel_target_lists_its_channel_s_lines(world):
    school = world.orgs["school"]
    school.refresh_from_db()
    exporter = table(targets.channel_target(world.city, school.channel))
    assert SCHOOL_PO in {line["party_org"] for line in exporter.as_json()["lines"]}
    assert {line["channel"] for line in exporter.as_json()["lines"]} == {school.channel}


@pytest.mark.parametrize(
    ("role", "key", "allowed"),
    [
        ("city_two_new", "city", True),
        ("xuanwu_two_new", "district:320102", True),
        ("xuanwu_two_new", "city", False),
        ("xuanwu_two_new", "district:320104", False),
        ("xuanwu_finance", "district:320104", False),
        ("education", "city", False),
    ],
    ids=[
        "the city's 两新工委 gets the city's table",
        "a district's 两新工委 gets its district's",
        "a district's 两新工委 does not get the city's",
        "a district's 两新工委 does not get another district's",
        "a district's finance does not get another district's",
        "a supervising unit does not get the city's",
    ],
)
def test_who_gets_which_budget_table(world, role, key, allowed):
    exporter = catalog.exporter_for(world.users[role], "budget", key, YEAR, today=TODAY)
    assert (exporter is not None) is allowed
    if allowed:
        assert isinstance(exporter, BudgetTable)


def test_a_supervising_unit_s_own_table_has_its_lines_only(world):
    exporter = catalog.exporter_for(world.users["education"], "budget", "own", YEAR, today=TODAY)
    assert exporter is not None
    assert [line["party_org"] for line in exporter.as_json()["lines"]] == [SCHOOL_PO]


def test_a_budget_table_needs_a_level(world):
    with pytest.raises(ValueError, match="经费预算表按全市、区县或单位生成"):
        BudgetTable(targets.org_target(world.orgs["school"]), YEAR, today=TODAY)


def test_title_scope_and_a_cheap_size(world, django_assert_max_num_queries):
    exporter = table(xuanwu_target(world))
    assert exporter.title == "2026年度党建经费预算表"
    assert exporter.scope_label == "玄武区"
    with django_assert_max_num_queries(1):
        # An estimate: the Party organizations covering its orgs (the school's included,
        # which the city pays).
        assert exporter.size() == 3
    assert json.loads(written(exporter, "json"))["year"] == YEAR
    assert re.fullmatch(r"2026年度党建经费预算表（玄武区）\.xlsx", exporter.filename("xlsx"))
