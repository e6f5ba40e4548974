"""The 党组织名册 import (template `party_orgs`) against templates.md and the issue:
covered orgs must exist and be in scope, the coverage count rule, the tree without
cycles, the workstation of the covered orgs' zone; all rows or none, idempotent."""

import datetime
import io
import math
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from orgs import resources as org_resources
from orgs.importing.service import ImportPermissionError, import_file
from orgs.models import PartyOrganization, SocialOrg, Workstation
from tests import factories
from tests.orgs.conftest import csv_bytes, rows_to_matrix, uscc, wrong_check, xlsx_bytes

pytestmark = pytest.mark.django_db

D = datetime.date
HEADERS = [
    "党组织名称", "组织建制", "组建方式", "覆盖社会组织", "上级党组织", "是否二级党组织",
    "成立日期", "届期开始",
]  # fmt: skip
THROUGH = PartyOrganization.covered_orgs.through
M2M_HISTORY = PartyOrganization.history.model.covered_orgs.model

# Codes of the orgs below (玄武区 associations, and one 秦淮区 association).
CODES = {n: uscc(f"51320102MJ00001{n:02d}") for n in range(1, 10)}
QINHUAI_CODE = uscc("51320104MJ0000201")

COMMITTEE = "中共南京市玄武区社会组织综合委员会"
SUN = "中共南京市玄武区阳光志愿者协会支部委员会"
JOINT = "中共南京市玄武区联合支部委员会"
PARK = "中共玄武科技园区域联合支部委员会"


@pytest.fixture
def park(nanjing):
    return factories.ZoneFactory(name="玄武科技园", district=nanjing.xuanwu)


@pytest.fixture
def station(park):
    return Workstation.objects.create(name="玄武科技园区域党建工作站", zone=park)


@pytest.fixture
def orgs(nanjing, make_org, park, station):
    """Nine 玄武区 orgs (7 and 8 in the park), a filed community org, a 秦淮区 org."""
    made = {
        n: make_org(name=f"南京市玄武区第{n}协会", uscc=code, zone=park if n in (7, 8) else None)
        for n, code in CODES.items()
    }
    made["filed"] = make_org(name="玄武门街道社区舞蹈队", kind=SocialOrg.Kind.COMMUNITY_FILED)
    made["qinhuai"] = make_org(
        name="南京市秦淮区某协会",
        uscc=QINHUAI_CODE,
        registration_authority=nanjing.qinhuai_registry,
        district=nanjing.qinhuai,
    )
    return made


def row(name=SUN, **cells):
    values = {
        "党组织名称": name,
        "组织建制": "党支部",
        "组建方式": "单独组建",
        "覆盖社会组织": CODES[1],
        "上级党组织": "",
        "是否二级党组织": "否",
        "成立日期": "2020-07-01",
        "届期开始": "",
    }
    values.update(cells)
    return values


def good_rows():
    """Four rows: a child before its parent, ；and ; mixed, a 备案 org by name, a
    workstation organization, a real date cell."""
    return [
        row(SUN, 上级党组织=COMMITTEE, 届期开始="2023/07/01"),
        row(
            JOINT,
            组建方式="联合组建",
            覆盖社会组织=f"{CODES[2]}；{CODES[3].lower()}; 玄武门街道社区舞蹈队",
            上级党组织=COMMITTEE,
            成立日期=D(2021, 3, 15),
        ),
        row(PARK, 组建方式="依托区域党建工作站", 覆盖社会组织=f"{CODES[7]};{CODES[8]}"),
        row(
            COMMITTEE,
            组织建制="党委",
            组建方式="联合组建",
            覆盖社会组织=f"{CODES[4]}；{CODES[5]}",
            是否二级党组织="是",
            成立日期="2019年5月4日",
        ),
    ]


