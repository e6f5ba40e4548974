"""The 党员名册 import (template `members`) against templates.md and the issue: one
active record per ID number, gender and birth date from it, the membership dates, posts
with one secretary each, the scope; all rows or none, idempotent; the ID number never in
full in a message."""

import datetime
import io
import math
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members import resources as member_resources
from members.models import Member, Post
from orgs.importing.service import ImportPermissionError, import_file
from tests.members.conftest import (
    JOINT,
    ORG_CODES,
    QINHUAI_ORG_CODE,
    QINHUAI_PARTY_ORG,
    SUN,
    id_check,
    id_number,
    import_members,
    member_file,
    member_row,
    uscc,
    wrong_id_check,
)

pytestmark = pytest.mark.django_db

D = datetime.date
FILED_X = "32010219850315006X"  # a woman's number whose check character is X


def errors(report):
    return [str(error) for error in report.errors]


def good_rows():
    """Four members: a secretary, a probationary committee member (floating), one working
    in a 备案 org named by name whose relationship is held outside, and JOINT's secretary."""
    return [
        member_row(1, 党内职务="书记", 联系电话=13800000001, 社会组织职务="负责人"),
        member_row(
            2,
            身份证号=id_number("19950620", serial=2, male=False),
            工作单位=ORG_CODES[2],
            党员类别="预备党员",
            入党日期=D(2026, 3, 1),  # a real date cell in .xlsx
            转正日期="",
            组织关系所在党组织=JOINT,
            党内职务="委员",
            是否流动党员="是",
            最近联系日期="2026/10/08",
        ),
        member_row(
            3,
            身份证号=FILED_X.lower(),
            工作单位="玄武门街道社区舞蹈队",
            入党日期="2010年7月1日",
            转正日期="2011年7月1日",
            组织关系所在党组织="",
            组织关系所在单位="南京市某街道社区党委",
            社会组织职务="",
        ),
        member_row(4, 工作单位=ORG_CODES[3], 组织关系所在党组织=JOINT, 党内职务="书记"),
    ]


ALL_NUMBERS = [id_number(serial=1), id_number("19950620", serial=2, male=False), FILED_X,
               id_number(serial=4)]  # fmt: skip

MEMBER_FIELDS = (
    "name", "id_number", "gender", "birth_date", "ethnicity", "education", "phone",
    "workplace__name", "workplace_role", "category", "joined_on", "full_member_on",
    "party_org__name", "outside_holder", "is_floating", "status", "last_contact_on",
)  # fmt: skip


def stored_members():
    return list(Member.objects.order_by("id_number").values_list(*MEMBER_FIELDS))


def sitting_posts():
    return sorted(
        Post.objects.filter(ended_on__isnull=True).values_list(
            "member__name", "kind", "party_org__name", "started_on"
        )
    )


def snapshot():
    """Everything a 党员名册 import could write."""
    return {
        "members": sorted(Member.objects.values_list("pk", *MEMBER_FIELDS)),
        "posts": sorted(Post.objects.values_list("pk", "member_id", "kind", "party_org_id",
                                                 "started_on", "ended_on")),
        "member_history": Member.history.count(),
        "post_history": Post.history.count(),
    }  # fmt: skip


def assert_no_full_number(report, numbers=ALL_NUMBERS):
    text = "\n".join(errors(report)) + "\n".join(r.label for r in report.rows)
    for number in numbers:
        assert number not in text and number.lower() not in text


TODAY = timezone.localdate()


def qinhuai_member(serial):
    """A member working in the 秦淮区 org, outside a 玄武区 clerk's scope."""
    return member_row(serial, 工作单位=QINHUAI_ORG_CODE, 组织关系所在党组织=QINHUAI_PARTY_ORG)


# ---------------------------------------------------------------------------------------
# A good file
# ---------------------------------------------------------------------------------------


