"""The import service (orgs.importing.service.import_file) and the `import_data` command,
against the published contract of templates.md: all rows or none, `第N行 列名: …`."""

import datetime
import io
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.utils import timezone

from orgs.importing import service
from orgs.importing.registry import get_template
from orgs.importing.service import ImportPermissionError, import_file
from orgs.models import Region, SocialOrg, Unit
from orgs.validators import human_size
from tests import factories
from tests.orgs.conftest import (
    CODE_ASSOCIATION,
    CODE_FOUNDATION,
    CODE_SERVICE,
    UNIT_HEADERS,
    csv_bytes,
    org_row,
    rows_to_matrix,
    uscc,
    wrong_check,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

REASON = "导入社会组织名册"


def run(template, data, filename, user, dry_run=False):
    return import_file(
        template_name=template,
        file=io.BytesIO(data),
        filename=filename,
        user=user,
        dry_run=dry_run,
    )


OTHER_CODES = {n: uscc(f"51320102MJ0000{i}0{i}") for i, n in ((2, "二"), (3, "三"), (4, "四"))}


def another(n, overrides=None):
    """A good row of a second (三rd, 四th) 玄武区 association, with its own name and code."""
    return org_row(
        {"名称": f"南京市玄武区第{n}协会", "统一社会信用代码": OTHER_CODES[n]}, **(overrides or {})
    )


def errors(report):
    return [str(error) for error in report.errors]


def org_xlsx(rows, headers=None):
    return xlsx_bytes(rows_to_matrix(rows, headers))


def import_orgs(rows, user, fmt="xlsx", dry_run=False, headers=None):
    if fmt == "xlsx":
        return run("orgs", org_xlsx(rows, headers), "社会组织名册.xlsx", user, dry_run)
    data = csv_bytes(rows_to_matrix(rows, headers), bom=(fmt == "csv-bom"))
    return run("orgs", data, "社会组织名册.csv", user, dry_run)


def snapshot():
    """Everything an org import could write, for 'nothing changed' assertions."""
    return {
        "orgs": sorted(
            SocialOrg.objects.values_list(
                "pk", "name", "uscc", "legal_representative", "staff_count", "status",
                "archive_updated_at", "registration_authority_id",
            )
        ),
        "history": SocialOrg.history.count(),
        "units": Unit.objects.count(),
        "unit_history": Unit.history.count(),
    }  # fmt: skip


# ---------------------------------------------------------------------------------------
# 单位名册
# ---------------------------------------------------------------------------------------


def unit_file(rows, fmt="xlsx"):
    matrix = [UNIT_HEADERS] + [[row.get(h, "") for h in UNIT_HEADERS] for row in rows]
    if fmt == "xlsx":
        return xlsx_bytes(matrix), "单位名册.xlsx"
    return csv_bytes(matrix), "单位名册.csv"


UNIT_ROWS = [
    {"单位名称": "南京市科学技术局", "单位类型": "业务主管单位", "级别": "市级"},
    {"单位名称": "中共南京市玄武区委两新工委", "单位类型": "两新工委", "级别": "区县级",
     "所属区县": "玄武区"},
    {"单位名称": "中共南京市秦淮区委两新工委", "单位类型": "两新工委", "级别": "区县级",
     "所属区县": "320104"},
    {"单位名称": "玄武门街道党工委", "单位类型": "街道党工委", "级别": "街道级",
     "所属区县": "玄武区", "所属街道": "玄武门街道"},
    {"单位名称": "南京市律师行业党委", "单位类型": "行业党委", "级别": "市级",
     "管理行业": "法律服务"},
]  # fmt: skip


class TestUnits:
    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_units_get_the_region_of_their_level(self, nanjing, superuser, fmt):
        data, name = unit_file(UNIT_ROWS, fmt)
        report = run("units", data, name, superuser)
        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
        got = {
            u.name: (u.kind, u.level, u.region.code or u.region.name, u.sector)
            for u in Unit.objects.filter(name__in=[r["单位名称"] for r in UNIT_ROWS])
        }
        assert got == {
            "南京市科学技术局": ("supervisor", "city", "320100", ""),
            "中共南京市玄武区委两新工委": ("two_new", "district", "320102", ""),
            "中共南京市秦淮区委两新工委": ("two_new", "district", "320104", ""),
            "玄武门街道党工委": ("street_committee", "street", "玄武门街道", ""),
            "南京市律师行业党委": ("industry_committee", "city", "320100", "legal"),
        }
        street_unit = Unit.objects.get(name="玄武门街道党工委")
        assert street_unit.region == nanjing.xuanwu_street
        history = Unit.history.filter(name="南京市科学技术局").get()
        assert history.history_user == superuser
        assert history.history_change_reason == "导入单位名册"

    def test_units_imported_twice_change_nothing_the_second_time(self, nanjing, superuser):
        data, name = unit_file(UNIT_ROWS)
        run("units", data, name, superuser)
        before = Unit.history.count()
        report = run("units", data, name, superuser)
        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
        assert Unit.history.count() == before

    def test_an_existing_unit_is_matched_by_name_and_updated(self, nanjing, superuser):
        rows = [{"单位名称": "南京市教育局", "单位类型": "业务主管单位", "级别": "区县级",
                 "所属区县": "玄武区"}]  # fmt: skip
        report = run("units", *unit_file(rows), superuser)
        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
        nanjing.education_bureau.refresh_from_db()
        assert nanjing.education_bureau.level == "district"
        assert nanjing.education_bureau.region == nanjing.xuanwu

    @pytest.mark.parametrize(
        "row, expected",
        [
            (
                {"单位名称": "某区两新工委", "单位类型": "两新工委", "级别": "区县级"},
                "第2行 所属区县: 区县级和街道级单位必填",
            ),
            (
                {"单位名称": "某街道党工委", "单位类型": "街道党工委", "级别": "街道级",
                 "所属区县": "玄武区"},
                "第2行 所属街道: 街道级单位必填",
            ),
            (
                {"单位名称": "某街道党工委", "单位类型": "街道党工委", "级别": "街道级",
                 "所属区县": "玄武区", "所属街道": "夫子庙街道"},
                "第2行 所属街道: 未找到“夫子庙街道”，最接近的有：玄武门街道",
            ),
            (
                {"单位名称": "某街道党工委", "单位类型": "街道党工委", "级别": "区县级",
                 "所属区县": "玄武区"},
                "第2行 级别: 街道党工委的级别应为街道级",
            ),
            (
                {"单位名称": "某行业党委", "单位类型": "行业党委", "级别": "市级"},
                "第2行 管理行业: 行业党委须填写管理行业",
            ),
            (
                {"单位名称": "某局", "单位类型": "局", "级别": "市级"},
                "第2行 单位类型: “局”不是可选值，可选：登记机关、两新工委、组织部、业务主管单位、"
                "行业党委、街道党工委、民政部门社会组织党委、财政部门",
            ),
            (
                {"单位名称": "某局", "单位类型": "业务主管单位", "级别": "省级"},
                "第2行 级别: “省级”不是可选值，可选：市级、区县级、街道级",
            ),
            (
                {"单位名称": "", "单位类型": "业务主管单位", "级别": "市级"},
                "第2行 单位名称: 必填",
            ),
        ],
    )  # fmt: skip
    def test_a_bad_unit_row_is_refused_with_row_and_column(self, nanjing, superuser, row, expected):
        before = snapshot()
        report = run("units", *unit_file([row]), superuser)
        assert errors(report) == [expected]
        assert snapshot() == before

    def test_a_city_unit_before_the_city_is_loaded_is_a_row_error_not_a_crash(
        self, nanjing, superuser, settings
    ):
        settings.CITY_CODE = "310000"  # a deployment whose city has not been loaded
        rows = [{"单位名称": "上海市民政局", "单位类型": "登记机关", "级别": "市级"}]
        before = snapshot()
        report = run("units", *unit_file(rows), superuser)
        assert len(report.errors) == 1
        assert str(report.errors[0]).startswith("第2行 ")
        assert "load_regions" in str(report.errors[0])
        assert snapshot() == before

    def test_a_registration_clerk_may_not_import_units(self, nanjing, district_clerk):
        with pytest.raises(ImportPermissionError, match="^您没有导入单位名册的权限$"):
            run("units", *unit_file(UNIT_ROWS), district_clerk)


# ---------------------------------------------------------------------------------------
# 社会组织名册: a good file
# ---------------------------------------------------------------------------------------


@pytest.fixture
def xuanwu_park(nanjing):
    return factories.ZoneFactory(name="玄武科技园", district=nanjing.xuanwu)


@pytest.fixture
def qinhuai_park(nanjing):
    return factories.ZoneFactory(name="秦淮文创园", district=nanjing.qinhuai)


def good_rows():
    """Four rows that together use every column and every accepted spelling."""
    return [
        org_row(
            {
                "业务主管单位": "南京市教育局",
                "行业领域": "教育",
                "所在区域": "玄武科技园",
                "从业人员数": 12,  # a number cell in .xlsx
                "是否行业协会商会": "是",
                "是否已脱钩": "是",
                "是否重点社会组织": "是",
                "党建入章程": "是",
                "登记日期": "2019-05-20",
                "承诺书签订日期": "2019/06/01",
                "调查表填报日期": "2019年6月3日",
            }
        ),
        org_row(
            {
                "名称": "南京市秦淮区康乐养老服务中心",
                "统一社会信用代码": CODE_SERVICE,
                "组织类型": "民办非企业单位",  # accepted as 社会服务机构
                "行业领域": "社会服务",
                "登记管理机关": "南京市秦淮区民政局",
                "所属区县": "320104",  # by GB/T 2260 code
                "所属街道": "夫子庙街道",
                "登记日期": datetime.date(2018, 3, 15),  # a real date cell in .xlsx
                "住所": "南京市秦淮区示例街2号",
                "法定代表人": "李某",
                "从业人员数": "0",
                "党建入章程": "否",
                "状态": "正常",
            }
        ),
        org_row(
            {
                "名称": "南京市慈善助学基金会",
                "统一社会信用代码": CODE_FOUNDATION,
                "组织类型": "基金会",
                "行业领域": "教育",
                "登记管理机关": "南京市民政局",
                "登记级别": "市级",
                "所属街道": "",
                "登记日期": "2010年1月8日",
                "法定代表人": "赵某",
                "从业人员数": "5",
                "党建入章程": "",
                "状态": "注销",
            }
        ),
        org_row(
            {
                "名称": "玄武门街道社区舞蹈队",
                "统一社会信用代码": "",  # 备案 orgs have no code
                "组织类型": "社区社会组织(备案)",
                "行业领域": "文化",
                "登记日期": "2021/9/1",
                "住所": "",
                "法定代表人": "孙某",
                "从业人员数": "3",
                "是否社区社会组织": "",
                "党建入章程": "否",
            }
        ),
    ]


ORG_FIELDS = (
    "name", "uscc", "kind", "sector", "registration_authority__name", "registration_level",
    "registered_on", "supervising_unit__name", "district__code", "street__name", "zone__name",
    "address", "legal_representative", "staff_count", "is_trade_association", "is_decoupled",
    "is_community", "is_key", "charter_party_clause", "commitment_signed_on", "survey_filed_on",
    "status",
)  # fmt: skip

EXPECTED_ORGS = [
    (
        "南京市玄武区阳光志愿者协会", CODE_ASSOCIATION, "association", "education",
        "南京市玄武区民政局", "district", datetime.date(2019, 5, 20), "南京市教育局", "320102",
        "玄武门街道", "玄武科技园", "南京市玄武区示例路1号", "王某某", 12, True, True, False, True,
        True, datetime.date(2019, 6, 1), datetime.date(2019, 6, 3), "active",
    ),
    (
        "南京市秦淮区康乐养老服务中心", CODE_SERVICE, "service", "social_service",
        "南京市秦淮区民政局", "district", datetime.date(2018, 3, 15), None, "320104",
        "夫子庙街道", None, "南京市秦淮区示例街2号", "李某", 0, False, False, False, False,
        False, None, None, "active",
    ),
    (
        "南京市慈善助学基金会", CODE_FOUNDATION, "foundation", "education", "南京市民政局",
        "city", datetime.date(2010, 1, 8), None, "320102", None, None, "南京市玄武区示例路1号",
        "赵某", 5, False, False, False, False, False, None, None, "deregistered",
    ),
    (
        "玄武门街道社区舞蹈队", None, "community_filed", "culture", "南京市玄武区民政局",
        "district", datetime.date(2021, 9, 1), None, "320102", "玄武门街道", None, "", "孙某", 3,
        False, False, True, False, False, None, None, "active",
    ),
]  # fmt: skip


def stored_orgs():
    return sorted(
        SocialOrg.objects.values_list(*ORG_FIELDS),
        key=lambda values: EXPECTED_ORGS_ORDER[values[0]],
    )


EXPECTED_ORGS_ORDER = {values[0]: index for index, values in enumerate(EXPECTED_ORGS)}


class TestGoodOrgFile:
    @pytest.mark.parametrize("fmt", ["xlsx", "csv-bom", "csv"])
    def test_a_good_file_creates_its_orgs_with_every_column_mapped(
        self, nanjing, xuanwu_park, superuser, fmt
    ):
        report = import_orgs(good_rows(), superuser, fmt)
        assert errors(report) == []
        assert (report.total, report.created, report.updated, report.unchanged) == (4, 4, 0, 0)
        assert report.summary() == "社会组织名册导入完成：共4行，新增4，更新0，无变化0"
        assert [(r.row, r.action_label) for r in report.rows] == [
            (2, "新增"), (3, "新增"), (4, "新增"), (5, "新增")
        ]  # fmt: skip
        assert stored_orgs() == EXPECTED_ORGS

    def test_every_created_org_has_one_history_row_by_the_importer(
        self, nanjing, xuanwu_park, superuser
    ):
        started = timezone.now()
        import_orgs(good_rows(), superuser)
        assert SocialOrg.history.count() == 4
        for record in SocialOrg.history.all():
            assert record.history_type == "+"
            assert record.history_user == superuser
            assert record.history_change_reason == REASON
        for org in SocialOrg.objects.all():
            assert org.archive_updated_at >= started

    def test_the_same_file_imported_again_changes_nothing(self, nanjing, xuanwu_park, superuser):
        data = org_xlsx(good_rows())
        run("orgs", data, "名册.xlsx", superuser)
        long_ago = timezone.now() - datetime.timedelta(days=400)
        SocialOrg.objects.update(archive_updated_at=long_ago)
        before = snapshot()

        report = run("orgs", data, "名册.xlsx", superuser)

        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
        assert [r.action_label for r in report.rows] == ["无变化"] * 4
        assert snapshot() == before  # no history rows, archive_updated_at untouched

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_the_same_rows_from_csv_after_xlsx_are_unchanged(
        self, nanjing, xuanwu_park, superuser, fmt
    ):
        import_orgs(good_rows(), superuser, "xlsx")
        report = import_orgs(good_rows(), superuser, fmt)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)

    def test_changing_one_cell_updates_exactly_that_org(self, nanjing, xuanwu_park, superuser):
        rows = good_rows()
        import_orgs(rows, superuser)
        long_ago = timezone.now() - datetime.timedelta(days=400)
        SocialOrg.objects.update(archive_updated_at=long_ago)
        history_before = SocialOrg.history.count()
        rows[1]["法定代表人"] = "周某"
        started = timezone.now()

        report = import_orgs(rows, superuser)

        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
        assert [r.action_label for r in report.rows] == ["无变化", "更新", "无变化", "无变化"]
        changed = SocialOrg.objects.get(uscc=CODE_SERVICE)
        assert changed.legal_representative == "周某"
        assert changed.archive_updated_at >= started
        assert (
            SocialOrg.objects.exclude(pk=changed.pk).filter(archive_updated_at=long_ago).count()
            == 3
        )
        assert SocialOrg.history.count() == history_before + 1
        record = SocialOrg.history.latest("history_id")
        assert record.id == changed.pk
        assert record.history_type == "~"
        assert record.legal_representative == "周某"
        assert record.history_user == superuser
        assert record.history_change_reason == REASON

    def test_a_filed_community_org_without_code_is_matched_by_name(
        self, nanjing, xuanwu_park, superuser
    ):
        rows = good_rows()
        import_orgs(rows, superuser)
        filed = SocialOrg.objects.get(name="玄武门街道社区舞蹈队")
        rows[3]["从业人员数"] = "8"
        report = import_orgs(rows, superuser)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
        assert SocialOrg.objects.filter(name="玄武门街道社区舞蹈队").get().pk == filed.pk
        filed.refresh_from_db()
        assert filed.staff_count == 8

    def test_codes_are_normalized_before_matching(self, nanjing, superuser):
        import_orgs([org_row()], superuser)
        typed = " " + CODE_ASSOCIATION.lower()[:8] + "\u3000" + CODE_ASSOCIATION.lower()[8:]
        report = import_orgs([org_row({"统一社会信用代码": typed})], superuser)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
        assert SocialOrg.objects.get().uscc == CODE_ASSOCIATION

    @pytest.mark.parametrize("fmt", ["xlsx", "csv-bom"])
    def test_full_width_spaces_around_values_are_trimmed(self, nanjing, superuser, fmt):
        w = "\u3000"
        row = org_row(
            {
                "名称": f"{w}南京市玄武区阳光志愿者协会{w}",
                "统一社会信用代码": f"{w}{CODE_ASSOCIATION}{w}",
                "组织类型": f"{w}社会团体{w}",
                "登记管理机关": f" 南京市玄武区民政局{w}",
                "登记日期": f"{w}2019-05-20{w}",
                "所属区县": f"{w}玄武区",
                "所属街道": f"玄武门街道{w}",
                "法定代表人": f"{w}王某某{w}",
                "从业人员数": f"{w}12{w}",
                "党建入章程": f"{w}是",
            }
        )
        headers = [f"{w}{h} " for h in row]  # headers are trimmed too
        report = import_orgs([dict(zip(headers, row.values(), strict=True))], superuser, fmt)
        assert errors(report) == []
        org = SocialOrg.objects.get()
        assert (org.name, org.legal_representative, org.staff_count, org.registered_on) == (
            "南京市玄武区阳光志愿者协会", "王某某", 12, datetime.date(2019, 5, 20)
        )  # fmt: skip
        assert org.charter_party_clause is True

    @pytest.mark.parametrize("formula", ["=1+1", '=HYPERLINK("http://x")', "+1-1", "@SUM(A1)"])
    def test_a_formula_in_a_csv_cell_is_stored_as_plain_text(self, nanjing, superuser, formula):
        report = import_orgs([org_row({"住所": formula})], superuser, "csv-bom")
        assert errors(report) == []
        assert SocialOrg.objects.get().address == formula

    def test_column_order_is_free_and_optional_columns_may_be_left_out(self, nanjing, superuser):
        required = ["从业人员数", "法定代表人", "所属区县", "登记日期", "登记级别", "登记管理机关",
                    "行业领域", "组织类型", "统一社会信用代码", "名称"]  # fmt: skip
        report = import_orgs([org_row()], superuser, headers=required)
        assert errors(report) == []
        org = SocialOrg.objects.get()
        assert (org.status, org.street, org.is_key, org.address) == ("active", None, False, "")

    @pytest.mark.parametrize("fmt", ["xlsx", "csv-bom"])
    def test_an_empty_status_cell_means_the_default_active(self, nanjing, superuser, fmt):
        # templates.md: 状态 is optional, "正常 (default)".
        report = import_orgs([org_row({"状态": ""})], superuser, fmt)
        assert errors(report) == []
        assert SocialOrg.objects.get().status == "active"

    def test_an_empty_status_cell_leaves_an_existing_org_active(self, nanjing, superuser, make_org):
        make_org(name="南京市玄武区阳光志愿者协会", uscc=CODE_ASSOCIATION)
        report = import_orgs([org_row({"状态": ""})], superuser)
        assert errors(report) == []
        assert SocialOrg.objects.get().status == "active"

    def test_a_district_code_in_a_number_cell_is_read_as_the_code(self, nanjing, superuser):
        report = import_orgs([org_row({"所属区县": 320102})], superuser)
        assert errors(report) == []
        assert SocialOrg.objects.get().district == nanjing.xuanwu

    def test_changing_an_org_to_a_filed_community_org_flags_it_community(
        self, nanjing, superuser, make_org
    ):
        # The model flags every 备案 org is_community (SocialOrg.clean); the flag must reach
        # the database also when the file has no 是否社区社会组织 column.
        existing = make_org(name="南京市玄武区阳光志愿者协会", uscc=CODE_ASSOCIATION)
        assert existing.is_community is False
        row = org_row({"组织类型": "社区社会组织(备案)"})
        del row["是否社区社会组织"]
        report = import_orgs([row], superuser)
        assert errors(report) == []
        assert report.updated == 1
        existing.refresh_from_db()
        assert existing.kind == "community_filed"
        assert existing.is_community is True

    def test_xlsx_extension_is_case_insensitive(self, nanjing, superuser):
        report = run("orgs", org_xlsx([org_row()]), "名册.XLSX", superuser)
        assert errors(report) == []
        assert SocialOrg.objects.count() == 1