def run(rows, user, fmt="xlsx", dry_run=False):
    matrix = rows_to_matrix(rows, HEADERS if rows and set(rows[0]) == set(HEADERS) else None)
    if fmt == "xlsx":
        data, filename = xlsx_bytes(matrix), "党组织名册.xlsx"
    else:
        data, filename = csv_bytes(matrix), "党组织名册.csv"
    return import_file(
        template_name="party_orgs",
        file=io.BytesIO(data),
        filename=filename,
        user=user,
        dry_run=dry_run,
    )


def errors(report):
    return [str(error) for error in report.errors]


def covered(name):
    return set(PartyOrganization.objects.get(name=name).covered_orgs.values_list("name", flat=True))


def snapshot():
    """Everything a 党组织名册 import could write."""
    return {
        "party_orgs": sorted(
            PartyOrganization.objects.values_list(
                "pk", "name", "kind", "formation", "parent_id", "is_secondary", "workstation_id",
                "founded_on", "term_started_on",
            )
        ),
        "links": sorted(THROUGH.objects.values_list("pk", "partyorganization_id", "socialorg_id")),
        "history": PartyOrganization.history.count(),
        "link_history": M2M_HISTORY.objects.count(),
        "orgs": SocialOrg.objects.count(),
    }  # fmt: skip


def grant(user, codename="import_partyorganization"):
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return type(user).objects.get(pk=user.pk)  # a fresh object: no cached permissions


# ---------------------------------------------------------------------------------------
# A good file
# ---------------------------------------------------------------------------------------