class TestGoodFile:
    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_a_good_file_creates_every_member_with_gender_and_birth_date_from_the_number(
        self, world, superuser, fmt
    ):
        report = import_members(good_rows(), superuser, fmt)
        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
        assert stored_members() == sorted(
            [
                ("党员1", ALL_NUMBERS[0], "male", D(1980, 1, 1), "汉族", "大学本科", "13800000001",
                 "南京市玄武区第1协会", "head", "full", D(2005, 7, 1), D(2006, 7, 1), SUN, "",
                 False, "active", None),
                ("党员2", ALL_NUMBERS[1], "female", D(1995, 6, 20), "汉族", "大学本科",
                 "13800000000", "南京市玄武区第2协会", "staff", "probationary", D(2026, 3, 1),
                 None, JOINT, "", True, "active", D(2026, 10, 8)),
                ("党员3", FILED_X, "female", D(1985, 3, 15), "汉族", "大学本科", "13800000000",
                 "玄武门街道社区舞蹈队", "", "full", D(2010, 7, 1), D(2011, 7, 1), None,
                 "南京市某街道社区党委", False, "active", None),
                ("党员4", ALL_NUMBERS[3], "male", D(1980, 1, 1), "汉族", "大学本科", "13800000000",
                 "南京市玄武区第3协会", "staff", "full", D(2005, 7, 1), D(2006, 7, 1), JOINT, "",
                 False, "active", None),
            ],
            key=lambda values: values[1],
        )  # fmt: skip
        assert sitting_posts() == [
            ("党员1", "secretary", SUN, TODAY),
            ("党员2", "committee_member", JOINT, TODAY),
            ("党员4", "secretary", JOINT, TODAY),
        ]

    def test_every_member_and_post_has_a_history_row_by_the_importer(self, world, superuser):
        import_members(good_rows(), superuser)
        assert Member.history.count() == 4
        assert Post.history.count() == 3
        for record in [*Member.history.all(), *Post.history.all()]:
            assert record.history_type == "+"
            assert record.history_user == superuser
            assert record.history_change_reason == "导入党员名册"

    def test_the_report_shows_each_member_with_the_number_masked(self, world, superuser):
        report = import_members(good_rows(), superuser)
        assert [r.label for r in report.rows] == [
            f"党员{n}（{number[:6]}********{number[-4:]}）"
            for n, number in enumerate(ALL_NUMBERS, start=1)
        ]
        assert_no_full_number(report)

    def test_the_same_file_imported_again_changes_nothing(self, world, superuser):
        import_members(good_rows(), superuser)
        before = snapshot()
        report = import_members(good_rows(), superuser)
        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
        assert snapshot() == before

    def test_the_same_rows_from_csv_after_xlsx_are_unchanged(self, world, superuser):
        import_members(good_rows(), superuser, "xlsx")
        report = import_members(good_rows(), superuser, "csv")
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)

    def test_the_number_is_normalized_before_matching(self, world, superuser):
        import_members(good_rows(), superuser)
        rows = good_rows()
        number = ALL_NUMBERS[0]
        rows[0]["身份证号"] = f" {number[:6]}\u3000{number[6:]} "
        rows[2]["身份证号"] = "３２０１０２１９８５０３１５００６ｘ"  # full-width
        report = import_members(rows, superuser)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)

    def test_changing_a_post_ends_the_old_one_today_and_starts_the_new_one(self, world, superuser):
        rows = good_rows()
        import_members(rows, superuser)
        before = snapshot()
        rows[1]["党内职务"] = "副书记"

        report = import_members(rows, superuser)

        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
        assert [r.action_label for r in report.rows] == ["无变化", "更新", "无变化", "无变化"]
        member = Member.objects.get(name="党员2")
        old = Post.objects.get(member=member, kind="committee_member")
        assert (old.started_on, old.ended_on) == (TODAY, TODAY)
        new = Post.objects.get(member=member, ended_on__isnull=True)
        assert (new.kind, new.party_org, new.started_on) == ("deputy_secretary", world.joint, TODAY)
        after = snapshot()
        assert after["members"] == before["members"]  # only the post changed
        assert after["member_history"] == before["member_history"] + 1
        assert after["post_history"] == before["post_history"] + 2
        assert (old.history.latest().history_type, new.history.get().history_type) == ("~", "+")
        # And that, too, is stable.
        assert import_members(rows, superuser).unchanged == 4

    def test_an_empty_post_cell_leaves_the_posts_alone(self, world, superuser):
        rows = good_rows()
        import_members(rows, superuser)
        before = snapshot()
        rows[0]["党内职务"] = ""
        rows[1]["党内职务"] = ""
        report = import_members(rows, superuser)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
        assert snapshot() == before

    def test_a_file_may_hand_a_secretary_post_over(self, world, superuser):
        rows = good_rows()
        import_members(rows, superuser)
        rows[0]["党内职务"] = "委员"
        rows.append(member_row(5, 党内职务="书记"))
        report = import_members(rows, superuser)
        assert errors(report) == []
        assert (report.created, report.updated, report.unchanged) == (1, 1, 3)
        assert [p for p in sitting_posts() if p[2] == SUN] == [
            ("党员1", "committee_member", SUN, TODAY),
            ("党员5", "secretary", SUN, TODAY),
        ]

    def test_moving_to_another_party_org_moves_the_post(self, world, superuser):
        rows = good_rows()
        import_members(rows, superuser)
        rows[1].update(组织关系所在党组织=SUN)
        report = import_members(rows, superuser)
        assert errors(report) == []
        assert ("党员2", "committee_member", SUN, TODAY) in sitting_posts()
        assert not Post.objects.filter(party_org=world.joint, kind="committee_member",
                                       ended_on__isnull=True).exists()  # fmt: skip

    def test_moving_with_an_empty_post_cell_ends_the_post_left_behind(self, world, superuser):
        rows = good_rows()
        import_members(rows, superuser)
        rows[1].update(组织关系所在党组织=SUN, 党内职务="")
        report = import_members(rows, superuser)
        assert errors(report) == []
        # The member holds no post in the organization they left; none was started.
        assert not Post.objects.filter(
            member__name="党员2", party_org=world.joint, ended_on__isnull=True
        ).exists()
        assert not Post.objects.filter(member__name="党员2", party_org__name=SUN).exists()

    def test_a_member_no_longer_active_gets_a_new_active_record(self, world, superuser):
        import_members([member_row(1)], superuser)
        Member.objects.update(status=Member.Status.TRANSFERRED_OUT)
        report = import_members([member_row(1)], superuser)
        assert (report.created, report.updated) == (1, 0)
        assert Member.objects.filter(id_number=ALL_NUMBERS[0]).count() == 2
        assert Member.objects.on_register().count() == 1

    def test_dry_run_reports_but_writes_nothing(self, world, superuser):
        before = snapshot()
        report = import_members(good_rows(), superuser, dry_run=True)
        assert errors(report) == []
        assert report.created == 4
        assert snapshot() == before