# ---------------------------------------------------------------------------------------
# 社会组织名册: bad rows
# ---------------------------------------------------------------------------------------

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
WRONG_CHECK = wrong_check(CODE_ASSOCIATION)
ASSOCIATION_KINDS = (
    "社会团体、社会服务机构、基金会、律师事务所、会计师事务所、税务师事务所、社区社会组织(备案)"
)

DATE_FORMATS = "应为YYYY-MM-DD、YYYY/MM/DD或YYYY年M月D日"

BAD_CELLS = [
    # (column, value, message after `第2行 列名: `)
    ("名称", "", "必填"),
    ("名称", "协" * 201, "长度超过200个字符"),
    ("组织类型", "社团", f"“社团”不是可选值，可选：{ASSOCIATION_KINDS}"),
    ("行业领域", "", "必填"),
    ("统一社会信用代码", "", "除备案的社区社会组织外，统一社会信用代码必填"),
    ("统一社会信用代码", WRONG_CHECK, f"统一社会信用代码校验位错误，应为“{CODE_ASSOCIATION[17]}”"),
    ("统一社会信用代码", CODE_ASSOCIATION[:17], "统一社会信用代码应为18位，当前为17位"),
    ("统一社会信用代码", "51320102MJ00000IOX",
     "统一社会信用代码含有不允许的字符“IO”（不使用I、O、S、V、Z）"),
    ("统一社会信用代码", CODE_SERVICE, "社会团体的统一社会信用代码应以51开头"),
    ("登记管理机关", "南京市教育局",
     "社会团体的登记管理机关应为登记机关（民政部门），“南京市教育局”不是"),
    ("登记级别", "市级", "登记级别应与登记管理机关“南京市玄武区民政局”的级别（区县级）一致"),
    ("登记级别", "省级", "“省级”不是可选值，可选：市级、区县级"),
    ("登记日期", "", "必填"),
    ("登记日期", "2019.05.20", f"日期“2019.05.20”格式不对，{DATE_FORMATS}"),
    ("登记日期", "20190520", f"日期“20190520”格式不对，{DATE_FORMATS}"),
    ("登记日期", "2019-02-30", "“2019-02-30”不是有效日期"),
    ("登记日期", "2019年13月1日", "“2019年13月1日”不是有效日期"),
    ("登记日期", TOMORROW.isoformat(), "登记日期不能晚于今天"),
    ("承诺书签订日期", TOMORROW.strftime("%Y/%m/%d"), "承诺书签订日期不能晚于今天"),
    ("调查表填报日期", "昨天", f"日期“昨天”格式不对，{DATE_FORMATS}"),
    ("所属区县", "", "必填"),
    ("所属区县", "玄五区", "未找到“玄五区”，最接近的有：玄武区"),
    ("所属区县", "320199", "未找到“320199”"),
    ("所属街道", "夫子庙街道", "未找到“夫子庙街道”，最接近的有：玄武门街道"),
    ("所在区域", "秦淮文创园", "所在区域不在所属区县内"),
    ("所在区域", "不存在的园区", "未找到“不存在的园区”"),
    ("法定代表人", "", "必填"),
    ("从业人员数", "", "必填"),
    ("从业人员数", "十二", "“十二”不是整数"),
    ("从业人员数", "12.5", "“12.5”不是整数"),
    ("从业人员数", "-3", "应为不小于0的整数"),
    ("从业人员数", "10000001", "数值过大"),
    ("是否重点社会组织", "Y", "应填“是”或“否”，不是“Y”"),
    ("党建入章程", "有", "应填“是”或“否”，不是“有”"),
    ("状态", "停业", "“停业”不是可选值，可选：正常、注销、撤销"),
]  # fmt: skip


