"""The compliance summary (ledger.compliance.ComplianceSummary): its JSON is the JSON
summary, and its workbook and PDF show the same figures as `ledger.summary.build` and
the dashboard page, number for number; a district's has no other district's rows; only
this year; only the city or a district, within the user's scope.

The city (tests/ledger/conftest.py) has something in every figure and worklist.
"""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from ledger import catalog, reports, summary, targets
from ledger.compliance import ComplianceSummary
from ledger.exporters import export
from ledger.views import percent
from orgs.scopes import Scope
from tests.ledger.conftest import CITY_TOTALS, CITY_WORKLISTS, LIFE_GAPS, TODAY, XUANWU_TOTALS

SUMMARY_SHEET = "汇总"
# The 汇总 sheet's columns after 范围 and 区划代码, in order.
FIGURE_KEYS = (
    "orgs", "org_covered", "work_covered", "uncovered", "org_coverage_rate",
    "work_coverage_rate", "party_orgs", "members", "full_members",
)  # fmt: skip
WORKLIST_SHEETS = {
    "uncovered_without_plan": "未覆盖且无组建计划",
    "plans_overdue": "组建计划逾期",
    "ready_to_stand_alone": "具备单独组建条件",
    "key_sector_violations": "重点领域应建未建",
    "new_party_orgs_at_risk": "新建党组织存在风险",
    "term_due": "应换届",
    "transfers_overdue": "组织关系转接超期",
    "lost_contact": "失联党员",
    "stale_archives": "档案超过12个月未更新",
}


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


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def embedded_fonts(reader):
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if "/FontFile2" in descriptor or "/FontFile3" in descriptor:
                    fonts.append(str(descendant.get_object()["/BaseFont"]))
    return fonts


def figures_of(figures):
    """A summary.Figures as the JSON writes it (rates as four-decimal strings)."""
    return {
        key: str(getattr(figures, key)) if key.endswith("rate") else getattr(figures, key)
        for key in FIGURE_KEYS
    }


def sheet_figures(row):
    values = dict(zip(FIGURE_KEYS, row[2 : 2 + len(FIGURE_KEYS)], strict=True))
    for key in ("org_coverage_rate", "work_coverage_rate"):
        values[key] = str(Decimal(str(values[key])).quantize(Decimal("0.0001")))
    return values


@pytest.fixture
def city_summary(city):
    return ComplianceSummary(targets.city_target(), TODAY.year, today=TODAY)


@pytest.fixture
def xuanwu_summary(city):
    return ComplianceSummary(targets.district_target(city.xuanwu), TODAY.year, today=TODAY)


@pytest.fixture
def dashboard_context(client, users):
    def get(role):
        client.force_login(users[role])
        response = client.get(reverse("ledger:dashboard"))
        assert response.status_code == 200
        return response.context

    return get


# --- JSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("of_district", "totals"), [(False, CITY_TOTALS), (True, XUANWU_TOTALS)], ids=["city", "xuanwu"]
)
def test_the_json_is_the_json_summary_of_the_same_scope(city, of_district, totals):
    target = targets.district_target(city.xuanwu) if of_district else targets.city_target()
    data = ComplianceSummary(target, TODAY.year, today=TODAY).as_json()
    assert data == reports.summary_json(
        target.scopes[0], TODAY, year=TODAY.year, scope_kind=target.kind, scope_code=target.code
    )
    assert {key: data["totals"][key] for key in totals} == totals
    assert data["scope"] == {"kind": target.kind, "code": target.code}


# --- the workbook -------------------------------------------------------------------------