# ---------------------------------------------------------------------------------------
# Bad rows: each named as 第N行 列名, nothing written, the number never in full
# ---------------------------------------------------------------------------------------

N1 = id_number(serial=1)
MINOR = id_number("19900601", serial=7)

BAD_ROWS = [
    # (cells of the row 2 member, the expected errors)
    ({"身份证号": wrong_id_check(N1)}, [f"第2行 身份证号: 身份证号校验位错误，应为“{N1[17]}”"]),
    ({"身份证号": N1[:17]}, ["第2行 身份证号: 身份证号应为18位，当前为17位"]),
    ({"身份证号": "32010219800230001" + id_check("32010219800230001")},
     ["第2行 身份证号: 身份证号中的出生日期无效"]),
    ({"身份证号": ""}, ["第2行 身份证号: 必填"]),
    ({"转正日期": ""}, ["第2行 转正日期: 正式党员须填写转正日期"]),
    ({"转正日期": "2005-07-10"},
     ["第2行 转正日期: 转正日期应在入党日期后约一年（330至761天），当前相差9天"]),
    ({"转正日期": "2004-07-01"},
     ["第2行 转正日期: 转正日期应在入党日期后约一年（330至761天），当前相差-365天"]),
    ({"身份证号": MINOR, "入党日期": "2008-05-31", "转正日期": "2009-05-31"},
     ["第2行 入党日期: 入党时应年满18周岁（按身份证号计算为17岁）"]),
    ({"入党日期": (TODAY + datetime.timedelta(days=1)).isoformat(), "党员类别": "预备党员",
      "转正日期": ""}, ["第2行 入党日期: 入党日期不能晚于今天"]),
    ({"组织关系所在党组织": "", "组织关系所在单位": "原单位党委", "党内职务": "委员"},
     ["第2行 党内职务: 填写党内职务时须填写组织关系所在党组织（职务设在该党组织）"]),
    ({"组织关系所在单位": "原单位党委"},
     ["第2行 组织关系所在单位: 组织关系在本系统党组织时，不填组织关系所在单位"]),
    ({"党内职务": "指导员"}, ["第2行 党内职务: “指导员”不是可选值，可选：书记、副书记、委员"]),
    ({"党员类别": "党员"}, ["第2行 党员类别: “党员”不是可选值，可选：正式党员、预备党员"]),
    ({"工作单位": uscc("51320102MJ0000999")},
     [f"第2行 工作单位: 未找到统一社会信用代码为“{uscc('51320102MJ0000999')}”的社会组织"]),
    ({"工作单位": "玄武门街道社区舞蹈团"},
     ["第2行 工作单位: 未找到“玄武门街道社区舞蹈团”"]),
    ({"工作单位": "南京市玄武区第1协会"},
     ["第2行 工作单位: “南京市玄武区第1协会”不是备案社会组织的名称，请填写统一社会信用代码"]),
    ({"组织关系所在党组织": "中共南京市玄武区第1协会支部"},
     ["第2行 组织关系所在党组织: 未找到“中共南京市玄武区第1协会支部”"]),
    ({"是否流动党员": "流动"}, ["第2行 是否流动党员: 应填“是”或“否”，不是“流动”"]),
]  # fmt: skip