class TestGoodFile:
    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_a_good_file_creates_every_party_org_with_its_orgs_parent_and_workstation(
        self, orgs, station, superuser, fmt
    ):
        report = run(good_rows(), superuser, fmt)
        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
        got = {
            p.name: (
                p.kind, p.formation, p.parent.name if p.parent else None, p.is_secondary,
                p.workstation, p.founded_on, p.term_started_on,
            )
            for p in PartyOrganization.objects.select_related("parent", "workstation")
        }  # fmt: skip
        assert got == {
            SUN: ("branch", "standalone", COMMITTEE, False, None, D(2020, 7, 1), D(2023, 7, 1)),
            JOINT: ("branch", "joint", COMMITTEE, False, None, D(2021, 3, 15), None),
            PARK: ("branch", "workstation", None, False, station, D(2020, 7, 1), None),
            COMMITTEE: ("committee", "joint", None, True, None, D(2019, 5, 4), None),
        }
        assert covered(SUN) == {"南京市玄武区第1协会"}
        assert covered(JOINT) == {
            "南京市玄武区第2协会",
            "南京市玄武区第3协会",
            "玄武门街道社区舞蹈队",
        }
        assert covered(PARK) == {"南京市玄武区第7协会", "南京市玄武区第8协会"}
        assert covered(COMMITTEE) == {"南京市玄武区第4协会", "南京市玄武区第5协会"}

    def test_an_empty_term_start_means_the_founding_date(self, orgs, superuser):
        run(good_rows(), superuser)
        joint = PartyOrganization.objects.get(name=JOINT)
        assert joint.term_started_on is None
        assert joint.term_start == D(2021, 3, 15)

    def test_each_created_party_org_has_one_history_row_with_its_parent_and_orgs(
        self, orgs, superuser
    ):
        run(good_rows(), superuser)
        assert PartyOrganization.history.count() == 4
        record = PartyOrganization.history.get(name=SUN)
        assert record.history_type == "+"
        assert record.history_user == superuser
        assert record.history_change_reason == "导入党组织名册"
        # The parent is created later in the file, yet the history row names it.
        assert record.parent_id == PartyOrganization.objects.get(name=COMMITTEE).pk
        assert {link.socialorg.name for link in record.covered_orgs.all()} == {
            "南京市玄武区第1协会"
        }
        joint = PartyOrganization.history.get(name=JOINT)
        assert joint.covered_orgs.count() == 3

    def test_the_same_file_imported_again_changes_nothing(self, orgs, superuser):
        run(good_rows(), superuser)
        before = snapshot()
        report = run(good_rows(), superuser)
        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
        assert snapshot() == before  # no history rows, no new links

    def test_the_same_rows_from_csv_after_xlsx_are_unchanged(self, orgs, superuser):
        run(good_rows(), superuser, "xlsx")
        report = run(good_rows(), superuser, "csv")
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)

    def test_changing_the_covered_orgs_of_one_party_org_updates_only_that_one(
        self, orgs, superuser
    ):
        rows = good_rows()
        run(rows, superuser)
        before = snapshot()
        joint = PartyOrganization.objects.get(name=JOINT)
        kept_link = THROUGH.objects.get(partyorganization=joint, socialorg=orgs[2])
        rows[1]["覆盖社会组织"] = f"{CODES[2]}；{CODES[6]}"  # 3 and the filed org out, 6 in

        report = run(rows, superuser)

        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
        assert [r.action_label for r in report.rows] == ["无变化", "更新", "无变化", "无变化"]
        assert covered(JOINT) == {"南京市玄武区第2协会", "南京市玄武区第6协会"}
        # Only that organization's links changed; the link that stays is the same row.
        others = [link for link in before["links"] if link[1] != joint.pk]
        after = snapshot()
        assert [link for link in after["links"] if link[1] != joint.pk] == others
        assert THROUGH.objects.filter(pk=kept_link.pk).exists()
        assert after["party_orgs"] == before["party_orgs"]
        assert after["history"] == before["history"] + 1
        record = PartyOrganization.history.filter(name=JOINT).latest("history_id")
        assert record.history_type == "~"
        assert {link.socialorg_id for link in record.covered_orgs.all()} == {
            orgs[2].pk,
            orgs[6].pk,
        }

    def test_a_parent_already_in_the_database_is_found_by_name(self, orgs, superuser):
        run([good_rows()[3]], superuser)
        report = run([row(SUN, 上级党组织=COMMITTEE)], superuser)
        assert errors(report) == []
        assert PartyOrganization.objects.get(name=SUN).parent.name == COMMITTEE

    def test_moving_a_party_org_under_a_parent_new_in_the_file_updates_it(self, orgs, superuser):
        run([row(SUN)], superuser)
        rows = [row(SUN, 上级党组织=COMMITTEE), good_rows()[3]]
        report = run(rows, superuser)
        assert errors(report) == []
        assert (report.created, report.updated) == (1, 1)
        assert PartyOrganization.objects.get(name=SUN).parent.name == COMMITTEE
        assert PartyOrganization.history.filter(name=SUN).latest("history_id").parent_id == (
            PartyOrganization.objects.get(name=COMMITTEE).pk
        )
        assert (run(rows, superuser).unchanged) == 2

    def test_a_stored_workstation_of_the_zone_is_kept_when_the_zone_has_several(
        self, orgs, station, park, superuser
    ):
        second = Workstation.objects.create(name="玄武科技园第二工作站", zone=park)
        party_org = PartyOrganization.objects.create(
            name=PARK, kind="branch", formation="workstation", workstation=second,
            founded_on=D(2020, 7, 1),
        )  # fmt: skip
        party_org.covered_orgs.set([orgs[7], orgs[8]])
        report = run([good_rows()[2]], superuser)
        assert errors(report) == []
        assert report.unchanged == 1
        party_org.refresh_from_db()
        assert party_org.workstation == second

    def test_a_joint_party_org_over_five_orgs_imports_once_the_reason_is_recorded(
        self, orgs, superuser
    ):
        PartyOrganization.objects.create(
            name=JOINT, kind="branch", formation="joint", founded_on=D(2020, 7, 1),
            over_limit_reason="同一楼宇内6家小型协会",
        )  # fmt: skip
        six = "；".join(CODES[n] for n in range(1, 7))
        report = run([row(JOINT, 组建方式="联合组建", 覆盖社会组织=six)], superuser)
        assert errors(report) == []
        assert len(covered(JOINT)) == 6

    def test_dry_run_reports_but_writes_nothing(self, orgs, superuser):
        before = snapshot()
        report = run(good_rows(), superuser, dry_run=True)
        assert errors(report) == []
        assert report.created == 4
        assert snapshot() == before


