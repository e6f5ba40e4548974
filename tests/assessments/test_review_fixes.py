"""The rules a review of the assessments app found broken (commit "Review fixes: scope
before validation in imports, who may change unit records, absence and grade rules"),
each held here so that it stays fixed:

1. an administrator sees every training, joint meeting and unit grade;
2. an import row naming a Party organization outside the user's scope is refused as not
   found before any model rule could describe it (its founding, its 撤销, its grade);
3. point rules are the city 两新工委's; a unit's training, joint meeting or grade is
   changed by the unit that holds or gave it, others who see it read it;
4. absence costs points only for what every member attends, and only after a transfer
   in was received;
5. no annual assessment for a year after the Party organization's 撤销;
6. the full-member cap of the suggested grade is a branch's only;
7. an attachment's stored file goes when its activity is deleted;
8. selectors.count_gaps counts what year_gaps finds, with month bits from the database.

The world is tests/members/fixtures_admin.party_world (玄武区 and 秦淮区 of 南京市; the
secretary holds 启明培训学校党支部, founded 1 July 2022, whose members are 王启明 and
周外出), with the fixtures the other assessments tests build on it. The clock is frozen
on 15 June 2025 (Asia/Shanghai).
"""

import datetime
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import rules, selectors
from assessments.models import (
    Activity,
    ActivityAttachment,
    Grade,
    JointMeeting,
    PartyOrgAssessment,
    PointRule,
    TrainingSession,
    UnitAssessment,
)
from members.models import Member, Transfer
from orgs.importing.service import RowError
from orgs.models import PartyOrganization
from orgs.scopes import Scope, ScopeKind
from tests.assessments import test_gaps as gaps_tests
from tests.assessments import test_imports as imports_tests
from tests.assessments import test_points as points_tests
from tests.assessments import test_unit_assessment as unit_tests
from tests.assessments import test_work_admin as work_tests
from tests.factories import ActivityFactory
from tests.members import fixtures_admin
from tests.members.fixtures_admin import (
    MemberFactory,
    PartyOrganizationFactory,
    PostFactory,
    id_number,
)

# Fixtures of the modules this one builds on (pytest finds fixtures by name; their
# autouse clocks are not imported: this module freezes its own).
party_world = fixtures_admin.party_world
life = imports_tests.life  # + 郑多重 and the 秦淮区 两新工委
work = work_tests.work  # + the 秦淮区 两新工委 and the law firm's secretary
world = unit_tests.world  # + 南京市文化和旅游局 and district culture bureaus
media = work_tests.media
city_2024 = gaps_tests.city_2024

D = datetime.date
TODAY = D(2025, 6, 15)
YEAR = 2024
# Birth day of this module's members: no other fixture's ID numbers use it.
BIRTH = "19880808"

K = Activity.Kind
B = PointRule.Basis
SCHOOL = imports_tests.SCHOOL  # 启明培训学校党支部 (玄武区)
LAW = imports_tests.LAW  # 启明律师事务所党支部 (玄武区)
QINHUAI = imports_tests.QINHUAI  # 秦淮区文化促进会党支部
FOUNDED = "2022-07-01"  # the founding day of every Party organization of party_world

url = work_tests.url
form_of = work_tests.form_of
inline_data = work_tests.inline_data