def test_the_workbook_agrees_with_summary_build_the_json_and_the_dashboard(
    city_summary, dashboard_context
):
    sheets = workbook(city_summary)
    result = summary.build(city_summary.scope, TODAY)
    data = city_summary.as_json()
    rows = sheets[SUMMARY_SHEET]
    assert rows[0][:4] == ["范围", "区划代码", "社会组织", "组织覆盖"]
    total = rows[1]
    assert total[0] == "合计"
    assert (
        sheet_figures(total)
        == figures_of(result.totals)
        == {key: data["totals"][key] for key in FIGURE_KEYS}
    )
    assert {key: sheet_figures(total)[key] for key in CITY_TOTALS} == CITY_TOTALS
    # The dashboard prints the same numbers (rates in percent to one decimal).
    shown = [value for value, _url in dashboard_context("city_two_new")["totals"]]
    printed = sheet_figures(total)
    assert shown == [
        percent(Decimal(printed[key])) if key.endswith("rate") else printed[key]
        for key in FIGURE_KEYS
    ]
    # One row per district, as the JSON has them.
    assert [row[:2] for row in rows[2:]] == [[d["name"], d["code"]] for d in data["by_district"]]
    for row, district in zip(rows[2:], data["by_district"], strict=True):
        assert sheet_figures(row) == {key: district[key] for key in FIGURE_KEYS}
    # Uncovered by recommended form: E (standalone), F (joint), D, G, filed (instructor).
    assert total[-3:] == [1, 1, 3]


def test_each_breakdown_has_a_sheet_with_the_summary_s_rows(city_summary):
    sheets = workbook(city_summary)
    result = summary.build(city_summary.scope, TODAY)
    expected = {
        "按组织类型": result.by_kind,
        "按行业领域": result.by_sector,
        "按管理体制": result.by_channel,
        "按重点领域": result.by_key_status,
    }
    for title, breakdown in expected.items():
        rows = sheets[title][1:]
        assert [row[0] for row in rows] == [str(row.label) for row in breakdown]
        assert [row[1:5] for row in rows] == [
            [r.figures.orgs, r.figures.org_covered, r.figures.work_covered, r.figures.uncovered]
            for r in breakdown
        ]
    assert sum(row[1] for row in sheets["按组织类型"][1:]) == CITY_TOTALS["orgs"]


def test_each_worklist_has_a_chinese_sheet_with_the_json_s_rows(city_summary):
    sheets = workbook(city_summary)
    items = city_summary.as_json()["worklists"]
    assert set(items) == set(WORKLIST_SHEETS)
    for key, title in WORKLIST_SHEETS.items():
        assert len(sheets[title]) - 1 == len(items[key]), key
    assert len(sheets["未覆盖且无组建计划"]) - 1 == CITY_WORKLISTS["uncovered_without_plan"]
    # Rows name the orgs and say things in Chinese.
    names = {row[0] for row in sheets["未覆盖且无组建计划"][1:]}
    assert names == {"玄武区己协会", "玄武区庚培训学校", "夫子庙社区舞蹈队"}
    school = next(row for row in sheets["重点领域应建未建"][1:])
    assert school[0] == "玄武区庚培训学校" and school[3:] == ["社会服务机构", "教育", 40]
    # The counts sheet: every worklist of the dashboard, then the organizational-life gaps.
    counts = {row[0]: row[2] for row in sheets["工作提醒"][1:]}
    assert counts["未覆盖且无组建计划"] == CITY_WORKLISTS["uncovered_without_plan"]
    assert counts["组织关系转接在途"] == CITY_WORKLISTS["transfers_in_transit"]
    assert counts["组织生活缺失"] == LIFE_GAPS["city"]


# --- the PDF ------------------------------------------------------------------------------


def test_the_pdf_prints_the_dashboard_s_numbers_charts_and_worklists(
    city_summary, dashboard_context
):
    text, reader = pdf_text(written(city_summary, "pdf"))
    assert "2026年社会组织党建合规情况汇总" in text
    assert "南京市" in text
    assert any("CJK" in name or "Noto" in name for name in embedded_fonts(reader))
    flat = re.sub(r"\s+", " ", text)
    shown = [str(value) for value, _url in dashboard_context("city_two_new")["totals"]]
    assert "合计 " + " ".join(shown) in flat
    assert shown == ["12", "5", "2", "5", "41.7%", "58.3%", "4", "15", "13"]
    # Every district's line, as the dashboard shows it.
    context = dashboard_context("city_two_new")
    districts = next(b for b in context["breakdowns"] if b["name"] == "district")
    for row in districts["rows"]:
        assert f"{row['label']} " + " ".join(str(v) for v, _url in row["cells"]) in flat
    # The totals chart is drawn: its bar's label and total, then its legend (SVG text).
    assert "合计 12 组织覆盖 工作覆盖 未覆盖" in flat
    # Worklists with their counts and rows.
    assert "未覆盖且无组建计划（3）" in flat
    assert "玄武区庚培训学校" in flat
    assert "中共江苏秦淮律师事务所支部委员会" in flat  # term due