class TestBadRows:
    @pytest.mark.parametrize(
        "cells, expected", BAD_ROWS, ids=[str(list(c.values()))[:40] for c, _e in BAD_ROWS]
    )
    def test_a_bad_row_is_reported_as_row_column_message_and_nothing_is_written(
        self, world, superuser, cells, expected
    ):
        before = snapshot()
        report = import_members([member_row(1, **cells)], superuser)
        assert errors(report) == expected
        assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
        assert snapshot() == before
        assert_no_full_number(report, [N1, MINOR, wrong_id_check(N1)])

    @pytest.mark.parametrize("column", ["工作单位", "入党日期", "党员类别", "组织关系所在党组织"])
    def test_a_number_typed_into_another_column_is_masked_in_the_message(
        self, world, superuser, column
    ):
        number = id_number(serial=5)
        report = import_members([member_row(1, **{column: number})], superuser)
        (error,) = errors(report)
        assert error.startswith(f"第2行 {column}: ")
        assert f"“{number[:6]}********{number[-4:]}”" in error
        assert_no_full_number(report, [number])

    def test_a_number_typed_as_a_number_cell_is_refused_with_how_to_fix_it(self, world, superuser):
        report = import_members([member_row(1, 身份证号=int(N1))], superuser)
        assert errors(report) == [
            "第2行 身份证号: 该单元格是数字格式，18位身份证号会被Excel截断；"
            "请把该列设为文本后重新填写"
        ]

    @pytest.mark.parametrize(
        "second", [N1, N1.lower(), f" {N1}\u3000"], ids=["same", "lower", "spaces"]
    )
    def test_a_number_twice_in_the_file_names_the_other_row(self, world, superuser, second):
        rows = [member_row(1), member_row(2), member_row(3, 身份证号=second)]
        report = import_members(rows, superuser)
        assert errors(report) == ["第4行 身份证号: 与第2行重复"]
        assert_no_full_number(report, [N1])
        assert Member.objects.count() == 0

    def test_two_secretaries_of_one_party_org_in_the_file_name_both_rows(self, world, superuser):
        rows = [member_row(1, 党内职务="书记"), member_row(2), member_row(3, 党内职务="书记")]
        report = import_members(rows, superuser)
        assert errors(report) == [
            f"第2行 党内职务: 与第4行都填写为“{SUN}”的书记，每个党组织只有一名书记",
            f"第4行 党内职务: 与第2行都填写为“{SUN}”的书记，每个党组织只有一名书记",
        ]
        assert Member.objects.count() == 0

    def test_a_second_secretary_beside_a_sitting_one_is_refused(self, world, superuser):
        import_members([member_row(1, 党内职务="书记")], superuser)
        before = snapshot()
        # The sitting secretary's own row is in the file, unchanged: the post stays.
        rows = [member_row(1, 党内职务="书记"), member_row(2, 党内职务="书记")]
        report = import_members(rows, superuser)
        assert errors(report) == [
            f"第3行 党内职务: “{SUN}”已有现任书记党员1；如需更换，请在本文件中修改其党内职务，"
            "或先在管理后台办理离任"
        ]
        assert snapshot() == before
        assert errors(import_members([member_row(2, 党内职务="书记")], superuser)) == [
            errors(report)[0].replace("第3行", "第2行")
        ]

    def test_one_bad_row_among_good_ones_writes_nothing(self, world, superuser):
        rows = good_rows()
        rows[2]["转正日期"] = "2010-07-02"
        report = import_members(rows, superuser)
        assert errors(report) == [
            "第4行 转正日期: 转正日期应在入党日期后约一年（330至761天），当前相差1天"
        ]
        assert Member.objects.count() == Post.objects.count() == 0

    def test_no_message_of_a_file_full_of_mistakes_shows_a_number_in_full(
        self, world, superuser, clerk
    ):
        import_members([qinhuai_member(9)], superuser)
        numbers = [id_number(serial=n) for n in range(1, 10)] + [MINOR]
        rows = [
            member_row(1, 身份证号=wrong_id_check(numbers[0])),
            member_row(2, 转正日期=""),
            member_row(3, 转正日期="2005-07-03"),
            member_row(4, 身份证号=MINOR, 入党日期="2008-05-31", 转正日期="2009-05-31"),
            member_row(5, 组织关系所在党组织="", 党内职务="委员"),
            member_row(6, 工作单位="不存在的协会"),
            member_row(7),
            member_row(8, 身份证号=numbers[6]),
            member_row(9, 工作单位=QINHUAI_ORG_CODE),  # a member of another district
        ]
        for user in (superuser, clerk):
            report = import_members(rows, user)
            assert len(report.errors) >= 7
            assert_no_full_number(report, numbers + [wrong_id_check(numbers[0])])


