"""The annual ledger (年度台账, ledger/annual.py): every format written through
`ledger.exporters.export` and read back; masked and revealed ID numbers; a past year as of
31 December from the change history; the target's scope.

The world is tests/ledger/fixtures_annual.py (a small Nanjing with a past).
"""

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from ledger import annual, catalog, targets
from ledger.annual import AnnualLedger
from ledger.exporters import export
from members.models import IdNumberReveal, Member
from orgs.validators import mask_id_number
from tests import factories
from tests.ledger import fixtures_annual
from tests.ledger.conftest import SHANGHAI, TODAY
from tests.ledger.fixtures_annual import HYPERLINK, NEW_SCHOOL_PO, OLD_SCHOOL_PO

world = fixtures_annual.world  # the fixture

D = datetime.date
SHEETS = ["社会组织", "党组织", "党员", "组织生活", "考核评议", "经费"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def written(exporter, fmt):
    out = io.BytesIO()
    export(exporter, fmt, out)
    return out.getvalue()


def workbook(exporter):
    return load_workbook(io.BytesIO(written(exporter, "xlsx")), read_only=True)


def table(book, title):
    """[{header: value}] of a sheet."""
    rows = list(book[title].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def city_ledger(year=TODAY.year, **kwargs):
    return AnnualLedger(targets.city_target(), year, today=TODAY, **kwargs)


def names(rows, key):
    return sorted(row[key] for row in rows)


# --- the workbook ---------------------------------------------------------------------------


def test_the_workbook_has_the_six_sheets_in_order_with_the_years_rows(world):
    book = workbook(city_ledger())
    assert book.sheetnames == SHEETS
    orgs = table(book, "社会组织")
    assert names(orgs, "社会组织名称") == sorted(
        [HYPERLINK, "南京市启明培训学校", "南京市迁址协会", "秦淮区文化促进会"]
    )
    assert names(table(book, "党组织"), "党组织名称") == sorted(
        [NEW_SCHOOL_PO, "中共秦淮区文化促进会支部委员会"]
    )
    # 4 at the school (the leaver deleted) and the newcomer, 1 in 秦淮区.
    assert len(table(book, "党员")) == 6
    # 2026's activities only: P_school's 党课 in January and P_qinhuai's 主题党日.
    life = table(book, "组织生活")
    assert {(row["党组织"], row["活动日期"].date()) for row in life} == {
        ("中共秦淮区文化促进会支部委员会", D(2026, 1, 30)),
        (NEW_SCHOOL_PO, D(2026, 1, 25)),
    }
    assert [row["网上开展"] for row in life if row["党组织"] != NEW_SCHOOL_PO] == ["是"]
    assert len(table(book, "考核评议")) == 2
    assert len(table(book, "经费")) == 2


def test_an_orgs_row_carries_the_reference_templates_facts(world):
    school = next(
        row for row in table(workbook(city_ledger()), "社会组织")
        if row["社会组织名称"] == "南京市启明培训学校"
    )  # fmt: skip
    expected = {
        "组织类别": "社会服务机构",
        "统一社会信用代码（登记证号）": world.orgs["school"].uscc,
        "法定代表人": "李四",
        "业务主管单位": "南京市教育局",
        "登记管理机关": "南京市民政局",
        "所属区县": "玄武区",
        "从业人员数": 35,
        "党建入章程": "是",
        "覆盖方式": "组织覆盖",
        "是否建立党组织": "是",
        "党组织名称": NEW_SCHOOL_PO,
        "审批单位": "中共南京市委两新工委",
        "审批文号": "宁两新〔2024〕7号",
        "组织建制": "党支部",
        "组建方式": "单独组建",
        "党组织书记": world.m["s1"].name,
        "未建立党组织原因": None,
        "党员数": 5,
        "正式党员数": 3,
        "预备党员数": 2,
    }
    assert {key: school[key] for key in expected} == expected
    assert school["建立党组织时间"].date() == D(2024, 7, 1)


@pytest.mark.parametrize(
    ("org", "coverage", "reason", "mass_orgs"),
    [
        ("formula", "工作覆盖", "无党员", "工会"),
        ("mover", "未覆盖", "无党员", None),
        ("qinhuai", "组织覆盖", None, None),
    ],
)
def test_coverage_and_the_reason_for_no_party_organization_follow_the_rules(
    world, org, coverage, reason, mass_orgs
):
    name = world.orgs[org].name
    row = next(r for r in table(workbook(city_ledger()), "社会组织") if r["社会组织名称"] == name)
    assert (row["覆盖方式"], row["未建立党组织原因"], row["已建群团组织"]) == (
        coverage,
        reason,
        mass_orgs,
    )


def test_dates_counts_and_money_are_typed_cells(world):
    book = workbook(city_ledger())
    rows = list(book["党员"].iter_rows())
    header = [cell.value for cell in rows[0]]
    joined = rows[1][header.index("入党日期")]
    assert isinstance(joined.value, datetime.datetime)
    assert joined.number_format == "yyyy-mm-dd"
    age = rows[1][header.index("年龄")]
    assert age.data_type == "n" and isinstance(age.value, int)
    money = list(book["经费"].iter_rows())
    header = [cell.value for cell in money[0]]
    name = header.index("党组织名称")
    school = next(row for row in money[1:] if row[name].value == NEW_SCHOOL_PO)
    paid = school[header.index("已拨付")]
    assert paid.data_type == "n" and paid.number_format == "#,##0.00"
    assert Decimal(str(paid.value)) == Decimal("1500.00")
    assert school[header.index("预算状态")].value == "已冻结"
    assert school[header.index("预算级次")].value == "南京市"


def test_the_money_sheet_has_each_levels_lines_frozen_or_computed(world):
    money = {row["党组织名称"]: row for row in table(workbook(city_ledger()), "经费")}
    # The city froze its budget (P_school's line, 1,500 paid); 秦淮区 has none: computed.
    qinhuai = money["中共秦淮区文化促进会支部委员会"]
    assert (qinhuai["预算级次"], qinhuai["预算状态"], qinhuai["已拨付"]) == ("秦淮区", "编制中", 0)
    assert qinhuai["活动经费"] == 3000  # §五 minimum for a Party organization
    assert money[NEW_SCHOOL_PO]["合计"] > 0


def test_a_formula_looking_org_name_stays_text(world):
    book = workbook(city_ledger())
    cells = [row[1] for row in book["社会组织"].iter_rows(min_row=2)]
    formula = next(cell for cell in cells if cell.value == HYPERLINK)
    assert formula.data_type == "s"
    rows = list(csv.reader(io.StringIO(written(city_ledger(), "csv").decode("utf-8-sig"))))
    assert "'" + HYPERLINK in [row[1] for row in rows]


def test_csv_is_the_orgs_sheet_in_utf8_with_a_bom(world):
    data = written(city_ledger(), "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "社会组织名称", "组织类别"]
    assert len(rows) == 1 + 4
    school = next(row for row in rows if row[1] == "南京市启明培训学校")
    assert school[rows[0].index("建立党组织时间")] == "2024-07-01"
    # CSV never reaches the members: nothing to mask, nothing to record.
    assert not IdNumberReveal.objects.exists()


# --- personal data ----------------------------------------------------------------------------


def test_id_and_phone_numbers_are_masked_and_the_birth_date_is_an_age(world):
    members = table(workbook(city_ledger()), "党员")
    s1 = world.m["s1"]
    row = next(r for r in members if r["姓名"] == s1.name)
    assert row["身份证号（脱敏）"] == mask_id_number(s1.id_number) != s1.id_number
    assert row["联系电话"] == "139****5678"
    assert "出生日期" not in row
    assert row["年龄"] == 44  # born 19 April 1982, on 15 June 2026
    numbers = {m.id_number for m in Member.objects.all()}
    assert not numbers & {str(v) for r in members for v in r.values()}


# (user, asks to reveal) → whether the numbers come out and are put on record
REVEAL_RULES = [
    ("city_two_new", True, True),
    ("city_two_new", False, False),
    ("education", True, False),  # a supervising unit may not reveal
    ("admin", True, True),
    (None, True, False),  # the export_report command: no user, nothing revealed
]


@pytest.mark.parametrize(("user", "asks", "revealed"), REVEAL_RULES)
def test_id_numbers_are_revealed_only_to_a_user_who_may_and_asks_and_each_is_on_record(
    world, user, asks, revealed
):
    who = world.users[user] if user else None
    exporter = city_ledger(reveal_ids=asks, user=who)
    members = table(workbook(exporter), "党员")
    s1 = world.m["s1"]
    row = next(r for r in members if r["姓名"] == s1.name)
    if revealed:
        assert row["身份证号"] == s1.id_number
        assert row["出生日期"].date() == D(1982, 4, 19)
        assert row["联系电话"] == "13912345678"
        records = IdNumberReveal.objects.filter(user=who, reason="导出年度台账")
        assert sorted(records.values_list("member__name", flat=True)) == names(members, "姓名")
    else:
        assert row["身份证号（脱敏）"] == mask_id_number(s1.id_number)
        assert not IdNumberReveal.objects.exists()


def test_a_past_years_reveal_masks_a_member_deleted_since(world):
    # The leaver is in the 2025 ledger but cannot be put on record any more.
    exporter = city_ledger(2025, reveal_ids=True, user=world.users["admin"])
    members = {row["姓名"]: row for row in table(workbook(exporter), "党员")}
    assert members["将离开的党员"]["身份证号"].count("*") == 8
    assert members[world.m["s1"].name]["身份证号"] == world.m["s1"].id_number
    assert IdNumberReveal.objects.count() == len(members) - 1


# --- a past year --------------------------------------------------------------------------------


def test_a_past_year_shows_the_values_of_31_december_not_todays(world):
    book = workbook(city_ledger(2025))
    school = next(r for r in table(book, "社会组织") if r["社会组织名称"] == "南京市启明培训学校")
    assert school["法定代表人"] == "张三"  # changed to 李四 in February 2026
    assert school["党组织名称"] == OLD_SCHOOL_PO  # renamed in 2026
    assert names(table(book, "党组织"), "党组织名称") == sorted(
        [OLD_SCHOOL_PO, "中共秦淮区文化促进会支部委员会"]
    )
    assessed = next(r for r in table(book, "考核评议") if r["党组织名称"] == OLD_SCHOOL_PO)
    assert (assessed["年度考核等次"], assessed["民主评议党员人数"], assessed["评议优秀"]) == (
        "优秀",
        3,
        1,
    )
    assert len(table(book, "组织生活")) == 2  # 2025's: February and November
    assert "李四" not in str(table(book, "社会组织"))


def test_a_past_year_omits_a_member_who_joined_after_it_and_keeps_one_deleted_since(world):
    members = names(table(workbook(city_ledger(2025)), "党员"), "姓名")
    assert "新入党的党员" not in members
    assert "将离开的党员" in members
    assert len(members) == 6  # the school's 5 then, and 秦淮区's 1
    school = next(
        r for r in table(workbook(city_ledger(2025)), "社会组织")
        if r["社会组织名称"] == "南京市启明培训学校"
    )  # fmt: skip
    assert (school["党员数"], school["正式党员数"]) == (5, 4)


def test_a_past_years_scope_is_where_the_orgs_were_then(world):
    xuanwu = targets.district_target(world.xuanwu)
    then = AnnualLedger(xuanwu, 2025, today=TODAY)
    now = AnnualLedger(xuanwu, 2026, today=TODAY)
    then_orgs = names(table(workbook(then), "社会组织"), "社会组织名称")
    now_orgs = names(table(workbook(now), "社会组织"), "社会组织名称")
    assert "南京市迁址协会" in then_orgs  # in 玄武区 until 2026
    assert "南京市迁址协会" not in now_orgs
    assert "秦淮区文化促进会" not in then_orgs + now_orgs


def test_a_year_not_yet_begun_is_refused_in_chinese(world):
    with pytest.raises(ValueError, match=CHINESE):
        city_ledger(TODAY.year + 1)
    with pytest.raises(CommandError, match="尚未开始"):
        call_command(
            "export_report", "ledger", "--year", str(TODAY.year + 1), "--format", "xlsx",
            "--output", "/tmp/never-written.xlsx", stdout=io.StringIO(),
        )  # fmt: skip


def test_as_of_takes_the_last_change_before_local_midnight_of_new_year(world):
    # A change at 23:30 on 31 December counts for that year; one at 00:30 on 1 January
    # (16:30 on 31 December in UTC) does not.
    org = world.orgs["qinhuai"]
    for moment, name in (
        (datetime.datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI), "除夕改的名称"),
        (datetime.datetime(2026, 1, 1, 0, 30, tzinfo=SHANGHAI), "元旦改的名称"),
    ):
        with time_machine.travel(moment, tick=False):
            org.name = name
            org.save()
    rows = annual.as_of(type(org), annual.year_start(2026)).filter(id=org.pk)
    assert list(rows.values_list("name", flat=True)) == ["除夕改的名称"]


# --- scope ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "orgs"),
    [
        ("xuanwu", [HYPERLINK, "南京市启明培训学校"]),
        ("qinhuai", ["南京市迁址协会", "秦淮区文化促进会"]),
        ("education", ["南京市启明培训学校"]),
    ],
)
def test_a_targets_ledger_holds_only_its_own_orgs_party_organizations_and_members(
    world, target, orgs
):
    made = {
        "xuanwu": lambda: targets.district_target(world.xuanwu),
        "qinhuai": lambda: targets.district_target(world.qinhuai),
        "education": lambda: targets.unit_target(world.units["education"]),
    }[target]()
    book = workbook(AnnualLedger(made, 2026, today=TODAY))
    assert names(table(book, "社会组织"), "社会组织名称") == sorted(orgs)
    workplaces = {row["所在单位"] for row in table(book, "党员")}
    assert workplaces <= set(orgs)
    covered = {
        name for row in table(book, "党组织") for name in row["覆盖的社会组织"].split("、")
    }  # fmt: skip
    assert covered <= set(orgs)


def test_a_user_cannot_have_the_ledger_of_another_district(world):
    user = world.users["xuanwu_two_new"]
    assert catalog.exporter_for(user, "ledger", "district:320104", 2026, today=TODAY) is None
    mine = catalog.exporter_for(user, "ledger", "district:320102", 2026, today=TODAY)
    assert "秦淮区文化促进会" not in str(table(workbook(mine), "社会组织"))


# --- JSON, PDF, size ----------------------------------------------------------------------------


def test_the_json_names_the_year_scope_counts_and_orgs(world):
    data = json.loads(written(AnnualLedger(targets.district_target(world.xuanwu), 2026,
                                           today=TODAY), "json"))  # fmt: skip
    assert set(data) >= {"year", "as_of", "scope", "counts", "coverage", "orgs"}
    assert (data["year"], data["as_of"]) == (2026, "2026-06-15")
    assert data["scope"] == {"kind": "district", "code": "320102"}
    assert data["counts"] == {
        "orgs": 2, "party_orgs": 1, "members": 5, "activities": 1, "assessments": 1,
        "budget_lines": 1,
    }  # fmt: skip
    school = next(o for o in data["orgs"] if o["name"] == "南京市启明培训学校")
    assert school["org"] == world.orgs["school"].uscc
    assert (school["coverage"], school["party_orgs"], school["members"]) == (
        "organizational",
        [NEW_SCHOOL_PO],
        5,
    )
    assert all(re.fullmatch(r"[a-z_]+", key) for org in data["orgs"] for key in org)


def test_the_pdf_has_the_chinese_names_a_cjk_font_and_masked_numbers(world, monkeypatch):
    # Small parts, so that the ledger is rendered in several (both cores) and joined.
    monkeypatch.setattr(annual, "ROWS_PER_PART", 4)
    exporter = city_ledger()
    assert len(exporter.pdf_parts()) > 3
    reader = PdfReader(io.BytesIO(written(city_ledger(), "pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "南京市启明培训学校" in text
    assert "2026年度社会组织党建工作台账" in text
    assert f"第 {len(reader.pages)} 页 / 共 {len(reader.pages)} 页" in text
    s1 = world.m["s1"]
    assert mask_id_number(s1.id_number) in text
    assert s1.id_number not in text
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object().get("/DescendantFonts")
            font = descriptor[0].get_object() if descriptor else font.get_object()
            file = font.get("/FontDescriptor", {})
            if "/FontFile2" in file or "/FontFile3" in file:
                fonts.add(str(font["/BaseFont"]))
    assert any("CJK" in name or "Noto" in name for name in fonts)


def test_pdf_parts_hold_at_most_rows_per_part_rows_and_keep_every_row(world, monkeypatch):
    monkeypatch.setattr(annual, "ROWS_PER_PART", 3)
    parts = city_ledger().pdf_parts()
    bodies = [table["body"] for part in parts for table in part.context["tables"]]
    assert all(body.count("<tr>") <= 3 for body in bodies)
    assert parts[0].context["cover"] and not any(p.context["cover"] for p in parts[1:])
    # 4 orgs in 3 column groups, 2 Party organizations in 2, 6 members, 2 activities,
    # 2 assessments, 2 budget lines.
    assert sum(body.count("<tr>") for body in bodies) == 4 * 3 + 2 * 2 + 6 + 2 + 2 + 2


def test_size_counts_the_rows_cheaply(world, django_assert_max_num_queries):
    exporter = city_ledger()
    with django_assert_max_num_queries(4):
        size = exporter.size()
    assert size == 4 + 6 + 3 * 2 + 2


def test_the_queries_do_not_grow_with_the_rows(world):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            written(city_ledger(), "xlsx")
        return len(captured)

    before = queries()
    assert before <= 40  # six sheets and the budgets of two levels, whatever the rows
    for serial in range(3):
        org = factories.SocialOrgFactory(
            name=f"新增协会{serial}", district=world.qinhuai,
            registration_authority=world.units["qinhuai_registry"],
        )  # fmt: skip
        world.member(org, world.party_orgs["qinhuai"])
    assert queries() == before


def test_the_export_report_command_writes_the_ledger(world, tmp_path):
    path = tmp_path / "ledger.xlsx"
    out = io.StringIO()
    call_command(
        "export_report", "ledger", "--year", "2025", "--district", "320102", "--format", "xlsx",
        "--output", str(path), stdout=out,
    )  # fmt: skip
    assert "2025年度社会组织党建工作台账（玄武区）" in out.getvalue()
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == SHEETS


@pytest.mark.parametrize("year", [2025, 2026])
def test_a_secretarys_ledger_is_their_party_organization_and_its_orgs(world, year):
    secretary = factories.UserFactory(unit=None, party_org=world.party_orgs["school"])
    (own,) = targets.choices_for(secretary)
    book = workbook(AnnualLedger(own, year, today=TODAY, user=secretary))
    assert names(table(book, "社会组织"), "社会组织名称") == ["南京市启明培训学校"]
    assert len(table(book, "党组织")) == 1
    assert {row["所在单位"] for row in table(book, "党员")} == {"南京市启明培训学校"}