# ---------------------------------------------------------------------------------------
# Bad rows
# ---------------------------------------------------------------------------------------

SIX = "；".join(CODES[n] for n in range(1, 7))
STANDALONE_MESSAGE = "单独组建的党组织只覆盖一个社会组织，当前为2个"
OVER_FIVE = (
    "联合组建的党组织一般不超过5个单位，当前为6个，须填写理由；模板中没有理由列，"
    "请先在管理后台填写该党组织的“联合组建超过5个单位的理由”，再导入"
)

BAD_ROWS = [
    # (cells of row 2, the expected errors)
    ({"覆盖社会组织": CODES[1] + "9"},
     [f"第2行 覆盖社会组织: “{CODES[1]}9”：统一社会信用代码应为18位，当前为19位"]),
    ({"覆盖社会组织": uscc("51320102MJ0000999")},
     [f"第2行 覆盖社会组织: 未找到统一社会信用代码为“{uscc('51320102MJ0000999')}”的社会组织"]),
    ({"覆盖社会组织": wrong_check(CODES[1])},
     [f"第2行 覆盖社会组织: “{wrong_check(CODES[1])}”：统一社会信用代码校验位错误，"
      f"应为“{CODES[1][17]}”"]),
    ({"覆盖社会组织": "玄武门街道社区舞蹈团"},
     ["第2行 覆盖社会组织: 未找到“玄武门街道社区舞蹈团”"]),
    ({"覆盖社会组织": "南京市玄武区第1协会"},
     ["第2行 覆盖社会组织: “南京市玄武区第1协会”不是备案社会组织的名称，请填写统一社会信用代码"]),
    ({"覆盖社会组织": f"{CODES[1]}；{CODES[1]}"},
     [f"第2行 覆盖社会组织: “{CODES[1]}”重复填写"]),
    ({"覆盖社会组织": f"{CODES[1]}；{CODES[2]}"}, [f"第2行 覆盖社会组织: {STANDALONE_MESSAGE}"]),
    ({"组建方式": "联合组建", "覆盖社会组织": SIX}, [f"第2行 覆盖社会组织: {OVER_FIVE}"]),
    ({"覆盖社会组织": "；"}, ["第2行 覆盖社会组织: 必填"]),
    ({"上级党组织": "中共南京市玄武区社会组织综合委员"},
     ["第2行 上级党组织: 未找到党组织“中共南京市玄武区社会组织综合委员”"]),
    ({"上级党组织": SUN}, [f"第2行 上级党组织: 上级党组织关系成环：{SUN} → {SUN}"]),
    ({"组建方式": "依托区域党建工作站", "覆盖社会组织": f"{CODES[7]}；{CODES[1]}"},
     ["第2行 组建方式: 依托区域党建工作站组建的，所覆盖的社会组织须登记所在区域，"
      "“南京市玄武区第1协会”未登记"]),
    ({"组织建制": "支部"}, ["第2行 组织建制: “支部”不是可选值，可选：党委、党总支、党支部"]),
    ({"成立日期": ""}, ["第2行 成立日期: 必填"]),
    ({"届期开始": "2019-01-01"}, ["第2行 届期开始: 本届开始日期不能早于成立日期"]),
]  # fmt: skip