# ---------------------------------------------------------------------------------------
# Scope and permission
# ---------------------------------------------------------------------------------------


class TestScope:
    def test_a_clerk_imports_members_of_their_own_orgs(self, world, clerk):
        report = import_members(good_rows(), clerk)
        assert errors(report) == []
        assert Member.history.filter(history_user=clerk).count() == 4

    @pytest.mark.parametrize("dry_run", [False, True])
    def test_a_workplace_outside_the_clerk_s_scope_is_refused(self, world, clerk, dry_run):
        before = snapshot()
        rows = [member_row(1), member_row(2, 工作单位=QINHUAI_ORG_CODE, 组织关系所在党组织="",
                                          组织关系所在单位="原单位党委")]  # fmt: skip
        report = import_members(rows, clerk, dry_run=dry_run)
        # Worded as for an unknown code: nothing says it exists in another office.
        assert errors(report) == [
            f"第3行 工作单位: 未找到统一社会信用代码为“{QINHUAI_ORG_CODE}”的社会组织"
        ]
        assert snapshot() == before

    def test_a_party_org_outside_the_clerk_s_scope_is_refused(self, world, clerk):
        report = import_members([member_row(1, 组织关系所在党组织=QINHUAI_PARTY_ORG)], clerk)
        assert errors(report) == [f"第2行 组织关系所在党组织: 未找到“{QINHUAI_PARTY_ORG}”"]
        assert Member.objects.count() == 0

    def test_a_member_of_another_district_cannot_be_changed(self, world, superuser, clerk):
        import_members([qinhuai_member(1)], superuser)
        before = snapshot()
        report = import_members([member_row(1)], clerk)
        assert errors(report) == [
            "第2行 身份证号: 已被占用，不能由您导入；如需更正请联系系统管理员"
        ]
        assert_no_full_number(report, [N1])
        assert snapshot() == before

    def test_a_secretary_imports_the_members_of_the_org_their_party_org_covers(
        self, world, secretary
    ):
        report = import_members([member_row(1, 党内职务="书记")], secretary)
        assert errors(report) == []
        assert Member.objects.get().party_org == world.sun

    def test_a_workplace_outside_the_secretary_s_scope_is_refused(self, world, secretary):
        rows = [member_row(1, 工作单位=ORG_CODES[2], 组织关系所在党组织="",
                           组织关系所在单位="原单位党委")]  # fmt: skip
        report = import_members(rows, secretary)
        assert errors(report) == [
            f"第2行 工作单位: 未找到统一社会信用代码为“{ORG_CODES[2]}”的社会组织"
        ]
        assert Member.objects.count() == 0

    def test_a_party_org_outside_the_secretary_s_scope_is_refused(self, world, secretary):
        report = import_members([member_row(1, 组织关系所在党组织=JOINT)], secretary)
        assert errors(report) == [f"第2行 组织关系所在党组织: 未找到“{JOINT}”"]

    def test_a_clerk_without_the_permission_is_refused(self, world, district_clerk):
        with pytest.raises(ImportPermissionError, match="^您没有导入党员名册的权限$"):
            import_members([member_row(1)], district_clerk)


# ---------------------------------------------------------------------------------------
# Bulk, failure, the command
# ---------------------------------------------------------------------------------------


def batches(fields, rows):
    """How many statements a bulk write of `rows` rows of `fields` columns takes."""
    size = min(500, connection.ops.bulk_batch_size([None] * fields, [None] * rows))
    return math.ceil(rows / size)


def many_members(first, count):
    return [
        member_row(n, 身份证号=id_number("19800101", serial=n), 党内职务="委员")
        for n in range(first, first + count)
    ]


