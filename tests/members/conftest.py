"""Fixtures of the members tests: the small Nanjing of tests/orgs/conftest.py (imported,
not copied), orgs and Party organizations to work in, ID numbers, 党员名册 files."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission

from orgs.importing.service import import_file
from orgs.models import PartyOrganization, SocialOrg
from tests import factories
from tests.orgs import conftest as orgs_fixtures
from tests.orgs.conftest import csv_bytes, rows_to_matrix, uscc, xlsx_bytes

# The orgs tests' fixtures this folder reuses (pytest finds fixtures by name).
city_registry = orgs_fixtures.city_registry
xuanwu_registry = orgs_fixtures.xuanwu_registry
qinhuai_registry = orgs_fixtures.qinhuai_registry
education_bureau = orgs_fixtures.education_bureau
xuanwu_street = orgs_fixtures.xuanwu_street
qinhuai_street = orgs_fixtures.qinhuai_street
nanjing = orgs_fixtures.nanjing
superuser = orgs_fixtures.superuser
district_clerk = orgs_fixtures.district_clerk
make_org = orgs_fixtures.make_org

# GB 11643-1999, as domain.md §3 states it: computed here independently of python-stdnum.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check(body: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def id_number(birth="19800101", serial=1, male=True, area="320102") -> str:
    """A valid 18-character ID number born on `birth` (YYYYMMDD)."""
    sequence = serial * 2 + (1 if male else 0)  # the 17th digit: odd for men
    body = f"{area}{birth}{sequence:03d}"
    assert len(body) == 17, body
    return body + id_check(body)


def wrong_id_check(number: str) -> str:
    right = number[17]
    return number[:17] + ("0" if right != "0" else "1")


ORG_CODES = {n: uscc(f"51320102MJ00003{n:02d}") for n in range(1, 4)}
QINHUAI_ORG_CODE = uscc("51320104MJ0000301")

SUN = "中共南京市玄武区第1协会支部委员会"
JOINT = "中共南京市玄武区联合支部委员会"
QINHUAI_PARTY_ORG = "中共南京市秦淮区某协会支部委员会"

MEMBER_HEADERS = [
    "姓名", "身份证号", "民族", "学历", "联系电话", "工作单位", "社会组织职务", "党员类别",
    "入党日期", "转正日期", "组织关系所在党组织", "组织关系所在单位", "党内职务", "是否流动党员",
    "最近联系日期",
]  # fmt: skip


@pytest.fixture
def world(nanjing, make_org):
    """Three 玄武区 orgs, a filed community org and a 秦淮区 org, with Party organizations:
    SUN over org 1 alone, JOINT over orgs 2 and 3, one over the 秦淮区 org."""

    class World:
        pass

    w = World()
    w.nanjing = nanjing
    w.orgs = {
        n: make_org(name=f"南京市玄武区第{n}协会", uscc=code) for n, code in ORG_CODES.items()
    }
    w.filed = make_org(name="玄武门街道社区舞蹈队", kind=SocialOrg.Kind.COMMUNITY_FILED)
    w.qinhuai_org = make_org(
        name="南京市秦淮区某协会",
        uscc=QINHUAI_ORG_CODE,
        registration_authority=nanjing.qinhuai_registry,
        district=nanjing.qinhuai,
    )
    founded = datetime.date(2020, 7, 1)
    w.sun = PartyOrganization.objects.create(
        name=SUN, kind="branch", formation="standalone", founded_on=founded
    )
    w.sun.covered_orgs.set([w.orgs[1]])
    w.joint = PartyOrganization.objects.create(
        name=JOINT, kind="branch", formation="joint", founded_on=founded
    )
    w.joint.covered_orgs.set([w.orgs[2], w.orgs[3], w.filed])
    w.qinhuai = PartyOrganization.objects.create(
        name=QINHUAI_PARTY_ORG, kind="branch", formation="standalone", founded_on=founded
    )
    w.qinhuai.covered_orgs.set([w.qinhuai_org])
    return w


def grant(user, codename="import_member"):
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # a fresh object: no cached permissions


@pytest.fixture
def secretary(world):
    """The account of SUN's secretary: scope = the orgs SUN covers, may import members."""
    user = factories.UserFactory(username="sun_secretary", unit=None, party_org=world.sun)
    return grant(user)


@pytest.fixture
def clerk(district_clerk):
    """玄武区民政局's clerk, granted the 党员名册 import."""
    return grant(district_clerk)


def member_row(serial=1, **cells):
    """A good 党员名册 row: a full member of SUN working in org 1."""
    values = {
        "姓名": f"党员{serial}",
        "身份证号": id_number(serial=serial),
        "民族": "汉族",
        "学历": "大学本科",
        "联系电话": "13800000000",
        "工作单位": ORG_CODES[1],
        "社会组织职务": "职工",
        "党员类别": "正式党员",
        "入党日期": "2005-07-01",
        "转正日期": "2006-07-01",
        "组织关系所在党组织": SUN,
        "组织关系所在单位": "",
        "党内职务": "",
        "是否流动党员": "否",
        "最近联系日期": "",
    }
    values.update(cells)
    return values


def member_file(rows, fmt="xlsx"):
    matrix = rows_to_matrix(rows, MEMBER_HEADERS)
    if fmt == "xlsx":
        return xlsx_bytes(matrix), "党员名册.xlsx"
    return csv_bytes(matrix), "党员名册.csv"


def import_members(rows, user, fmt="xlsx", dry_run=False):
    data, filename = member_file(rows, fmt)
    return import_file(
        template_name="members", file=io.BytesIO(data), filename=filename, user=user,
        dry_run=dry_run,
    )  # fmt: skip