class TestBadRows:
    @pytest.mark.parametrize(
        "column, value, message", BAD_CELLS, ids=[f"{c}={v[:20]}" for c, v, _m in BAD_CELLS]
    )
    def test_a_bad_cell_is_reported_as_row_column_message(
        self, nanjing, qinhuai_park, superuser, column, value, message
    ):
        row = org_row({column: value})
        if column == "所属区县":
            row["所属街道"] = ""  # a street needs a district: see the test below
        before = snapshot()
        report = import_orgs([row], superuser)
        assert errors(report) == [f"第2行 {column}: {message}"]
        assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
        assert snapshot() == before

    def test_a_street_with_a_wrong_district_is_reported_on_both_columns(self, nanjing, superuser):
        report = import_orgs([org_row({"所属区县": "玄五区"})], superuser)
        assert errors(report) == [
            "第2行 所属区县: 未找到“玄五区”，最接近的有：玄武区",
            "第2行 所属街道: 须先填写正确的所属区县",
        ]

    @pytest.mark.parametrize("fmt", ["xlsx", "csv-bom"])
    def test_one_bad_row_among_good_ones_writes_nothing(self, nanjing, superuser, fmt):
        rows = [
            org_row(),
            another("二", {"从业人员数": "十二"}),
            another("三"),
        ]  # fmt: skip
        before = snapshot()
        report = import_orgs(rows, superuser, fmt)
        assert errors(report) == ["第3行 从业人员数: “十二”不是整数"]
        assert not report.ok
        assert snapshot() == before

    @pytest.mark.parametrize("missing", ["从业人员数", "法定代表人"])
    def test_a_short_csv_row_missing_a_required_cell_is_refused(self, nanjing, superuser, missing):
        # Some tools drop trailing empty fields: the cell is empty, so the column is 必填.
        row = org_row()
        headers = [h for h in row if h != missing] + [missing]
        matrix = [headers, [row[h] for h in headers[:-1]]]  # the last field left out
        report = run("orgs", csv_bytes(matrix), "名册.csv", superuser)
        assert errors(report) == [f"第2行 {missing}: 必填"]
        assert SocialOrg.objects.count() == 0

    @pytest.mark.parametrize("fmt", ["xlsx", "csv-bom"])
    def test_blank_rows_still_count_in_the_row_numbers(self, nanjing, superuser, fmt):
        rows = [
            org_row(),
            None,  # a blank line: skipped, but row 3 is still row 3
            None,
            another("二", {"法定代表人": ""}),
        ]  # fmt: skip
        report = import_orgs(rows, superuser, fmt)
        assert errors(report) == ["第5行 法定代表人: 必填"]
        assert report.total == 2

    def test_every_bad_row_is_listed_in_row_order(self, nanjing, superuser):
        rows = [
            org_row({"从业人员数": "许多"}),
            another("二"),
            another("三", {"登记日期": "2019.1.1", "是否已脱钩": "不"}),
            another("四", {"登记管理机关": "南京市玄武民政局"}),
        ]  # fmt: skip
        report = import_orgs(rows, superuser)
        found = errors(report)
        assert found[:3] == [
            "第2行 从业人员数: “许多”不是整数",
            "第4行 登记日期: 日期“2019.1.1”格式不对，应为YYYY-MM-DD、YYYY/MM/DD或YYYY年M月D日",
            "第4行 是否已脱钩: 应填“是”或“否”，不是“不”",
        ]
        assert len(found) == 4
        assert found[3].startswith("第5行 登记管理机关: 未找到“南京市玄武民政局”，最接近的有：")
        assert SocialOrg.objects.count() == 0

    def test_an_unknown_unit_lists_the_closest_known_names(self, nanjing, superuser):
        report = import_orgs([org_row({"登记管理机关": "南京市玄武民政局"})], superuser)
        (error,) = errors(report)
        prefix = "第2行 登记管理机关: 未找到“南京市玄武民政局”，最接近的有："
        assert error.startswith(prefix)
        names = error[len(prefix) :].split("、")
        assert names[0] == "南京市玄武区民政局"
        assert 1 <= len(names) <= 3
        assert set(names) <= set(Unit.objects.values_list("name", flat=True))

    def test_an_unknown_unit_far_from_every_name_gets_no_suggestion(self, nanjing, superuser):
        report = import_orgs([org_row({"业务主管单位": "上海体育总会"})], superuser)
        assert errors(report) == ["第2行 业务主管单位: 未找到“上海体育总会”"]