class TestBadRows:
    @pytest.mark.parametrize(
        "cells, expected", BAD_ROWS, ids=[str(list(c.values()))[:40] for c, _e in BAD_ROWS]
    )
    def test_a_bad_row_is_reported_as_row_column_message_and_nothing_is_written(
        self, orgs, superuser, cells, expected
    ):
        before = snapshot()
        report = run([row(**cells)], superuser)
        assert errors(report) == expected
        assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
        assert snapshot() == before

    def test_an_unknown_parent_names_no_other_party_organizations(self, orgs, superuser):
        # Party organizations are scoped records: no closest names (domain.md §1).
        rows = [row(SUN, 上级党组织="中共南京市玄武区社会组织综合委"), good_rows()[3]]
        report = run(rows, superuser)
        assert errors(report) == ["第2行 上级党组织: 未找到党组织“中共南京市玄武区社会组织综合委”"]
        assert PartyOrganization.objects.count() == 0

    def test_a_cycle_inside_the_file_is_an_error_on_each_of_its_rows(self, orgs, superuser):
        rows = [
            row(SUN, 上级党组织=JOINT),
            row(JOINT, 组建方式="联合组建", 覆盖社会组织=CODES[2], 上级党组织=SUN),
            row(PARK, 覆盖社会组织=CODES[3], 上级党组织=SUN),  # under the cycle, not in it
        ]
        report = run(rows, superuser)
        assert errors(report) == [
            f"第2行 上级党组织: 上级党组织关系成环：{SUN} → {JOINT} → {SUN}",
            f"第3行 上级党组织: 上级党组织关系成环：{JOINT} → {SUN} → {JOINT}",
        ]
        assert PartyOrganization.objects.count() == 0

    def test_a_cycle_through_the_database_is_an_error(self, orgs, superuser):
        run([row(SUN), row(JOINT, 覆盖社会组织=CODES[2], 上级党组织=SUN)], superuser)
        before = snapshot()
        report = run([row(SUN, 上级党组织=JOINT)], superuser)
        assert errors(report) == [f"第2行 上级党组织: 上级党组织关系成环：{SUN} → {JOINT} → {SUN}"]
        assert snapshot() == before

    def test_a_file_may_reverse_a_stored_parent_link(self, orgs, superuser):
        run([row(SUN), row(JOINT, 覆盖社会组织=CODES[2], 上级党组织=SUN)], superuser)
        rows = [row(SUN, 上级党组织=JOINT), row(JOINT, 覆盖社会组织=CODES[2])]
        report = run(rows, superuser)
        assert errors(report) == []
        assert PartyOrganization.objects.get(name=SUN).parent.name == JOINT
        assert PartyOrganization.objects.get(name=JOINT).parent is None

    def test_a_party_org_that_is_its_own_parent_is_refused_on_update(self, orgs, superuser):
        run([row(SUN)], superuser)
        report = run([row(SUN, 上级党组织=SUN)], superuser)
        assert errors(report) == [
            "第2行 上级党组织: 上级党组织不能是本组织或其下级（组织关系不能成环）"
        ]

    def test_orgs_of_two_zones_cannot_share_a_workstation(self, orgs, nanjing, superuser):
        other = factories.ZoneFactory(name="玄武商务楼宇", district=nanjing.xuanwu)
        SocialOrg.objects.filter(pk=orgs[8].pk).update(zone=other)
        rows = [row(PARK, 组建方式="依托区域党建工作站", 覆盖社会组织=f"{CODES[7]};{CODES[8]}")]
        report = run(rows, superuser)
        assert errors(report) == [
            "第2行 组建方式: 依托区域党建工作站组建的，所覆盖的社会组织须在同一区域，"
            "现分属：玄武科技园、玄武商务楼宇"
        ]

    def test_a_zone_without_a_workstation_is_an_error(self, orgs, station, superuser):
        station.delete()
        report = run([row(PARK, 组建方式="依托区域党建工作站", 覆盖社会组织=CODES[7])], superuser)
        assert errors(report) == [
            "第2行 组建方式: 区域“玄武科技园”还没有区域党建工作站，请先在管理后台登记"
        ]

    def test_a_zone_with_two_workstations_is_an_error_for_a_new_party_org(
        self, orgs, park, superuser
    ):
        Workstation.objects.create(name="玄武科技园第二工作站", zone=park)
        report = run([row(PARK, 组建方式="依托区域党建工作站", 覆盖社会组织=CODES[7])], superuser)
        assert errors(report) == [
            "第2行 组建方式: 区域“玄武科技园”有2个区域党建工作站（玄武科技园区域党建工作站、"
            "玄武科技园第二工作站），模板无法确定依托哪一个，请在管理后台为该党组织选择工作站"
        ]

    def test_a_party_org_name_twice_in_the_file_names_the_other_row(self, orgs, superuser):
        report = run([row(SUN), row(SUN, 覆盖社会组织=CODES[2])], superuser)
        assert errors(report) == ["第3行 党组织名称: 与第2行重复"]

    def test_one_bad_row_among_good_ones_writes_nothing(self, orgs, superuser):
        rows = good_rows()
        rows[2]["覆盖社会组织"] = "不存在的协会"
        before = snapshot()
        report = run(rows, superuser)
        assert errors(report) == ["第4行 覆盖社会组织: 未找到“不存在的协会”"]
        assert snapshot() == before

    def test_a_missing_required_column_is_refused(self, orgs, superuser):
        rows = [{k: v for k, v in row().items() if k != "覆盖社会组织"}]
        assert errors(run(rows, superuser)) == ["第1行 覆盖社会组织: 缺少必填列"]