@pytest.fixture(autouse=True)
def frozen_clock():
    moment = datetime.datetime.combine(TODAY, datetime.time(12), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


def a_member(serial, **kwargs):
    return MemberFactory(id_number=id_number(serial, birth=BIRTH), **kwargs)


# --- 1. administrators see unit records ----------------------------------------------------


def test_an_administrator_sees_every_training_joint_meeting_and_unit_grade(client, work):
    units = work.units
    sessions = {
        work_tests.make_training(units["education"], [work.members["m_school"]]),
        work_tests.make_training(units["qinhuai_two_new"], title="秦淮区党务培训"),
    }
    meetings = {
        work_tests.make_meeting(units["organization_dept"], [units["xuanwu_two_new"]]),
        work_tests.make_meeting(units["qinhuai_two_new"], title="秦淮区联席会议"),
    }
    grades = {
        unit_tests.assessment_of(units["xuanwu_registration"], units["city_two_new"]),
        unit_tests.assessment_of(units["education"], None),  # given by an administrator
    }
    everything = Scope(ScopeKind.ALL)
    assert set(TrainingSession.objects.for_scope(everything)) == sessions
    assert set(JointMeeting.objects.for_scope(everything)) == meetings
    assert set(UnitAssessment.objects.for_scope(everything)) == grades
    client.force_login(work.users["admin"])
    for model, records in (
        (TrainingSession, sessions),
        (JointMeeting, meetings),
        (UnitAssessment, grades),
    ):
        assert set(work_tests.listed(client, model)) == records, model
        for record in records:
            response = client.get(url(model, "change", record.pk))
            assert response.status_code == 200, (model, record)
            assert response.context["has_change_permission"] is True


# --- 2. imports: scope before validation -------------------------------------------------


def row_errors(report, row):
    return [error for error in report.errors if error.row == row]


def not_found(name, row=2):
    return RowError(row, "党组织", f"未找到“{name}”")


@pytest.mark.parametrize(
    ("role", "outside", "inside"),
    [
        ("qinhuai_two_new", SCHOOL, QINHUAI),
        ("secretary", LAW, SCHOOL),
        ("xuanwu_two_new", QINHUAI, LAW),
    ],
)
def test_an_activity_of_a_party_organization_outside_the_scope_before_its_founding_is_not_found(
    life, role, outside, inside
):
    # Both rows are dated the day before their Party organization's founding: the row
    # outside the scope says only "not found" (its founding date would tell that it
    # exists, and when it was founded); the row inside gets its own error.
    day = D(2022, 6, 30)
    rows = [
        imports_tests.activity_row(**{"党组织": outside, "活动日期": day, "参加党员": ""}),
        imports_tests.activity_row(
            **{"党组织": inside, "活动日期": day, "参加党员": "", "主题": "成立前的活动"}
        ),
    ]
    report = imports_tests.import_activities(rows, life.users[role])
    assert report.errors == [
        not_found(outside),
        RowError(3, "活动日期", f"活动日期不能早于党组织成立日期（{FOUNDED}）"),
    ]
    assert not any(FOUNDED in str(error) for error in row_errors(report, 2))
    assert imports_tests.nothing_written()


def test_an_activity_after_the_撤销_of_a_party_organization_outside_the_scope_is_not_found(life):
    qinhuai = life.party_orgs["qinhuai"]
    PartyOrganization.objects.filter(pk=qinhuai.pk).update(dissolved_on=D(2025, 1, 1))
    rows = [imports_tests.activity_row(**{"党组织": QINHUAI, "参加党员": ""})]  # 15 May 2025
    report = imports_tests.import_activities(rows, life.users["xuanwu_two_new"])
    assert report.errors == [not_found(QINHUAI)]  # not "党组织已于2025-01-01撤销"
    assert imports_tests.nothing_written()


ASSESSMENT_CASES = {
    # The suggestion for 秦淮区's Party organization in 2024 is 不合格 (nothing held, no
    # secretary): any other grade would ask for a reason naming the suggested grade.
    "grade-excellent": ({"考核等次": "优秀"}, None),
    "grade-pass": ({"考核等次": "合格"}, None),
    "grade-basic": ({"考核等次": "基本合格"}, None),
    "grade-fail": ({"考核等次": "不合格"}, None),
    # A year before its founding (2022) would name the founding year.
    "before-founding": ({"年度": 2021}, None),
    # A year after its 撤销 would name the day of the 撤销.
    "after-撤销": ({"年度": 2024}, D(2023, 6, 30)),
    "撤销-on-1-january": ({"年度": 2024, "考核等次": "合格"}, D(2024, 1, 1)),
}


@pytest.mark.parametrize(("cells", "dissolved_on"), ASSESSMENT_CASES.values(), ids=ASSESSMENT_CASES)
def test_an_assessment_outside_the_scope_is_not_found_whatever_its_grade_or_year(
    life, cells, dissolved_on
):
    if dissolved_on:
        PartyOrganization.objects.filter(pk=life.party_orgs["qinhuai"].pk).update(
            dissolved_on=dissolved_on
        )
    rows = [
        imports_tests.assessment_row(**{"党组织": QINHUAI, **cells}),
        # In scope, 合格 against the suggested 不合格 and no reason: its own error.
        imports_tests.assessment_row(**{"考核等次": "合格"}),
    ]
    report = imports_tests.import_assessments(rows, life.users["xuanwu_two_new"])
    assert report.errors == [
        not_found(QINHUAI),
        RowError(3, "调整理由", "考核等次（合格）与建议等次（不合格）不同，须填写调整理由"),
    ]
    assert not PartyOrgAssessment.objects.exists()


def test_an_assessment_outside_a_district_two_new_scope_is_not_found_for_either_district(life):
    rows = [imports_tests.assessment_row(**{"考核等次": "优秀", "年度": 2021})]
    report = imports_tests.import_assessments(rows, life.users["qinhuai_two_new"])
    assert report.errors == [not_found(SCHOOL)]
    assert not PartyOrgAssessment.objects.exists()


# --- 3. who may change point rules and unit records ---------------------------------------

RULE_CHANGE = "admin:assessments_pointrule_change"


@pytest.fixture
def theme_day_rule(db):
    return PointRule.objects.create(
        name="参加主题党日", basis=B.ATTENDANCE, activity_kind=K.THEME_DAY, points=Decimal("1"),
        yearly_cap=Decimal("12"), valid_from=2025,
    )  # fmt: skip


def test_a_district_two_new_committee_reads_point_rules_but_may_not_add_or_change_them(
    client, party_world, theme_day_rule
):
    client.force_login(party_world["users"]["xuanwu_two_new"])
    assert client.get(reverse(points_tests.RULE_ADD)).status_code == 403
    response = client.post(reverse(points_tests.RULE_ADD), points_tests.rule_data(name="区规则"))
    assert response.status_code == 403
    change = reverse(RULE_CHANGE, args=[theme_day_rule.pk])
    response = client.get(change)
    assert response.status_code == 200  # it reads the city's rules, read-only
    assert response.context["has_change_permission"] is False
    response = client.post(change, points_tests.rule_data(points="5"))
    assert response.status_code == 403
    theme_day_rule.refresh_from_db()
    assert theme_day_rule.points == Decimal("1")
    assert PointRule.objects.count() == 1


def test_the_city_two_new_committee_adds_and_changes_point_rules(
    client, party_world, theme_day_rule
):
    client.force_login(party_world["users"]["city_two_new"])
    assert client.get(reverse(points_tests.RULE_ADD)).status_code == 200
    change = reverse(RULE_CHANGE, args=[theme_day_rule.pk])
    assert client.get(change).context["has_change_permission"] is True
    response = client.post(change, points_tests.rule_data(points="5"))
    assert response.status_code == 302, form_of(response).errors
    theme_day_rule.refresh_from_db()
    assert theme_day_rule.points == Decimal("5.0")


def test_a_district_two_new_reads_but_cannot_change_a_grade_the_city_gave_a_unit_of_its_district(
    client, world
):
    units = world["units"]
    graded = unit_tests.assessment_of(units["xuanwu_culture"], units["city_two_new"])
    client.force_login(world["users"]["xuanwu_two_new"])
    response = client.get(unit_tests.change_url(graded))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False  # read-only
    response = client.post(
        unit_tests.change_url(graded), unit_tests.post_data(units["xuanwu_culture"], grade="fail")
    )
    assert response.status_code == 403
    graded.refresh_from_db()
    assert (graded.grade, graded.assessed_by) == ("pass", units["city_two_new"])
    # The city 两新工委, which gave the grade, changes it.
    client.force_login(world["users"]["city_two_new"])
    assert client.get(unit_tests.change_url(graded)).context["has_change_permission"] is True
    response = client.post(
        unit_tests.change_url(graded), unit_tests.post_data(units["xuanwu_culture"], grade="fail")
    )
    assert response.status_code == 302, form_of(response).errors
    graded.refresh_from_db()
    assert graded.grade == "fail"


def inline_permissions(response, prefix):
    (inline,) = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix]
    return (inline.has_add_permission, inline.has_change_permission, inline.has_delete_permission)