class TestHeaders:
    def test_an_unknown_column_is_refused_by_name_on_row_1(self, nanjing, superuser):
        rows = [org_row({"负责人电话": "13800000000"})]
        report = import_orgs(rows, superuser)
        assert errors(report) == ["第1行 负责人电话: 未知列，请对照模板检查列名"]
        assert SocialOrg.objects.count() == 0

    def test_a_typo_in_a_header_is_an_unknown_column_and_its_required_column_is_missing(
        self, nanjing, superuser
    ):
        row = org_row()
        row["法人代表"] = row.pop("法定代表人")
        report = import_orgs([row], superuser)
        assert errors(report) == [
            "第1行 法人代表: 未知列，请对照模板检查列名",
            "第1行 法定代表人: 缺少必填列",
        ]

    @pytest.mark.parametrize(
        "column",
        ["名称", "组织类型", "行业领域", "登记管理机关", "登记级别", "登记日期", "所属区县",
         "法定代表人", "从业人员数"],
    )  # fmt: skip
    def test_a_missing_required_column_is_refused(self, nanjing, superuser, column):
        row = org_row()
        del row[column]
        report = import_orgs([row], superuser)
        assert errors(report) == [f"第1行 {column}: 缺少必填列"]

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_a_duplicate_column_is_refused(self, nanjing, superuser, fmt):
        row = org_row()
        headers = list(row) + ["名称"]
        matrix = [headers, [*row.values(), "另一个名称"]]
        data = xlsx_bytes(matrix) if fmt == "xlsx" else csv_bytes(matrix)
        report = run("orgs", data, f"名册.{fmt}", superuser)
        assert errors(report) == ["第1行 名称: 列名重复"]
        assert SocialOrg.objects.count() == 0

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    @pytest.mark.parametrize("where", ["between", "after"])
    def test_data_under_an_empty_header_is_refused(self, nanjing, superuser, fmt, where):
        row = org_row()
        headers, values = list(row), list(row.values())
        if where == "between":
            headers.insert(3, "")
            values.insert(3, "多余的数据")
        else:
            values.append("多余的数据")
        matrix = [headers, values, values[:]]
        matrix[2][0] = "南京市玄武区第二协会"
        data = xlsx_bytes(matrix) if fmt == "xlsx" else csv_bytes(matrix)
        report = run("orgs", data, f"名册.{fmt}", superuser)
        assert errors(report) == [
            "第2行 （无表头列）: 该列没有表头，但有数据",
            "第3行 （无表头列）: 该列没有表头，但有数据",
        ]
        assert SocialOrg.objects.count() == 0

    def test_an_empty_header_column_without_data_is_harmless(self, nanjing, superuser):
        row = org_row()
        headers, values = list(row) + ["", ""], list(row.values()) + ["", ""]
        report = run("orgs", xlsx_bytes([headers, values]), "名册.xlsx", superuser)
        assert errors(report) == []

    @pytest.mark.parametrize(
        "matrix, message",
        [
            ([], "文件: 第1行应为表头，但是空的"),
            ([["", ""], ["a", "b"]], "文件: 第1行应为表头，但是空的"),
            ([list(org_row())], "文件: 没有数据行"),
            ([list(org_row()), [], []], "文件: 没有数据行"),
        ],
    )
    def test_a_file_without_header_or_rows_is_refused(self, nanjing, superuser, matrix, message):
        for data, name in ((xlsx_bytes(matrix), "名册.xlsx"), (csv_bytes(matrix), "名册.csv")):
            assert errors(run("orgs", data, name, superuser)) == [message]