# ---------------------------------------------------------------------------------------
# Scope and permission
# ---------------------------------------------------------------------------------------


class TestScope:
    def test_a_clerk_with_the_permission_imports_party_orgs_of_their_own_orgs(
        self, orgs, district_clerk
    ):
        clerk = grant(district_clerk)
        rows = [row(SUN), row(JOINT, 组建方式="联合组建", 覆盖社会组织=f"{CODES[2]};{CODES[3]}")]
        report = run(rows, clerk)
        assert errors(report) == []
        assert PartyOrganization.history.filter(history_user=clerk).count() == 2

    @pytest.mark.parametrize("dry_run", [False, True])
    def test_a_covered_org_outside_the_clerk_s_scope_is_a_row_error_naming_it(
        self, orgs, district_clerk, dry_run
    ):
        clerk = grant(district_clerk)
        before = snapshot()
        rows = [row(JOINT, 组建方式="联合组建", 覆盖社会组织=f"{CODES[2]}；{QINHUAI_CODE}")]
        report = run(rows, clerk, dry_run=dry_run)
        assert errors(report) == [
            f"第2行 覆盖社会组织: 未找到统一社会信用代码为“{QINHUAI_CODE}”的社会组织"
        ]
        assert snapshot() == before

    def test_a_clerk_may_not_drop_an_org_outside_their_scope(self, orgs, superuser, district_clerk):
        run(
            [row(JOINT, 组建方式="联合组建", 覆盖社会组织=f"{CODES[2]}；{QINHUAI_CODE}")], superuser
        )
        clerk = grant(district_clerk)
        before = snapshot()
        report = run(
            [row(JOINT, 组建方式="联合组建", 覆盖社会组织=f"{CODES[2]}；{CODES[3]}")], clerk
        )
        assert errors(report) == [
            f"第2行 覆盖社会组织: 原覆盖的“南京市秦淮区某协会（{QINHUAI_CODE}）”"
            "不在您的管理范围内，不能取消"
        ]
        assert snapshot() == before

    def test_a_party_org_of_another_district_cannot_be_changed(
        self, orgs, superuser, district_clerk
    ):
        run([row(SUN, 覆盖社会组织=QINHUAI_CODE)], superuser)
        clerk = grant(district_clerk)
        report = run([row(SUN, 覆盖社会组织=CODES[1])], clerk)
        assert errors(report) == [
            "第2行 党组织名称: 已被占用，不能由您导入；如需更正请联系系统管理员"
        ]
        assert covered(SUN) == {"南京市秦淮区某协会"}

    def test_a_clerk_without_the_permission_is_refused(self, orgs, district_clerk):
        with pytest.raises(ImportPermissionError, match="^您没有导入党组织名册的权限$"):
            run([row()], district_clerk)


# ---------------------------------------------------------------------------------------
# Writing in bulk, failing as a whole, the command
# ---------------------------------------------------------------------------------------