def test_a_participant_sees_a_joint_meeting_another_unit_convened_but_cannot_change_it(
    client, work
):
    units = work.units
    meeting = work_tests.make_meeting(units["organization_dept"], [units["xuanwu_two_new"]])
    open_item = meeting.decisions.get(done_on__isnull=True)
    client.force_login(work.users["xuanwu_two_new"])
    assert work_tests.listed(client, JointMeeting) == [meeting]
    response = client.get(url(JointMeeting, "change", meeting.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert inline_permissions(response, "decisions") == (False, False, False)
    data = work_tests.meeting_post(
        work,
        decisions=[],
        convened_by=units["organization_dept"].pk,
        participant_units=[units["xuanwu_two_new"].pk],
        held_on="2025-04-20",
        title="参会单位改的标题",
    )
    # Marking the open decision done, as the participant responsible might try.
    data.update(
        inline_data(
            "decisions",
            [{"id": open_item.pk, "content": open_item.content, "done_on": "2025-06-01"}],
            initial=1,
        )
    )
    response = client.post(url(JointMeeting, "change", meeting.pk), data)
    assert response.status_code == 403
    meeting.refresh_from_db()
    open_item.refresh_from_db()
    assert (meeting.title, open_item.done_on) == ("社会组织党建工作联席会议", None)
    # The convener changes the meeting and its decisions.
    client.force_login(work.users["organization_dept"])
    response = client.get(url(JointMeeting, "change", meeting.pk))
    assert response.context["has_change_permission"] is True
    assert inline_permissions(response, "decisions")[:2] == (True, True)
    response = client.post(url(JointMeeting, "change", meeting.pk), data)
    assert response.status_code == 302, work_tests.formset_errors(response, "decisions")
    meeting.refresh_from_db()
    open_item.refresh_from_db()
    assert (meeting.title, open_item.done_on) == ("参会单位改的标题", D(2025, 6, 1))


def test_a_two_new_committee_reads_a_supervising_units_training_but_cannot_change_it(client, work):
    units, m_school = work.units, work.members["m_school"]
    session = work_tests.make_training(units["education"], [m_school])
    (attendance,) = session.attendances.all()
    data = {
        name: value
        for name, value in work_tests.training_post(
            work, organizer=units["education"].pk, title="改过的培训班"
        ).items()
        if not name.startswith("attendances-")
    }
    data.update(
        inline_data(
            "attendances",
            [{"id": attendance.pk, "member": m_school.pk, "role": "party_worker"}],
            initial=1,
        )
    )  # fmt: skip
    client.force_login(work.users["city_two_new"])
    assert work_tests.listed(client, TrainingSession) == [session]
    response = client.get(url(TrainingSession, "change", session.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert inline_permissions(response, "attendances") == (False, False, False)
    response = client.post(url(TrainingSession, "change", session.pk), data)
    assert response.status_code == 403
    session.refresh_from_db()
    attendance.refresh_from_db()
    assert (session.title, attendance.role, attendance.completed) == (
        "党组织书记示范培训班",
        "secretary",
        True,
    )
    # The organizer changes its course and who attended.
    client.force_login(work.users["education"])
    response = client.get(url(TrainingSession, "change", session.pk))
    assert response.context["has_change_permission"] is True
    assert inline_permissions(response, "attendances") == (True, True, True)
    response = client.post(url(TrainingSession, "change", session.pk), data)
    assert response.status_code == 302, form_of(response).errors
    session.refresh_from_db()
    attendance.refresh_from_db()
    assert (session.title, attendance.role, attendance.completed) == (
        "改过的培训班",
        "party_worker",
        False,
    )


# --- 4. absence ---------------------------------------------------------------------------


def absences(party_org, rule, year=YEAR):
    """{member name: times absent under `rule`} of the ranking of `year`."""
    _in_force, standings = selectors.point_ranking(party_org, year)
    return {
        standing.member.name: next(
            (line.times for line in standing.lines if line.rule.key == rule.pk), 0
        )
        for standing in standings
    }


@pytest.fixture
def absence_rule(db):
    return PointRule.objects.create(
        name="缺席组织生活", basis=B.ABSENCE, points=Decimal("-1"), valid_from=2020
    )


def test_an_absence_rule_without_kind_does_not_count_committee_or_group_meetings(
    party_world, absence_rule
):
    school = party_world["party_orgs"]["school"]
    school.has_groups = True
    school.save(update_fields=["has_groups"])
    for kind, day in [
        (K.COMMITTEE_MEETING, D(2024, 2, 5)),
        (K.GROUP_MEETING, D(2024, 2, 6)),
        (K.COMMITTEE_MEETING, D(2024, 3, 5)),
        (K.GROUP_MEETING, D(2024, 3, 6)),
        (K.THEME_DAY, D(2024, 2, 7)),  # every member attends it
    ]:
        ActivityFactory(party_org=school, kind=kind, held_on=day, attendees=[])
    # Neither member attended anything: only the 主题党日 is an absence.
    assert absences(school, absence_rule) == {"王启明": 1, "周外出": 1}


def received(member, received_on, to_party_org, from_party_org=None, from_outside=""):
    """A transfer of `member`'s relationship, received on `received_on`."""
    issued_on = received_on - datetime.timedelta(days=10)
    return Transfer.objects.create(
        member=member,
        direction=Transfer.Direction.WITHIN if from_party_org else Transfer.Direction.IN,
        from_party_org=from_party_org, from_outside=from_outside, to_party_org=to_party_org,
        letter_number=f"转{received_on:%Y%m%d}", issued_on=issued_on,
        valid_until=issued_on + datetime.timedelta(days=30), status=Transfer.Status.RECEIVED,
        received_on=received_on,
    )  # fmt: skip


def test_a_member_transferred_in_is_absent_only_from_meetings_after_the_transfer_was_received(
    party_world, absence_rule
):
    school, law = party_world["party_orgs"]["school"], party_world["party_orgs"]["law"]
    workplace = party_world["orgs"]["school"]
    # 新转入 was the school's until 2020, then the law firm's, and came back on 1 June
    # 2024: only his latest arrival counts.
    back = a_member(1, name="新转入", workplace=workplace, party_org=school)
    received(back, D(2019, 6, 1), school, from_party_org=law)
    received(back, D(2020, 6, 1), law, from_party_org=school)
    received(back, D(2024, 6, 1), school, from_party_org=law)
    # 外省转入 came from outside the system on 1 April 2024.
    from_afar = a_member(2, name="外省转入", workplace=workplace, party_org=school)
    received(from_afar, D(2024, 4, 1), school, from_outside="上海市某社会组织党支部")
    # A letter still in transit says nothing about when 在途中 came.
    in_transit = a_member(3, name="在途中", workplace=workplace, party_org=school)
    Transfer.objects.create(
        member=in_transit, direction=Transfer.Direction.WITHIN, from_party_org=law,
        to_party_org=school, letter_number="在途", issued_on=D(2024, 8, 1),
        valid_until=D(2024, 8, 31),
    )  # fmt: skip
    for day in (D(2024, 3, 10), D(2024, 5, 31), D(2024, 9, 10)):
        ActivityFactory(party_org=school, kind=K.GENERAL_MEETING, held_on=day, attendees=[])
    # 王启明 and 周外出 were there all year: absent from all three.
    assert absences(school, absence_rule) == {
        "新转入": 1,  # September
        "外省转入": 2,  # May and September
        "在途中": 3,
        "王启明": 3,
        "周外出": 3,
    }


ABSENCE_ONLY_FOR_EVERY_MEMBER = (
    "缺席扣分只适用于全体党员都应参加的组织生活（支部党员大会、党课、主题党日、组织生活会、"
    "民主评议党员）"
)


@pytest.mark.parametrize("kind", [K.COMMITTEE_MEETING, K.GROUP_MEETING])
def test_an_absence_rule_of_the_committee_or_group_meeting_is_refused(kind):
    rule = points_tests.point_rule(basis=B.ABSENCE, activity_kind=kind, points=Decimal("-1"))
    assert points_tests.errors_of(rule) == {"activity_kind": [ABSENCE_ONLY_FOR_EVERY_MEMBER]}


@pytest.mark.parametrize(
    "kind",
    [K.GENERAL_MEETING, K.PARTY_LECTURE, K.THEME_DAY, K.LIFE_MEETING, K.MEMBER_REVIEW],
)
def test_an_absence_rule_of_what_every_member_attends_is_accepted(kind):
    points_tests.point_rule(basis=B.ABSENCE, activity_kind=kind, points=Decimal("-1")).full_clean()


# --- 5. no grade after the 撤销 -----------------------------------------------------------


def graded_as_suggested(party_org, year=YEAR):
    """An assessment of `year` with the grade its facts suggest (so only the year can be
    refused)."""
    suggested = selectors.suggestion(party_org, year, TODAY)
    return PartyOrgAssessment(
        party_org=party_org, year=year, grade=suggested.grade, assessed_on=D(2025, 1, 15)
    )


@pytest.mark.parametrize(
    ("dissolved_on", "refused"),
    [
        (D(2023, 6, 30), True),
        (D(2023, 12, 31), True),
        (D(2024, 1, 1), True),  # it did not exist in 2024
        (D(2024, 1, 2), False),  # it existed on 1 January 2024
        (D(2024, 12, 31), False),
    ],
)
def test_no_assessment_for_a_year_after_the_party_organizations_撤销(db, dissolved_on, refused):
    party_org = PartyOrganizationFactory(name="已撤销党支部", dissolved_on=dissolved_on)
    assessment = graded_as_suggested(party_org)
    if not refused:
        assessment.full_clean()
        return
    with pytest.raises(ValidationError) as raised:
        assessment.full_clean()
    assert raised.value.message_dict == {
        "year": [f"党组织已于{dissolved_on.isoformat()}撤销，不能考核此后的年度"]
    }


def test_a_year_before_the_撤销_is_still_assessed(db):
    party_org = PartyOrganizationFactory(name="已撤销党支部", dissolved_on=D(2024, 1, 1))
    graded_as_suggested(party_org, 2023).full_clean()


# --- 6. the full-member cap is a branch's --------------------------------------------------

P = PartyOrganization.Kind


@pytest.fixture
def small_party_orgs(party_world):
    """A 党委, a 党总支 and a 党支部, each holding one full member and one probationary
    member itself, with a secretary in post and every required activity of 2024."""
    made = {}
    for n, kind in enumerate((P.COMMITTEE, P.GENERAL_BRANCH, P.BRANCH)):
        party_org = PartyOrganizationFactory(name=f"小{kind}", kind=kind)
        full = a_member(10 + n, party_org=party_org)
        a_member(
            20 + n, party_org=party_org, category=Member.Category.PROBATIONARY,
            joined_on=D(2024, 9, 1), full_member_on=None,
        )  # fmt: skip
        PostFactory(member=full, party_org=party_org)
        unit_tests.full_year(party_org, YEAR)
        made[kind] = party_org
    return made


def test_a_committee_or_general_branch_is_not_capped_by_the_full_members_it_holds_itself(
    small_party_orgs,
):
    for kind, party_org in small_party_orgs.items():
        facts = selectors.suggestion_facts(party_org, YEAR, TODAY)
        expected = 1 if kind == P.BRANCH else None
        assert facts.full_members == expected, kind
        assert (facts.required, facts.missed, facts.has_secretary) == (22, 0, True), kind
    many = selectors.suggestion_facts_many(
        [(party_org.pk, YEAR) for party_org in small_party_orgs.values()], TODAY
    )
    for kind, party_org in small_party_orgs.items():
        assert many[(party_org.pk, YEAR)].full_members == (1 if kind == P.BRANCH else None)


def test_a_branch_with_one_full_member_is_at_most_basic_and_a_committee_is_excellent(
    small_party_orgs,
):
    grades = {
        kind: selectors.suggestion(party_org, YEAR, TODAY, "good", "good")
        for kind, party_org in small_party_orgs.items()
    }
    assert grades[P.COMMITTEE].grade == Grade.EXCELLENT
    assert grades[P.GENERAL_BRANCH].grade == Grade.EXCELLENT
    assert grades[P.BRANCH].grade == Grade.BASIC
    assert "正式党员1名，不足3名" in grades[P.BRANCH].reasons
    assert not any("正式党员" in reason for reason in grades[P.GENERAL_BRANCH].reasons)


# --- 7. an attachment's file goes with its activity ---------------------------------------


@pytest.fixture
def attached(party_world, media):
    """Two activities of the school, the first with two stored attachments, the second
    with one."""
    school = party_world["party_orgs"]["school"]
    first = ActivityFactory(party_org=school, held_on=D(2025, 4, 10), topic="四月党员大会")
    second = ActivityFactory(party_org=school, held_on=D(2025, 5, 10), topic="五月党员大会")
    files = {
        "first": [
            work_tests.make_attachment(first),
            work_tests.make_attachment(first, "照片"),
        ],
        "second": [work_tests.make_attachment(second)],
    }
    paths = {key: [media / a.file.name for a in items] for key, items in files.items()}
    assert all(path.is_file() for items in paths.values() for path in items)
    return first, second, paths


def test_deleting_an_activity_removes_its_attachments_files_once_it_commits(
    attached, django_capture_on_commit_callbacks
):
    first, second, paths = attached
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            first.delete()
        # Still there until the deletion commits.
        assert all(path.is_file() for path in paths["first"])
    assert callbacks
    assert list(ActivityAttachment.objects.values_list("activity", flat=True)) == [second.pk]
    assert not any(path.exists() for path in paths["first"])
    assert all(path.is_file() for path in paths["second"])  # another activity's stay


def test_a_deletion_rolled_back_keeps_the_files(attached, django_capture_on_commit_callbacks):
    first, _second, paths = attached
    pk = first.pk
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            first.delete()
            raise RuntimeError("rolled back")
    assert callbacks == []
    assert ActivityAttachment.objects.filter(activity_id=pk).count() == 2
    assert all(path.is_file() for path in paths["first"])


def test_an_administrator_deleting_an_activity_in_the_admin_removes_its_files(
    client, party_world, attached, django_capture_on_commit_callbacks
):
    first, _second, paths = attached
    client.force_login(party_world["users"]["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(Activity, "delete", first.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=first.pk).exists()
    assert not any(path.exists() for path in paths["first"])
    assert all(path.is_file() for path in paths["second"])


# --- 8. count_gaps and months_held ---------------------------------------------------------


def expected_count(party_orgs, year, today):
    judged, found = selectors.year_gaps(party_orgs, year, today)
    return judged, len(found)


MOMENTS = [
    (2023, TODAY),
    (2024, D(2024, 1, 1)),
    (2024, D(2024, 3, 1)),
    (2024, D(2024, 7, 1)),
    (2024, D(2024, 12, 31)),
    (2024, D(2025, 1, 1)),
    (2024, TODAY),
    (2025, D(2025, 4, 1)),
    (2025, TODAY),
    (2026, TODAY),  # a future year: nothing over, nothing missed
]


def test_count_gaps_counts_what_year_gaps_finds(city_2024):
    orgs, expected = city_2024
    everything = PartyOrganization.objects.all()
    # Not F (dissolved in 2023) nor G (founded in 2025).
    assert selectors.count_gaps(everything, 2024, TODAY) == (len(orgs) - 2, len(expected))
    # Besides the named cases (month ends and starts, committees formed and ended, one
    # founded and one dissolved mid-year, one dissolved the year before, one founded the
    # year after): random ones around 2023–2025.
    gaps_tests.random_party_orgs(random.Random(815), 14, "随机")
    for year, today in MOMENTS:
        assert selectors.count_gaps(everything, year, today) == expected_count(
            everything, year, today
        ), (year, today)
    named = [orgs["A"].pk, orgs["E"].pk, orgs["F"].pk]
    some = PartyOrganization.objects.filter(Q(name__startswith="随机") | Q(pk__in=named))
    for year, today in MOMENTS:
        assert selectors.count_gaps(some, year, today) == expected_count(some, year, today)
    none = PartyOrganization.objects.none()
    assert selectors.count_gaps(none, 2024, TODAY) == (0, 0)


def test_count_gaps_needs_the_same_few_queries_for_2_and_10_party_organizations(db):
    rng = random.Random(3)
    gaps_tests.random_party_orgs(rng, 2, "少")

    def queries():
        with CaptureQueriesContext(connection) as context:
            selectors.count_gaps(PartyOrganization.objects.all(), 2024, TODAY)
        return len(context)

    small = queries()
    gaps_tests.random_party_orgs(rng, 8, "多")
    assert queries() == small <= 3


def last_day(year, month):
    return gaps_tests.last_day(year, month)


def test_months_held_sets_the_bit_of_the_month_for_its_first_and_last_days(db):
    first_days, last_days, both_ends = (
        gaps_tests.branch(name) for name in ("每月一日", "每月末日", "月末月初")
    )
    bit = rules.month_bit
    for month in range(1, 13):
        gaps_tests.hold(first_days, K.THEME_DAY, D(2024, month, 1))
        gaps_tests.hold(last_days, K.THEME_DAY, last_day(2024, month))  # 29 February too
    # One activity kind only in odd months (on their last day), another only in even
    # months (on their first day).
    for month in range(1, 13, 2):
        gaps_tests.hold(both_ends, K.GENERAL_MEETING, last_day(2024, month))
        gaps_tests.hold(both_ends, K.PARTY_LECTURE, D(2024, month + 1, 1))
    # The edges of the year belong to the years around it.
    for party_org in (first_days, last_days, both_ends):
        gaps_tests.hold(party_org, K.LIFE_MEETING, D(2023, 12, 31), D(2025, 1, 1))
    every_month = sum(bit(m) for m in range(1, 13))
    assert every_month == 0b111111111111
    held = selectors.months_held(
        [first_days.pk, last_days.pk, both_ends.pk], 2024, gaps_tests.REQUIRED
    )
    assert held == {
        first_days.pk: {K.THEME_DAY: every_month},
        last_days.pk: {K.THEME_DAY: every_month},
        both_ends.pk: {
            K.GENERAL_MEETING: sum(bit(m) for m in range(1, 13, 2)),
            K.PARTY_LECTURE: sum(bit(m) for m in range(2, 13, 2)),
        },
    }
    assert selectors.months_held([first_days.pk], 2023, [K.LIFE_MEETING]) == {
        first_days.pk: {K.LIFE_MEETING: bit(12)}
    }
    assert selectors.months_held([both_ends.pk], 2025, [K.LIFE_MEETING]) == {
        both_ends.pk: {K.LIFE_MEETING: bit(1)}
    }
    # And the gaps read them so: the Party organization meeting on month ends owes no
    # 主题党日; the one meeting quarterly only on month ends and starts owes no quarter.
    for party_org in (first_days, last_days, both_ends):
        missed = rules.missed_periods(
            year=2024, today=TODAY, months_held=held[party_org.pk], has_committee=False,
            has_groups=False, founded_on=party_org.founded_on, dissolved_on=None,
        )  # fmt: skip
        kinds = {check.requirement.kind for check in missed}
        assert K.THEME_DAY not in kinds or party_org is both_ends
        if party_org is both_ends:
            assert not kinds & {K.GENERAL_MEETING, K.PARTY_LECTURE}