class TestDuplicatesAndClashes:
    @pytest.mark.parametrize(
        "second_code",
        [CODE_ASSOCIATION, CODE_ASSOCIATION.lower(), " " + CODE_ASSOCIATION + "\u3000"],
        ids=["same", "lower case", "with spaces"],
    )
    def test_a_uscc_twice_in_the_file_names_the_other_row(self, nanjing, superuser, second_code):
        rows = [
            org_row(),
            another("二"),
            org_row({"名称": "南京市玄武区第三协会", "统一社会信用代码": second_code}),
        ]  # fmt: skip
        report = import_orgs(rows, superuser)
        assert errors(report) == ["第4行 统一社会信用代码: 与第2行重复"]
        assert SocialOrg.objects.count() == 0

    def test_a_filed_org_name_twice_in_the_file_names_the_other_row(self, nanjing, superuser):
        filed = {"统一社会信用代码": "", "组织类型": "社区社会组织(备案)", "名称": "社区舞蹈队"}
        report = import_orgs([org_row(filed), org_row(filed)], superuser)
        assert errors(report) == ["第3行 名称: 与第2行重复"]

    def test_two_active_rows_with_one_name_are_refused(self, nanjing, superuser):
        rows = [org_row(), org_row({"统一社会信用代码": uscc("51320102MJ0000202")})]
        report = import_orgs(rows, superuser)
        assert errors(report) == ["第3行 名称: 与第2行名称相同（正常状态的社会组织名称不能重复）"]

    def test_a_name_of_an_existing_active_org_is_refused(self, nanjing, superuser, make_org):
        existing = make_org(name="南京市玄武区阳光志愿者协会", uscc=uscc("51320102MJ0000909"))
        before = snapshot()
        report = import_orgs([org_row()], superuser)
        assert errors(report) == ["第2行 名称: 已有同名的正常状态社会组织"]
        assert snapshot() == before
        existing.refresh_from_db()
        assert existing.status == "active"

    @pytest.mark.parametrize("status", ["deregistered", "revoked"])
    def test_a_name_of_a_deregistered_org_is_no_clash(self, nanjing, superuser, make_org, status):
        make_org(name="南京市玄武区阳光志愿者协会", uscc=uscc("51320102MJ0000909"), status=status)
        report = import_orgs([org_row()], superuser)
        assert errors(report) == []
        assert SocialOrg.objects.filter(name="南京市玄武区阳光志愿者协会").count() == 2

    def test_a_deregistered_row_may_share_a_name_with_an_active_org(
        self, nanjing, superuser, make_org
    ):
        make_org(name="南京市玄武区阳光志愿者协会", uscc=uscc("51320102MJ0000909"))
        report = import_orgs([org_row({"状态": "注销"})], superuser)
        assert errors(report) == []

    def test_a_row_renaming_an_org_frees_its_old_name_for_a_new_row_in_the_same_file(
        self, nanjing, superuser, make_org
    ):
        # check_rows says "a row that renames or deregisters that org frees the name in
        # this file": the file is valid, so it must be written.
        old = make_org(name="南京市玄武区阳光志愿者协会", uscc=uscc("51320102MJ0000909"))
        rows = [
            org_row({"名称": "南京市玄武区阳光志愿者协会（已更名）", "统一社会信用代码": old.uscc}),
            org_row(),  # a new org taking the freed name
        ]
        report = import_orgs(rows, superuser)
        assert errors(report) == []
        assert (report.created, report.updated) == (1, 1)
        old.refresh_from_db()
        assert old.name == "南京市玄武区阳光志愿者协会（已更名）"
        assert SocialOrg.objects.get(uscc=CODE_ASSOCIATION).name == "南京市玄武区阳光志愿者协会"

    def test_two_orgs_may_swap_their_names_in_one_file(self, nanjing, superuser, make_org):
        first = make_org(name="甲协会", uscc=uscc("51320102MJ0000808"))
        second = make_org(name="乙协会", uscc=uscc("51320102MJ0000909"))
        rows = [
            org_row({"名称": "乙协会", "统一社会信用代码": first.uscc}),
            org_row({"名称": "甲协会", "统一社会信用代码": second.uscc}),
        ]
        report = import_orgs(rows, superuser)
        assert errors(report) == []
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.name, second.name) == ("乙协会", "甲协会")

    def test_a_row_deregistering_an_org_frees_its_name_for_a_new_row_in_the_same_file(
        self, nanjing, superuser, make_org
    ):
        old = make_org(name="南京市玄武区阳光志愿者协会", uscc=uscc("51320102MJ0000909"))
        rows = [org_row({"统一社会信用代码": old.uscc, "状态": "注销"}), org_row()]
        report = import_orgs(rows, superuser)
        assert errors(report) == []
        old.refresh_from_db()
        assert old.status == "deregistered"
        assert SocialOrg.objects.get(uscc=CODE_ASSOCIATION).status == "active"


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------