def batches(fields, rows):
    """How many statements a bulk write of `rows` rows of `fields` columns takes."""
    size = min(500, connection.ops.bulk_batch_size([None] * fields, [None] * rows))
    return math.ceil(rows / size)


def many_rows(count, orgs_made, prefix):
    """`count` party orgs: a committee and branches under it, each over its own org."""
    committee = f"{prefix}综合党委"
    rows = [row(committee, 组织建制="党委", 组建方式="联合组建", 覆盖社会组织=orgs_made[0].uscc)]
    for n in range(1, count):
        rows.append(row(f"{prefix}第{n}支部", 覆盖社会组织=orgs_made[n].uscc, 上级党组织=committee))
    return rows


def test_the_query_count_does_not_grow_with_the_rows(orgs, make_org, superuser):
    extra = [make_org(name=f"批量协会{n}", uscc=uscc(f"51320102MJ01{n:05d}")) for n in range(250)]
    counts = {}
    for size, first in ((50, 0), (200, 50)):
        rows = many_rows(size, extra[first : first + size], prefix=f"第{size}批")
        with CaptureQueriesContext(connection) as queries:
            report = run(rows, superuser)
        assert errors(report) == []
        assert report.created == size
        assert THROUGH.objects.filter(
            partyorganization__name__startswith=f"第{size}批"
        ).count() == (size)
        counts[size] = len(queries)
    # Only the bulk writes' batches may add queries: the rows themselves add none.
    extra = sum(
        batches(fields, 200) - batches(fields, 50)
        for fields in (
            len(PartyOrganization._meta.concrete_fields) - 1,  # bulk_create
            3,  # bulk_update of the parents created in the file (pk, pk, parent)
            2,  # the covered-org links
        )
    )
    assert counts[200] - counts[50] == extra, counts


def test_a_database_error_in_after_write_leaves_everything_as_it_was(orgs, superuser, monkeypatch):
    run([row(JOINT, 组建方式="联合组建", 覆盖社会组织=f"{CODES[2]}；{CODES[3]}")], superuser)
    before = snapshot()

    def fail(ids, date):
        raise DatabaseError("磁盘已满")

    monkeypatch.setattr(org_resources, "record_covered_orgs_history", fail)
    rows = good_rows()
    report = run(rows, superuser)
    assert errors(report) == ["数据库: 写入失败，未导入任何数据：磁盘已满"]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert snapshot() == before


def test_the_command_imports_a_file_and_a_rerun_changes_nothing(orgs, superuser, tmp_path):
    path = tmp_path / "党组织名册.xlsx"
    path.write_bytes(xlsx_bytes(rows_to_matrix(good_rows(), HEADERS)))
    out = StringIO()
    call_command("import_data", "party_orgs", str(path), stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("党组织名册导入完成：共4行，新增4，更新0，无变化0")
    out = StringIO()
    call_command("import_data", "party_orgs", str(path), stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("党组织名册导入完成：共4行，新增0，更新0，无变化4")


def test_the_command_reports_bad_rows_and_exits_1(orgs, superuser, tmp_path):
    path = tmp_path / "党组织名册.csv"
    path.write_bytes(csv_bytes(rows_to_matrix([row(覆盖社会组织=f"{CODES[1]};{CODES[2]}")])))
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_data", "party_orgs", str(path), stdout=StringIO(), stderr=err)
    assert exit_.value.code == 1
    assert err.getvalue().splitlines() == [
        f"第2行 覆盖社会组织: {STANDALONE_MESSAGE}",
        "共1处错误，未写入任何数据。",
    ]
    assert PartyOrganization.objects.count() == 0


def test_the_downloadable_template_has_the_published_columns(superuser):
    from openpyxl import load_workbook

    from orgs.importing.registry import get_template
    from orgs.importing.workbook import template_workbook

    workbook = load_workbook(io.BytesIO(template_workbook(get_template("party_orgs"))))
    sheet = workbook["党组织名册"]
    assert [c.value for c in sheet[1]] == HEADERS