def test_the_query_count_does_not_grow_with_the_rows(world, superuser):
    counts = {}
    for first, size in ((1, 50), (51, 200)):
        with CaptureQueriesContext(connection) as queries:
            report = import_members(many_members(first, size), superuser)
        assert errors(report) == []
        assert report.created == size
        counts[size] = len(queries)
    assert Post.objects.filter(kind="committee_member").count() == 250
    # Only the bulk writes' batches may add queries: the rows themselves add none.
    extra = sum(
        batches(len(model._meta.concrete_fields) - 1, 200)
        - batches(len(model._meta.concrete_fields) - 1, 50)
        for model in (Member, Post)
    )
    assert counts[200] - counts[50] == extra, counts


def test_updating_members_costs_no_query_per_row(world, superuser):
    counts = {}
    for first, size in ((1, 50), (51, 200)):
        rows = many_members(first, size)
        import_members(rows, superuser)
        for values in rows:
            values["党内职务"] = "副书记"
            values["学历"] = "研究生"
        with CaptureQueriesContext(connection) as queries:
            report = import_members(rows, superuser)
        assert report.updated == size
        counts[size] = len(queries)
    extra = sum(
        batches(fields, 200) - batches(fields, 50)
        for fields in (
            3,  # Member bulk_update of one field (pk, pk, 学历)
            3,  # Post bulk_update of ended_on
            len(Post._meta.concrete_fields) - 1,  # Post bulk_create
        )
    )
    assert counts[200] - counts[50] == extra, counts


def test_a_database_error_in_after_write_leaves_everything_as_it_was(world, superuser, monkeypatch):
    rows = good_rows()
    import_members(rows[:2], superuser)
    before = snapshot()
    real = member_resources.record_history

    def fail_for_posts(model, ids, **kwargs):
        if model is Post:
            raise DatabaseError("磁盘已满")
        real(model, ids, **kwargs)

    monkeypatch.setattr(member_resources, "record_history", fail_for_posts)
    rows[0]["党内职务"] = "副书记"
    report = import_members(rows, superuser)
    assert errors(report) == ["数据库: 写入失败，未导入任何数据：磁盘已满"]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert snapshot() == before


def test_the_command_imports_a_file_and_a_rerun_changes_nothing(world, superuser, tmp_path):
    data, name = member_file(good_rows())
    path = tmp_path / name
    path.write_bytes(data)
    out = StringIO()
    call_command("import_data", "members", str(path), stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("党员名册导入完成：共4行，新增4，更新0，无变化0")
    out = StringIO()
    call_command("import_data", "members", str(path), stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("党员名册导入完成：共4行，新增0，更新0，无变化4")


def test_the_command_prints_bad_rows_without_the_number_and_exits_1(world, superuser, tmp_path):
    data, name = member_file([member_row(1), member_row(2, 身份证号=N1)], fmt="csv")
    path = tmp_path / name
    path.write_bytes(data)
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_data", "members", str(path), stdout=StringIO(), stderr=err)
    assert exit_.value.code == 1
    assert err.getvalue().splitlines() == [
        "第3行 身份证号: 与第2行重复",
        "共1处错误，未写入任何数据。",
    ]
    assert N1 not in err.getvalue()


def test_the_downloadable_template_lists_no_party_org_names(world, superuser):
    from openpyxl import load_workbook

    from orgs.importing.registry import get_template
    from orgs.importing.workbook import template_workbook

    workbook = load_workbook(io.BytesIO(template_workbook(get_template("members"))))
    assert [c.value for c in workbook["党员名册"][1]] == list(member_row())
    options = [c.value for col in workbook["选项"].iter_cols() for c in col]
    assert SUN not in options and "书记" in options


def test_import_file_accepts_the_template_by_name(world, superuser):
    data, name = member_file([member_row(1)])
    report = import_file(template_name="members", file=io.BytesIO(data), filename=name,
                         user=superuser)  # fmt: skip
    assert report.created == 1


def test_the_example_rows_of_both_templates_hold_valid_codes():
    from orgs.importing.registry import get_template
    from orgs.validators import id_number_problem, uscc_problem

    members, party_orgs = get_template("members"), get_template("party_orgs")
    assert list(members.example_row) == list(member_row())
    assert id_number_problem(members.example_row["身份证号"]) is None
    assert uscc_problem(members.example_row["工作单位"]) is None
    assert uscc_problem(party_orgs.example_row["覆盖社会组织"]) is None
