"""Shared fixtures of the orgs tests: a small Nanjing, its offices and their users, and
builders of import files (.xlsx with real date and number cells, .csv with or without BOM).

The fixture names here are new ones; `city`, `district` (玄武区 320102) and
`other_district` (秦淮区 320104) come from tests/conftest.py and are reused, not redefined,
so other test modules in this folder see them unchanged.
"""

import csv
import datetime
import io

import pytest
from openpyxl import Workbook

from orgs.models import Region, SocialOrg, Unit
from tests import factories

# GB 32100-2015, as domain.md §3 states it: computed here independently of python-stdnum.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check(body: str) -> str:
    """The check character of a 17-character USCC body."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc(body: str) -> str:
    """A valid 18-character code: `body` (17 characters) and its check character."""
    assert len(body) == 17, body
    return body + uscc_check(body)


def wrong_check(code: str) -> str:
    """`code` with a check character that is not the right one."""
    right = code[17]
    return code[:17] + ("0" if right != "0" else "1")


# ---------------------------------------------------------------------------------------
# Regions, units, users
# ---------------------------------------------------------------------------------------


@pytest.fixture
def xuanwu_street(district):
    return factories.StreetFactory(parent=district, name="玄武门街道")


@pytest.fixture
def qinhuai_street(other_district):
    return factories.StreetFactory(parent=other_district, name="夫子庙街道")


@pytest.fixture
def city_registry(city):
    return factories.UnitFactory(
        name="南京市民政局", kind=Unit.Kind.REGISTRATION, level=Unit.Level.CITY, region=city
    )


@pytest.fixture
def xuanwu_registry(district):
    return factories.UnitFactory(
        name="南京市玄武区民政局",
        kind=Unit.Kind.REGISTRATION,
        level=Unit.Level.DISTRICT,
        region=district,
    )


@pytest.fixture
def qinhuai_registry(other_district):
    return factories.UnitFactory(
        name="南京市秦淮区民政局",
        kind=Unit.Kind.REGISTRATION,
        level=Unit.Level.DISTRICT,
        region=other_district,
    )


@pytest.fixture
def education_bureau(city):
    return factories.UnitFactory(
        name="南京市教育局", kind=Unit.Kind.SUPERVISOR, level=Unit.Level.CITY, region=city
    )


@pytest.fixture
def justice_bureau(city):
    """Licenses law firms: a 业务主管单位, not a 登记机关."""
    return factories.UnitFactory(
        name="南京市司法局", kind=Unit.Kind.SUPERVISOR, level=Unit.Level.CITY, region=city
    )


@pytest.fixture
def two_new_unit(city):
    return factories.UnitFactory(
        name="中共南京市委两新工委", kind=Unit.Kind.TWO_NEW, level=Unit.Level.CITY, region=city
    )


@pytest.fixture
def nanjing(
    city,
    district,
    other_district,
    xuanwu_street,
    qinhuai_street,
    city_registry,
    xuanwu_registry,
    qinhuai_registry,
    education_bureau,
):
    """Everything an org row of the tests can name, in one object."""

    class Nanjing:
        pass

    n = Nanjing()
    n.city, n.xuanwu, n.qinhuai = city, district, other_district
    n.xuanwu_street, n.qinhuai_street = xuanwu_street, qinhuai_street
    n.city_registry, n.xuanwu_registry = city_registry, xuanwu_registry
    n.qinhuai_registry, n.education_bureau = qinhuai_registry, education_bureau
    return n


@pytest.fixture
def superuser(db):
    return factories.UserFactory(
        username="root", unit=None, is_superuser=True, is_staff=True, password="pass-word-123"
    )


@pytest.fixture
def district_clerk(xuanwu_registry):
    """A registration clerk of 玄武区民政局: sees and imports the orgs it registered."""
    return factories.UserFactory(username="xuanwu_clerk", unit=xuanwu_registry)


@pytest.fixture
def two_new_user(two_new_unit):
    """A 两新工委 user: reads the whole city, imports nothing."""
    return factories.UserFactory(username="liangxin", unit=two_new_unit)


@pytest.fixture
def make_org(nanjing):
    """A saved org registered by 玄武区民政局 unless told otherwise."""

    def make(**kwargs):
        kwargs.setdefault("registration_authority", nanjing.xuanwu_registry)
        kwargs.setdefault("registration_level", kwargs["registration_authority"].level)
        kwargs.setdefault("district", nanjing.xuanwu)
        return factories.SocialOrgFactory(**kwargs)

    return make


# ---------------------------------------------------------------------------------------
# Import files
# ---------------------------------------------------------------------------------------

ORG_HEADERS = [
    "名称", "统一社会信用代码", "组织类型", "行业领域", "登记管理机关", "登记级别", "登记日期",
    "业务主管单位", "所属区县", "所属街道", "所在区域", "住所", "法定代表人", "从业人员数",
    "是否行业协会商会", "是否已脱钩", "是否社区社会组织", "是否重点社会组织", "党建入章程",
    "承诺书签订日期", "调查表填报日期", "状态",
]  # fmt: skip

UNIT_HEADERS = ["单位名称", "单位类型", "级别", "所属区县", "所属街道", "管理行业"]

# Codes of the org rows below (area 320102 = 玄武区).
CODE_ASSOCIATION = uscc("51320102MJ0000011")
CODE_SERVICE = uscc("52320102MJ0000022")
CODE_FOUNDATION = uscc("53320100MJ0000033")


def org_row(overrides=None, **more):
    """A good 社会组织名册 row (a 玄武区 association), as header → cell value."""
    row = {
        "名称": "南京市玄武区阳光志愿者协会",
        "统一社会信用代码": CODE_ASSOCIATION,
        "组织类型": "社会团体",
        "行业领域": "社会服务",
        "登记管理机关": "南京市玄武区民政局",
        "登记级别": "区县级",
        "登记日期": "2019-05-20",
        "业务主管单位": "",
        "所属区县": "玄武区",
        "所属街道": "玄武门街道",
        "所在区域": "",
        "住所": "南京市玄武区示例路1号",
        "法定代表人": "王某某",
        "从业人员数": "12",
        "是否行业协会商会": "否",
        "是否已脱钩": "否",
        "是否社区社会组织": "否",
        "是否重点社会组织": "否",
        "党建入章程": "是",
        "承诺书签订日期": "",
        "调查表填报日期": "",
        "状态": "正常",
    }
    row.update(overrides or {})
    row.update(more)
    return row


def rows_to_matrix(rows, headers=None):
    """Header list and value lists from row dicts (None in `rows` is a blank line)."""
    if headers is None:
        headers = []
        for row in rows:
            for key in row or {}:
                if key not in headers:
                    headers.append(key)
    matrix = [list(headers)]
    for row in rows:
        matrix.append([] if row is None else [row.get(h, "") for h in headers])
    return matrix


def xlsx_bytes(matrix):
    """An .xlsx whose first sheet holds `matrix`; dates and numbers become real cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    for r, values in enumerate(matrix, start=1):
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(matrix, bom=True, encoding="utf-8"):
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(
        [["" if v is None else str(v) for v in values] for values in matrix]
    )
    data = text.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom and encoding == "utf-8" else data


@pytest.fixture
def org_counts(db):
    """A snapshot of what an import could have written."""

    def counts():
        return {
            "orgs": SocialOrg.objects.count(),
            "org_history": SocialOrg.history.count(),
            "units": Unit.objects.count(),
            "unit_history": Unit.history.count(),
            "regions": Region.objects.count(),
        }

    return counts