UTF8_MESSAGE = "文件: CSV文件不是UTF-8编码；在Excel中请选择“CSV UTF-8（逗号分隔）”另存后再导入"
TYPE_MESSAGE = "文件: 仅支持 .xlsx 和 .csv 文件（.xls 请在Excel中另存为 .xlsx）"
BROKEN_MESSAGE = "文件: 文件不是有效的 .xlsx 工作簿（可能已损坏或只是改了扩展名）"


def not_a_workbook_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


class TestFiles:
    @pytest.mark.parametrize("bom", [True, False], ids=["with BOM", "without BOM"])
    def test_utf8_csv_with_or_without_bom_is_read(self, nanjing, superuser, bom):
        data = csv_bytes(rows_to_matrix([org_row()]), bom=bom)
        assert data.startswith(b"\xef\xbb\xbf") is bom
        report = run("orgs", data, "名册.csv", superuser)
        assert errors(report) == []
        assert SocialOrg.objects.get().name == "南京市玄武区阳光志愿者协会"

    @pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16"])
    def test_csv_not_in_utf8_is_refused_with_the_utf8_message(self, nanjing, superuser, encoding):
        data = csv_bytes(rows_to_matrix([org_row()]), bom=False, encoding=encoding)
        report = run("orgs", data, "名册.csv", superuser)
        assert errors(report) == [UTF8_MESSAGE]
        assert SocialOrg.objects.count() == 0

    @pytest.mark.parametrize(
        "filename", ["名册.xls", "名册.txt", "名册", "名册.xlsx.exe", "名册.ods", "名册.json"]
    )
    def test_other_file_types_are_refused(self, nanjing, superuser, filename):
        report = run("orgs", org_xlsx([org_row()]), filename, superuser)
        assert errors(report) == [TYPE_MESSAGE]

    @pytest.mark.parametrize(
        "data",
        [
            b"this is not a workbook",
            b"",
            b"PK\x03\x04" + b"\x00" * 100,
            "truncated",
        ],
        ids=["text", "empty", "zip header only", "truncated xlsx"],
    )
    def test_a_broken_xlsx_is_refused_with_a_clear_message(self, nanjing, superuser, data):
        if data == "truncated":
            whole = org_xlsx([org_row()])
            data = whole[: len(whole) // 2]
        report = run("orgs", data, "名册.xlsx", superuser)
        assert errors(report) == [BROKEN_MESSAGE]

    def test_a_csv_with_nul_characters_is_refused(self, nanjing, superuser):
        data = csv_bytes(rows_to_matrix([org_row()])) + b"\x00\x01\x02"
        assert errors(run("orgs", data, "名册.csv", superuser)) == [
            "文件: CSV文件含有空字符，可能不是文本文件"
        ]

    def test_a_zip_that_is_not_a_workbook_is_refused(self, nanjing, superuser):
        report = run("orgs", not_a_workbook_zip(), "名册.xlsx", superuser)
        (error,) = errors(report)
        assert error.startswith("文件: 无法读取工作簿")

    def test_a_file_over_the_size_limit_is_refused(self, nanjing, superuser, settings):
        data = org_xlsx([org_row()])
        settings.IMPORT_MAX_BYTES = len(data) - 1
        report = run("orgs", data, "名册.xlsx", superuser)
        (error,) = errors(report)
        # The limit is read as users read sizes (5KB here, not "0MB").
        assert error == f"文件: 文件超过{human_size(len(data) - 1)}，请拆分后分批导入"
        assert human_size(len(data) - 1).endswith("KB")
        assert SocialOrg.objects.count() == 0
        settings.IMPORT_MAX_BYTES = len(data)
        assert errors(run("orgs", data, "名册.xlsx", superuser)) == []

    @pytest.mark.parametrize("fmt", ["xlsx", "csv-bom"])
    def test_more_rows_than_the_limit_are_refused(self, nanjing, superuser, settings, fmt):
        settings.IMPORT_MAX_ROWS = 2
        rows = [
            org_row(
                {
                    "名称": f"南京市玄武区第{i}协会",
                    "统一社会信用代码": uscc(f"51320102MJ000{i}00{i}"),
                }
            )
            for i in range(1, 4)
        ]
        report = import_orgs(rows, superuser, fmt)
        assert errors(report) == ["文件: 数据超过2行，请拆分后分批导入"]
        assert SocialOrg.objects.count() == 0

    def test_blank_lines_do_not_count_towards_the_row_limit(self, nanjing, superuser, settings):
        settings.IMPORT_MAX_ROWS = 2
        rows = [
            org_row(),
            None,
            None,
            another("二"),
        ]  # fmt: skip
        report = import_orgs(rows, superuser)
        assert errors(report) == []
        assert report.created == 2


# ---------------------------------------------------------------------------------------
# Dry run and the command
# ---------------------------------------------------------------------------------------


@pytest.fixture
def org_file(tmp_path):
    def write(rows, name="社会组织名册.xlsx"):
        path = tmp_path / name
        if name.endswith(".xlsx"):
            path.write_bytes(org_xlsx(rows))
        else:
            path.write_bytes(csv_bytes(rows_to_matrix(rows)))
        return path

    return write


def command(*args):
    out, err = StringIO(), StringIO()
    call_command("import_data", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class TestDryRunAndCommand:
    def test_dry_run_validates_and_reports_but_writes_nothing(
        self, nanjing, xuanwu_park, superuser
    ):
        before = snapshot()
        report = import_orgs(good_rows(), superuser, dry_run=True)
        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
        assert report.summary() == "社会组织名册校验通过（未写入）：共4行，新增4，更新0，无变化0"
        assert not report.written
        assert snapshot() == before

    def test_dry_run_reports_the_same_errors_as_a_real_run(self, nanjing, superuser):
        rows = [org_row({"从业人员数": "x"})]
        assert errors(import_orgs(rows, superuser, dry_run=True)) == errors(
            import_orgs(rows, superuser)
        )

    def test_command_imports_and_prints_the_counts(self, nanjing, xuanwu_park, superuser, org_file):
        path = org_file(good_rows())
        out, err = command("orgs", path)
        assert out.startswith("社会组织名册导入完成：共4行，新增4，更新0，无变化0（用时")
        assert err == ""
        assert SocialOrg.objects.count() == 4
        assert SocialOrg.history.filter(history_user=superuser).count() == 4
        out, _err = command("orgs", path)
        assert out.startswith("社会组织名册导入完成：共4行，新增0，更新0，无变化4")

    def test_command_dry_run_says_so_and_writes_nothing(
        self, nanjing, xuanwu_park, superuser, org_file
    ):
        before = snapshot()
        out, _err = command("orgs", org_file(good_rows()), "--dry-run")
        assert out.startswith("社会组织名册校验通过（未写入）：共4行，新增4，更新0，无变化0")
        assert snapshot() == before

    def test_command_with_bad_rows_exits_1_printing_one_line_per_problem(
        self, nanjing, superuser, org_file
    ):
        rows = [
            org_row({"从业人员数": "x"}),
            org_row({"名称": "", "统一社会信用代码": uscc("51320102MJ0000202")}),
        ]
        path = org_file(rows, "名册.csv")
        out, err = StringIO(), StringIO()
        with pytest.raises(SystemExit) as exit_:
            call_command("import_data", "orgs", str(path), stdout=out, stderr=err)
        assert exit_.value.code == 1
        assert err.getvalue().splitlines() == [
            "第2行 从业人员数: “x”不是整数",
            "第3行 名称: 必填",
            "共2处错误，未写入任何数据。",
        ]
        assert out.getvalue() == ""
        assert SocialOrg.objects.count() == 0

    def test_command_dry_run_with_bad_rows_also_exits_1(self, nanjing, superuser, org_file):
        with pytest.raises(SystemExit) as exit_:
            command("orgs", org_file([org_row({"从业人员数": "x"})]), "--dry-run")
        assert exit_.value.code == 1

    def test_command_imports_as_the_named_user_within_their_scope(
        self, nanjing, superuser, district_clerk, org_file
    ):
        out, _err = command("orgs", org_file([org_row()]), "--user", "xuanwu_clerk")
        assert "新增1" in out
        assert SocialOrg.history.get().history_user == district_clerk

    @pytest.mark.parametrize(
        "args, message",
        [
            (["orgs", "{missing}"], "找不到文件："),
            (["orgs", "{file}", "--user", "nobody"], "找不到用户：nobody"),
            (["orgs", "{file}", "--user", "liangxin"], "您没有导入社会组织名册的权限"),
            (["units", "{file}", "--user", "xuanwu_clerk"], "您没有导入单位名册的权限"),
        ],
    )
    def test_command_refusals_are_command_errors(
        self, nanjing, superuser, district_clerk, two_new_user, org_file, tmp_path, args, message
    ):
        path = org_file([org_row()])
        args = [a.format(file=path, missing=tmp_path / "nope.xlsx") for a in args]
        with pytest.raises(CommandError, match=message):
            command(*args)
        assert SocialOrg.objects.count() == 0

    def test_command_without_any_superuser_asks_for_a_user(self, nanjing, org_file):
        with pytest.raises(CommandError, match="没有可用的超级管理员"):
            command("orgs", org_file([org_row()]))


# ---------------------------------------------------------------------------------------
# Scope and permission
# ---------------------------------------------------------------------------------------


class TestScope:
    def test_a_clerk_imports_orgs_registered_by_their_own_office(self, nanjing, district_clerk):
        report = import_orgs([org_row()], district_clerk)
        assert errors(report) == []
        assert SocialOrg.objects.get().registration_authority == nanjing.xuanwu_registry

    @pytest.mark.parametrize("dry_run", [False, True])
    def test_a_clerk_importing_another_office_s_org_gets_an_error_on_that_row(
        self, nanjing, district_clerk, dry_run
    ):
        rows = [
            org_row(),
            org_row({"名称": "南京市秦淮区某协会", "统一社会信用代码": uscc("51320104MJ0000202"),
                     "登记管理机关": "南京市秦淮区民政局", "所属区县": "秦淮区", "所属街道": ""}),
        ]  # fmt: skip
        before = snapshot()
        report = import_orgs(rows, district_clerk, dry_run=dry_run)
        assert errors(report) == ["第3行 登记管理机关: 导入后该记录将不在您的管理范围内"]
        assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
        assert snapshot() == before

    def test_a_row_matching_an_org_outside_the_scope_is_refused_and_the_org_untouched(
        self, nanjing, district_clerk, make_org
    ):
        foreign = make_org(
            name="南京市秦淮区某协会",
            uscc=CODE_ASSOCIATION,
            registration_authority=nanjing.qinhuai_registry,
            district=nanjing.qinhuai,
            legal_representative="原代表",
        )
        before = snapshot()
        # The clerk's row would even move the org into the clerk's own office.
        report = import_orgs([org_row({"法定代表人": "新代表"})], district_clerk)
        assert errors(report) == [
            "第2行 统一社会信用代码: 已被占用，不能由您导入；如需更正请联系系统管理员"
        ]
        assert snapshot() == before
        foreign.refresh_from_db()
        assert foreign.legal_representative == "原代表"
        assert foreign.registration_authority == nanjing.qinhuai_registry

    def test_a_filed_org_outside_the_scope_matched_by_name_is_refused(
        self, nanjing, district_clerk, make_org
    ):
        make_org(
            name="社区舞蹈队",
            kind=SocialOrg.Kind.COMMUNITY_FILED,
            registration_authority=nanjing.qinhuai_registry,
            district=nanjing.qinhuai,
        )
        row = org_row(
            {"名称": "社区舞蹈队", "统一社会信用代码": "", "组织类型": "社区社会组织(备案)"}
        )
        report = import_orgs([row], district_clerk)
        assert errors(report) == ["第2行 名称: 已被占用，不能由您导入；如需更正请联系系统管理员"]

    def test_a_clerk_may_not_move_an_own_org_to_another_office(
        self, nanjing, district_clerk, make_org
    ):
        own = make_org(name="南京市玄武区阳光志愿者协会", uscc=CODE_ASSOCIATION)
        row = org_row({"登记管理机关": "南京市秦淮区民政局", "所属区县": "秦淮区", "所属街道": ""})
        report = import_orgs([row], district_clerk)
        assert errors(report) == ["第2行 登记管理机关: 导入后该记录将不在您的管理范围内"]
        own.refresh_from_db()
        assert own.registration_authority == nanjing.xuanwu_registry

    def test_a_clerk_updates_an_own_org(self, nanjing, district_clerk, make_org):
        own = make_org(name="南京市玄武区阳光志愿者协会", uscc=CODE_ASSOCIATION, staff_count=1)
        report = import_orgs([org_row()], district_clerk)
        assert (report.created, report.updated) == (0, 1)
        own.refresh_from_db()
        assert own.staff_count == 12
        assert own.history.latest().history_user == district_clerk

    def test_a_user_without_the_import_permission_is_refused(self, nanjing, two_new_user):
        with pytest.raises(ImportPermissionError, match="^您没有导入社会组织名册的权限$"):
            import_orgs([org_row()], two_new_user)
        assert SocialOrg.objects.count() == 0

    def test_a_user_without_a_unit_is_refused(self, nanjing):
        nobody = factories.UserFactory(username="nobody", unit=None)
        with pytest.raises(ImportPermissionError):
            import_orgs([org_row()], nobody)


# ---------------------------------------------------------------------------------------
# A database failure half-way
# ---------------------------------------------------------------------------------------


def _fail(*args, **kwargs):
    raise DatabaseError("磁盘已满")


def _fail_for_created_rows(model, ids, *, history_type, **kwargs):
    from orgs.history import CREATED, record_history

    if history_type == CREATED:
        _fail()
    record_history(model, ids, history_type=history_type, **kwargs)


class TestDatabaseFailure:
    @pytest.fixture
    def half_new_half_changed(self, nanjing, superuser, make_org):
        existing = make_org(
            name="南京市玄武区阳光志愿者协会", uscc=CODE_ASSOCIATION, legal_representative="原代表"
        )
        rows = [
            org_row({"法定代表人": "新代表"}),  # an update
            another("二"),
        ]  # a create  # fmt: skip
        return existing, rows

    @pytest.mark.parametrize("where", ["history_of_the_creates", "after_writes"])
    def test_a_database_error_after_the_creates_leaves_the_database_as_it_was(
        self, superuser, half_new_half_changed, monkeypatch, where
    ):
        existing, rows = half_new_half_changed
        template = get_template("orgs")
        if where == "history_of_the_creates":
            # The update and the inserts are done; copying the new rows' history fails.
            monkeypatch.setattr(service, "record_history", _fail_for_created_rows)
        else:
            real = type(template).in_scope_ids
            calls = []

            def in_scope_ids(self, scope, ids):
                calls.append(ids)
                if len(calls) == 2:  # the check after the bulk writes
                    _fail()
                return real(self, scope, ids)

            monkeypatch.setattr(type(template), "in_scope_ids", in_scope_ids)
        before = snapshot()

        report = import_orgs(rows, superuser)

        assert errors(report) == ["数据库: 写入失败，未导入任何数据：磁盘已满"]
        assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
        assert not report.ok
        assert snapshot() == before
        existing.refresh_from_db()
        assert existing.legal_representative == "原代表"
        assert not SocialOrg.objects.filter(name="南京市玄武区第二协会").exists()

    def test_a_database_error_before_any_write_leaves_the_database_as_it_was(
        self, superuser, half_new_half_changed, monkeypatch
    ):
        existing, rows = half_new_half_changed
        monkeypatch.setattr(type(get_template("orgs")), "before_write", _fail)
        before = snapshot()
        report = import_orgs(rows, superuser)
        assert errors(report) == ["数据库: 写入失败，未导入任何数据：磁盘已满"]
        assert snapshot() == before

    def test_the_command_reports_a_database_error_and_exits_1(
        self, superuser, half_new_half_changed, monkeypatch, org_file
    ):
        _existing, rows = half_new_half_changed
        monkeypatch.setattr(service, "record_history", _fail_for_created_rows)
        before = snapshot()
        err = StringIO()
        with pytest.raises(SystemExit) as exit_:
            call_command("import_data", "orgs", str(org_file(rows)), stdout=StringIO(), stderr=err)
        assert exit_.value.code == 1
        assert err.getvalue().splitlines() == [
            "数据库: 写入失败，未导入任何数据：磁盘已满",
            "共1处错误，未写入任何数据。",
        ]
        assert snapshot() == before


def test_the_regions_used_here_are_the_published_codes(nanjing):
    assert nanjing.city.code == "320100"
    assert {r.code: r.name for r in Region.objects.filter(level="district")} == {
        "320102": "玄武区",
        "320104": "秦淮区",
    }