def test_the_pdf_draws_the_stacked_bar_charts(city_summary):
    """Each chart is an inline SVG: its segments are filled rectangles in the page."""
    _text, reader = pdf_text(written(city_summary, "pdf"))
    drawn = b"".join(page.get_contents().get_data() for page in reader.pages)
    # Party red (#c0392b) fills the organizational-coverage segments.
    assert b"0.752941 0.223529 0.168627 rg" in drawn


# --- a district ---------------------------------------------------------------------------


def test_a_district_s_summary_has_no_other_district_s_rows(xuanwu_summary, city):
    sheets = workbook(xuanwu_summary)
    assert [row[0] for row in sheets[SUMMARY_SHEET][1:]] == ["合计", "玄武区"]
    total = sheets[SUMMARY_SHEET][1]
    assert {key: sheet_figures(total)[key] for key in XUANWU_TOTALS} == XUANWU_TOTALS
    qinhuai = {org.name for org in city.orgs.values() if org.district == city.qinhuai}
    cells = {str(v) for rows in sheets.values() for row in rows for v in row if v is not None}
    assert not cells & qinhuai
    assert not any("秦淮区" in cell for cell in cells)
    text, _reader = pdf_text(written(xuanwu_summary, "pdf"))
    assert "玄武区" in text
    assert not any(name in text for name in qinhuai)
    assert "秦淮区" not in text


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "message"),
    [(TODAY.year - 1, "往年按12月31日历史数据生成的汇总尚未实现"), (TODAY.year + 1, "尚未开始")],
    ids=["a past year is refused", "a coming year is refused"],
)
def test_only_this_year_s_summary_is_made(city, year, message):
    with pytest.raises(ValueError, match=message):
        ComplianceSummary(targets.city_target(), year, today=TODAY)


def test_a_summary_is_only_of_the_city_or_a_district(city, units):
    for target in (
        targets.unit_target(units["education"]),
        targets.channel_target(city.xuanwu, "street"),
        targets.org_target(city.orgs["A"]),
    ):
        with pytest.raises(ValueError, match="只能按全市或区县生成"):
            ComplianceSummary(target, TODAY.year, today=TODAY)


def test_a_target_beyond_the_user_s_scope_is_refused(city, users):
    """A district's 两新工委 never gets the city's or another district's summary: the
    catalog gives no exporter, and a target carrying its scope is refused."""
    user = users["xuanwu_two_new"]
    for key in ("city", f"district:{city.qinhuai.code}"):
        assert catalog.exporter_for(user, "summary", key, TODAY.year, today=TODAY) is None
    own = catalog.exporter_for(user, "summary", f"district:{city.xuanwu.code}", TODAY.year,
                               today=TODAY)  # fmt: skip
    assert own.as_json()["totals"]["orgs"] == XUANWU_TOTALS["orgs"]
    widened = targets.city_target().restricted(Scope.for_user(user))
    with pytest.raises(ValueError, match="本人管理"):
        ComplianceSummary(widened, TODAY.year, today=TODAY)


def test_roles_without_the_dashboard_get_no_summary(city, users):
    for role in ("xuanwu_registry", "education", "secretary"):
        assert catalog.exporter_for(users[role], "summary", "city", TODAY.year, today=TODAY) is None


def test_title_scope_and_file_name_are_chinese(city_summary):
    assert city_summary.title == "2026年社会组织党建合规情况汇总"
    assert city_summary.scope_label == "南京市"
    assert city_summary.filename("pdf") == "2026年社会组织党建合规情况汇总（南京市）.pdf"
    assert city_summary.size() == 0
