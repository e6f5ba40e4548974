"""Annual assessments of Party organizations and 民主评议党员 (issue 6 items 3 and 4; domain.md
§3 "Activities", §五): the suggestion worked out from the database (selectors.suggestion),
the admin form that stores it and asks for a reason to depart from it, who may assess
and review, scope denial, and the query count of the lists.

The world is tests/members/fixtures_admin.party_world: 启明培训学校党支部 ("school", founded
1 July 2022, no committee, no party groups) covers 玄武区启明培训学校; its secretary's
account is users["secretary"]; 王启明 ("m_school") is its member. For a Party organization
without a committee or groups a full year requires 22 activities: 12 主题党日, 4 支部党员大会,
4 党课, 1 组织生活会 and 1 民主评议党员. The clock is frozen on 10 March 2025 (Asia/Shanghai).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import selectors
from assessments.models import Activity, Grade, MemberReview, PartyOrgAssessment
from assessments.rules import BASIC, EXCELLENT, FAIL, GOOD, PASS
from members.models import Member, Post
from orgs.models import PartyOrganization, Unit
from tests import factories
from tests.factories import ActivityFactory, MemberReviewFactory, PartyOrgAssessmentFactory
from tests.members import fixtures_admin
from tests.members.fixtures_admin import (
    MemberFactory,
    PartyOrganizationFactory,
    PostFactory,
    id_number,
)

party_world = fixtures_admin.party_world

D = datetime.date
TODAY = D(2025, 3, 10)
FOUNDED = D(2022, 7, 1)  # the world's Party organizations and their first posts
MAX_QUERIES = 12
# Birth day of this module's members: no other fixture's ID numbers use it.
BIRTH = "19870909"

K = Activity.Kind
QUARTER_MONTHS = (2, 5, 8, 11)  # a month inside each quarter
FULL_YEAR = 22  # required activities of a year without committee or groups

ASSESSMENT_ADD = "admin:assessments_partyorgassessment_add"
ASSESSMENT_LIST = "admin:assessments_partyorgassessment_changelist"
REVIEW_ADD = "admin:assessments_memberreview_add"
REVIEW_LIST = "admin:assessments_memberreview_changelist"


@pytest.fixture(autouse=True)
def frozen_clock():
    moment = datetime.datetime.combine(TODAY, datetime.time(10), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture(autouse=True)
def three_full_members(party_world):
    """A third full member held by the school's Party organization: with fewer a branch's
    suggestion is capped at 基本合格 (test_too_few_full_members_cap_the_suggestion)."""
    return MemberFactory(
        name="第三党员",
        id_number=id_number(7, birth=BIRTH),
        workplace=party_world["orgs"]["school"],
        party_org=party_world["party_orgs"]["school"],
    )


def hold_year(party_org, year=2024, *, skip=(), months=range(1, 13)):
    """The required activities of `year` (no committee, no groups), each on its own day;
    `skip` lists (kind, month) not held; only `months` are held."""
    planned = [(K.THEME_DAY, D(year, month, 15)) for month in range(1, 13)]
    planned += [(K.GENERAL_MEETING, D(year, month, 20)) for month in QUARTER_MONTHS]
    planned += [(K.PARTY_LECTURE, D(year, month, 25)) for month in QUARTER_MONTHS]
    planned += [(K.LIFE_MEETING, D(year, 12, 10)), (K.MEMBER_REVIEW, D(year, 12, 20))]
    for kind, day in planned:
        if (kind, day.month) in skip or day.month not in months:
            continue
        ActivityFactory(party_org=party_org, kind=kind, held_on=day)


def counted(required, missed):
    return f"应开展组织生活{required}项，缺失{missed}项"


def secretary_post(world, **kwargs):
    kwargs.setdefault("started_on", FOUNDED)
    return PostFactory(
        member=world["members"]["m_school"], party_org=world["party_orgs"]["school"], **kwargs
    )


def committee_member(world, started_on=FOUNDED, **kwargs):
    """A deputy secretary of the school's Party organization: it has a committee."""
    deputy = MemberFactory(
        name="副书记甲",
        id_number=id_number(1, birth=BIRTH),
        workplace=world["orgs"]["school"],
        party_org=world["party_orgs"]["school"],
    )
    return PostFactory(
        member=deputy, kind=Post.Kind.DEPUTY_SECRETARY, started_on=started_on, **kwargs
    )


def suggest(world, year=2024, today=TODAY, higher=GOOD, members=GOOD):
    return selectors.suggestion(world["party_orgs"]["school"], year, today, higher, members)


# =========================================================================================
# selectors.suggestion: the year's facts from the database
# =========================================================================================


def test_a_past_year_held_in_full_with_a_secretary_and_both_evaluations_good_is_excellent(
    party_world,
):
    secretary_post(party_world)
    hold_year(party_world["party_orgs"]["school"])
    result = suggest(party_world)
    assert result.grade == EXCELLENT
    assert result.reasons == (counted(FULL_YEAR, 0), "组织生活无缺失，双述双评均为好")


def test_every_theme_day_held_but_one_quarters_general_meeting_missing_is_a_pass(party_world):
    secretary_post(party_world)
    hold_year(party_world["party_orgs"]["school"], skip={(K.GENERAL_MEETING, 8)})
    result = suggest(party_world)
    assert result.grade == PASS  # one gap: not 优秀, however good the evaluations
    assert result.reasons == (counted(FULL_YEAR, 1),)


def test_too_few_full_members_cap_the_suggestion(party_world, three_full_members):
    secretary_post(party_world)
    hold_year(party_world["party_orgs"]["school"])
    three_full_members.status = Member.Status.TRANSFERRED_OUT
    three_full_members.save()
    result = suggest(party_world)
    assert result.grade == BASIC
    assert result.reasons == (
        counted(FULL_YEAR, 0),
        "组织生活无缺失，双述双评均为好",
        "正式党员2名，不足3名",
    )


def test_an_overdue_term_keeps_a_full_year_from_excellent(party_world):
    secretary_post(party_world)
    school = party_world["party_orgs"]["school"]
    hold_year(school)
    # 换届 of a branch is due 3 years after its term began: before the end of 2024.
    school.term_started_on = D(2021, 12, 1)
    school.save()
    result = suggest(party_world)
    assert result.grade == PASS
    assert result.reasons == (
        counted(FULL_YEAR, 0),
        "组织生活无缺失，双述双评均为好",
        "应换届未换届",
    )


def test_evaluations_other_than_good_make_a_full_year_a_pass(party_world):
    secretary_post(party_world)
    hold_year(party_world["party_orgs"]["school"])
    assert suggest(party_world, higher=GOOD, members="fairly_good").grade == PASS
    assert suggest(party_world, higher="", members="").grade == PASS


def test_a_quarter_of_the_year_missing_is_basic_and_more_than_half_is_fail(party_world):
    secretary_post(party_world)
    school = party_world["party_orgs"]["school"]
    # Jan–Sep held: Oct–Dec 主题党日, Q4 支部党员大会 and 党课, 组织生活会, 民主评议党员 missing.
    hold_year(school, months=range(1, 10))
    result = suggest(party_world)
    assert result.reasons == (counted(FULL_YEAR, 7), "缺失超过20%")
    assert result.grade == BASIC  # 7 of 22 = 32%
    Activity.objects.filter(party_org=school, held_on__month__gte=4).delete()
    result = suggest(party_world)
    assert result.reasons == (counted(FULL_YEAR, 17), "缺失超过50%")
    assert result.grade == FAIL  # 17 of 22 = 77%


def test_a_committee_makes_the_monthly_committee_meeting_required(party_world):
    secretary_post(party_world)
    committee_member(party_world)
    hold_year(party_world["party_orgs"]["school"])
    result = suggest(party_world)
    assert result.reasons[0] == counted(FULL_YEAR + 12, 12)
    assert result.grade == BASIC  # 12 of 34 = 35%


def test_party_groups_make_the_monthly_group_meeting_required(party_world):
    secretary_post(party_world)
    school = party_world["party_orgs"]["school"]
    school.has_groups = True
    school.save()
    hold_year(school)
    for month in range(1, 13):
        ActivityFactory(party_org=school, kind=K.GROUP_MEETING, held_on=D(2024, month, 5))
    assert suggest(party_world).reasons[0] == counted(FULL_YEAR + 12, 0)
    Activity.objects.filter(kind=K.GROUP_MEETING, held_on__month__in=(1, 2, 3)).delete()
    assert suggest(party_world).reasons[0] == counted(FULL_YEAR + 12, 3)


def test_a_past_year_is_judged_in_full_as_of_1_january_after_it(party_world):
    secretary_post(party_world)
    hold_year(party_world["party_orgs"]["school"], skip={(K.THEME_DAY, 12)})
    # Assessed any time after the year: December is over, its 主题党日 missed.
    for today in (D(2025, 1, 1), D(2025, 3, 10), D(2026, 6, 1)):
        result = suggest(party_world, today=today)
        assert result.reasons[0] == counted(FULL_YEAR, 1), today
        assert result.grade == PASS
    # On 31 December itself December is still due: not yet required, not yet missed.
    result = suggest(party_world, today=D(2024, 12, 31))
    assert result.reasons[0] == counted(FULL_YEAR - 1, 0)
    assert result.grade == EXCELLENT


def test_the_current_year_is_judged_on_the_periods_over_so_far(party_world):
    secretary_post(party_world)
    school = party_world["party_orgs"]["school"]
    # Held: 主题党日 on 15 January and 15 February, Q1's 支部党员大会 (20 Feb) and 党课 (25 Feb).
    hold_year(school, year=2025, months=range(1, 3))
    # On 10 March: held requirements count, March's 主题党日 is still due (not counted).
    result = suggest(party_world, year=2025)
    assert result.reasons == (counted(4, 0), "组织生活无缺失，双述双评均为好")
    assert result.grade == EXCELLENT
    # On 10 May: March's and April's 主题党日 are over and missed; May and Q2 are due.
    result = suggest(party_world, year=2025, today=D(2025, 5, 10))
    assert result.reasons[0] == counted(6, 2)
    assert result.grade == BASIC  # 2 of 6 = 33%


def test_a_party_organization_founded_during_the_year_owes_only_the_periods_after(
    party_world,
):
    world = party_world
    young = PartyOrganizationFactory(
        name="启明培训学校新建党支部", founded_on=D(2024, 5, 10), covers=[world["orgs"]["school"]]
    )
    member, *_others = (
        MemberFactory(
            id_number=id_number(serial, birth=BIRTH),
            workplace=world["orgs"]["school"],
            party_org=young,
        )
        for serial in (3, 4, 5)  # three full members: a branch at full strength
    )
    PostFactory(member=member, party_org=young, started_on=D(2024, 5, 10))
    hold_year(young, months=range(6, 13))
    result = selectors.suggestion(young, 2024, TODAY, GOOD, GOOD)
    # June–December 主题党日 (7), Q3 and Q4 支部党员大会 and 党课 (4); no yearly requirement,
    # since the Party organization did not exist for all of the year.
    assert result.reasons[0] == counted(11, 0)
    assert result.grade == EXCELLENT


def test_only_the_party_organizations_own_activities_of_that_year_count(party_world):
    secretary_post(party_world)
    world = party_world
    hold_year(world["party_orgs"]["school"], year=2023)
    hold_year(world["party_orgs"]["law"])
    hold_year(world["party_orgs"]["school_branch"])
    for month in range(1, 13):  # service activities are no 组织生活 requirement
        ActivityFactory(
            party_org=world["party_orgs"]["school"], kind=K.VOLUNTEER, held_on=D(2024, month, 3)
        )
    result = suggest(party_world)
    assert result.reasons[0] == counted(FULL_YEAR, FULL_YEAR)
    assert result.grade == FAIL


def test_a_secretary_who_left_on_31_december_was_not_in_post_at_the_years_end(party_world):
    secretary_post(party_world, ended_on=D(2024, 12, 31))
    hold_year(party_world["party_orgs"]["school"])
    result = suggest(party_world)
    assert result.grade == BASIC
    assert result.reasons[-1] == "年末未配备书记"


def test_a_secretary_who_left_after_the_year_was_in_post_at_its_end(party_world):
    secretary_post(party_world, ended_on=D(2025, 1, 15))
    hold_year(party_world["party_orgs"]["school"])
    assert suggest(party_world).grade == EXCELLENT


def test_without_any_secretary_a_full_year_is_at_most_basic(party_world):
    hold_year(party_world["party_orgs"]["school"])
    result = suggest(party_world)
    assert result.grade == BASIC
    assert result.reasons == (counted(FULL_YEAR, 0), "年末未配备书记")


def test_for_the_current_year_the_secretary_in_post_today_counts(party_world):
    secretary_post(party_world, ended_on=D(2025, 3, 1))
    hold_year(party_world["party_orgs"]["school"], year=2025, months=range(1, 3))
    # In post on 31 December 2024 but no longer today (10 March 2025).
    assert suggest(party_world, year=2025).grade == BASIC
    assert suggest(party_world, year=2024).reasons[-1] != "年末未配备书记"


def test_a_secretary_appointed_after_the_year_was_not_in_post_at_its_end(party_world):
    """The previous secretary left in June 2024; the next one took office in February
    2025. On 31 December 2024 nobody was in post: the 2024 grade is at most 基本合格."""
    secretary_post(party_world, started_on=D(2022, 7, 1), ended_on=D(2024, 6, 30))
    successor = MemberFactory(
        name="新书记",
        id_number=id_number(5, birth=BIRTH),
        workplace=party_world["orgs"]["school"],
        party_org=party_world["party_orgs"]["school"],
    )
    PostFactory(member=successor, started_on=D(2025, 2, 1))
    hold_year(party_world["party_orgs"]["school"])
    result = suggest(party_world)
    assert result.reasons[-1] == "年末未配备书记"
    assert result.grade == BASIC


def test_a_committee_formed_after_the_year_does_not_owe_committee_meetings_for_it(
    party_world,
):
    """A deputy secretary appointed in February 2025: in 2024 the Party organization had
    no committee, so no 支委会 was required of it."""
    secretary_post(party_world)
    committee_member(party_world, started_on=D(2025, 2, 1))
    hold_year(party_world["party_orgs"]["school"])
    result = suggest(party_world)
    assert result.reasons[0] == counted(FULL_YEAR, 0)
    assert result.grade == EXCELLENT


# =========================================================================================
# The admin: assessing a Party organization
# =========================================================================================


@pytest.fixture
def assessing(party_world):
    """party_world with the school's secretary in post and its 2024 held in full, and a
    秦淮区 两新工委 (whose district holds none of the school's orgs)."""
    secretary_post(party_world)
    hold_year(party_world["party_orgs"]["school"])
    qinhuai_two_new = factories.UnitFactory(
        name="中共南京市秦淮区委两新工委",
        kind=Unit.Kind.TWO_NEW,
        level=Unit.Level.DISTRICT,
        region=party_world["districts"][1],
    )
    party_world["units"]["qinhuai_two_new"] = qinhuai_two_new
    party_world["users"]["qinhuai_two_new"] = factories.UserFactory(
        username="qinhuai_two_new", unit=qinhuai_two_new
    )
    return party_world


def assessment_data(party_org, **overrides):
    data = {
        "party_org": party_org.pk,
        "year": 2024,
        "report_to_higher": "一年来，支部认真落实三会一课制度……",
        "higher_evaluation": GOOD,
        "report_to_members": "向全体党员报告支部工作……",
        "members_evaluation": GOOD,
        "grade": EXCELLENT,
        "override_reason": "",
        "assessed_on": "2025-02-20",
    }
    data.update(overrides)
    return data


def form_errors(response):
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


def test_a_district_two_new_officer_assesses_a_party_organization(client, assessing):
    world = assessing
    school = world["party_orgs"]["school"]
    client.force_login(world["users"]["xuanwu_two_new"])
    page = client.get(reverse(ASSESSMENT_ADD))
    assert page.status_code == 200
    assert "保存时按该年度组织生活、书记配备、正式党员人数和换届情况计算" in page.content.decode()

    response = client.post(reverse(ASSESSMENT_ADD), assessment_data(school))
    assert response.status_code == 302, form_errors(response)
    assessment = PartyOrgAssessment.objects.get(party_org=school, year=2024)
    assert assessment.suggested_grade == Grade.EXCELLENT
    assert (
        assessment.suggestion_reasons == f"{counted(FULL_YEAR, 0)}；组织生活无缺失，双述双评均为好"
    )
    assert assessment.grade == Grade.EXCELLENT
    assert assessment.override_reason == ""
    assert assessment.assessed_by == world["units"]["xuanwu_two_new"]
    assert assessment.passed

    # The change page shows the stored suggestion and its reasons.
    change = client.get(
        reverse("admin:assessments_partyorgassessment_change", args=[assessment.pk])
    )
    assert (
        f"优秀（{counted(FULL_YEAR, 0)}；组织生活无缺失，双述双评均为好）"
        in change.content.decode()
    )


def test_the_suggestion_follows_the_evaluations_posted(client, assessing):
    school = assessing["party_orgs"]["school"]
    client.force_login(assessing["users"]["xuanwu_two_new"])
    response = client.post(
        reverse(ASSESSMENT_ADD),
        assessment_data(school, members_evaluation="fairly_good", grade=PASS),
    )
    assert response.status_code == 302, form_errors(response)
    assessment = PartyOrgAssessment.objects.get(party_org=school)
    assert (assessment.suggested_grade, assessment.grade) == (Grade.PASS, Grade.PASS)
    assert assessment.suggestion_reasons == counted(FULL_YEAR, 0)


def test_a_grade_other_than_the_suggestion_needs_a_reason(client, assessing):
    school = assessing["party_orgs"]["school"]
    client.force_login(assessing["users"]["xuanwu_two_new"])
    url = reverse(ASSESSMENT_ADD)

    errors = form_errors(client.post(url, assessment_data(school, grade=PASS)))
    assert errors["override_reason"] == ["考核等次（合格）与建议等次（优秀）不同，须填写调整理由"]
    assert set(errors) == {"override_reason"}
    # Blank space is no reason.
    errors = form_errors(
        client.post(url, assessment_data(school, grade=PASS, override_reason="  "))
    )
    assert "override_reason" in errors
    assert not PartyOrgAssessment.objects.exists()

    reason = "年内发生党员违纪问题，降为合格"
    response = client.post(url, assessment_data(school, grade=PASS, override_reason=reason))
    assert response.status_code == 302, form_errors(response)
    assessment = PartyOrgAssessment.objects.get(party_org=school)
    assert assessment.grade == Grade.PASS
    assert assessment.suggested_grade == Grade.EXCELLENT
    assert assessment.override_reason == reason
    assert assessment.assessed_by == assessing["units"]["xuanwu_two_new"]


def test_a_second_assessment_of_the_same_party_organization_and_year_is_refused(client, assessing):
    school = assessing["party_orgs"]["school"]
    client.force_login(assessing["users"]["xuanwu_two_new"])
    url = reverse(ASSESSMENT_ADD)
    assert client.post(url, assessment_data(school)).status_code == 302

    errors = form_errors(client.post(url, assessment_data(school, assessed_on="2025-03-01")))
    assert errors["__all__"] == ["该党组织该年度已有考核结果"]
    assert PartyOrgAssessment.objects.filter(party_org=school, year=2024).count() == 1
    # Another year of the same Party organization is a new assessment.
    hold_year(school, year=2023)
    response = client.post(url, assessment_data(school, year=2023, assessed_on="2024-02-01"))
    assert response.status_code == 302, form_errors(response)


def test_changing_an_assessment_recomputes_the_suggestion_and_keeps_the_assessor(client, assessing):
    world = assessing
    school = world["party_orgs"]["school"]
    client.force_login(world["users"]["xuanwu_two_new"])
    assert client.post(reverse(ASSESSMENT_ADD), assessment_data(school)).status_code == 302
    assessment = PartyOrgAssessment.objects.get()
    # A 支部党员大会 recorded by mistake is removed: the year now has a gap.
    Activity.objects.filter(party_org=school, kind=K.GENERAL_MEETING, held_on__month=8).delete()

    client.force_login(world["users"]["city_two_new"])
    url = reverse("admin:assessments_partyorgassessment_change", args=[assessment.pk])
    errors = form_errors(client.post(url, assessment_data(school)))
    assert errors["override_reason"] == ["考核等次（优秀）与建议等次（合格）不同，须填写调整理由"]
    response = client.post(url, assessment_data(school, grade=PASS))
    assert response.status_code == 302, form_errors(response)
    assessment.refresh_from_db()
    assert (assessment.grade, assessment.suggested_grade) == (Grade.PASS, Grade.PASS)
    assert assessment.suggestion_reasons == counted(FULL_YEAR, 1)
    assert assessment.assessed_by == world["units"]["xuanwu_two_new"]


def test_a_year_not_yet_begun_is_refused(client, assessing):
    school = assessing["party_orgs"]["school"]
    client.force_login(assessing["users"]["xuanwu_two_new"])
    errors = form_errors(client.post(reverse(ASSESSMENT_ADD), assessment_data(school, year=2026)))
    assert errors["year"] == ["2026年度尚未结束，12月起方可考核"]
    assert not PartyOrgAssessment.objects.exists()


def test_the_current_year_is_assessed_from_december_on_what_is_over(client, assessing):
    """In March the year is not over: refused. From December (ASSESSMENT_FROM_MONTH) its
    assessment may start, judged on the periods over so far."""
    school = assessing["party_orgs"]["school"]
    school.term_started_on = D(2024, 7, 1)  # renewed: its 换届 is not due in 2025
    school.save()
    hold_year(school, year=2025, months=range(1, 12))
    client.force_login(assessing["users"]["xuanwu_two_new"])
    url = reverse(ASSESSMENT_ADD)
    errors = form_errors(
        client.post(url, assessment_data(school, year=2025, assessed_on="2025-03-10"))
    )
    assert errors["year"] == ["2025年度尚未结束，12月起方可考核"]
    december = datetime.datetime(2025, 12, 10, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(december, tick=False):
        client.force_login(assessing["users"]["xuanwu_two_new"])  # a fresh session then
        response = client.post(url, assessment_data(school, year=2025, assessed_on="2025-12-10"))
    assert response.status_code == 302, form_errors(response)
    assert "/login/" not in response["Location"]
    assessment = PartyOrgAssessment.objects.get(year=2025)
    # By 10 December: 11 主题党日 and the 4 quarters' 支部党员大会 and 党课 (the fourth
    # quarter's already held counts though the quarter runs on), all held.
    assert assessment.suggestion_reasons.startswith(counted(19, 0))


def test_an_assessment_dated_in_the_future_or_before_its_year_is_refused(client, assessing):
    school = assessing["party_orgs"]["school"]
    client.force_login(assessing["users"]["xuanwu_two_new"])
    url = reverse(ASSESSMENT_ADD)
    errors = form_errors(client.post(url, assessment_data(school, assessed_on="2025-03-11")))
    assert errors["assessed_on"] == ["考核日期不能晚于今天"]
    errors = form_errors(client.post(url, assessment_data(school, assessed_on="2023-12-31")))
    assert errors["assessed_on"] == ["考核日期不能早于考核年度"]


def test_a_party_organization_outside_the_officers_scope_cannot_be_chosen(client, assessing):
    client.force_login(assessing["users"]["xuanwu_two_new"])
    qinhuai = assessing["party_orgs"]["qinhuai"]
    errors = form_errors(client.post(reverse(ASSESSMENT_ADD), assessment_data(qinhuai)))
    assert "party_org" in errors
    assert not PartyOrgAssessment.objects.exists()


@pytest.mark.parametrize("role", ["education", "xinjiekou", "lawyers", "fallback"])
def test_the_other_managing_channels_may_assess(client, assessing, role):
    client.force_login(assessing["users"][role])
    assert client.get(reverse(ASSESSMENT_ADD)).status_code == 200


@pytest.mark.parametrize("role", ["organization_dept", "xuanwu_registration"])
def test_reading_roles_see_assessments_but_cannot_add_them(client, assessing, role):
    PartyOrgAssessmentFactory(party_org=assessing["party_orgs"]["school"])
    client.force_login(assessing["users"][role])
    assert client.get(reverse(ASSESSMENT_ADD)).status_code == 403
    response = client.get(reverse(ASSESSMENT_LIST))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1


def test_a_secretary_cannot_assess_their_own_party_organization(client, assessing):
    school = assessing["party_orgs"]["school"]
    client.force_login(assessing["users"]["secretary"])
    assert client.get(reverse(ASSESSMENT_ADD)).status_code == 403
    assert client.post(reverse(ASSESSMENT_ADD), assessment_data(school)).status_code == 403
    assert not PartyOrgAssessment.objects.exists()

    # … nor change the assessment they were given, but they may read it.
    assessment = PartyOrgAssessmentFactory(party_org=school)
    url = reverse("admin:assessments_partyorgassessment_change", args=[assessment.pk])
    response = client.post(url, assessment_data(school, grade=EXCELLENT))
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.grade == Grade.PASS
    assert client.get(url).status_code == 200
    listed = client.get(reverse(ASSESSMENT_LIST)).context["cl"].result_list
    assert list(listed) == [assessment]


def test_another_districts_two_new_does_not_see_the_assessment(client, assessing):
    world = assessing
    school_assessment = PartyOrgAssessmentFactory(party_org=world["party_orgs"]["school"])
    qinhuai_assessment = PartyOrgAssessmentFactory(party_org=world["party_orgs"]["qinhuai"])
    change = "admin:assessments_partyorgassessment_change"

    client.force_login(world["users"]["qinhuai_two_new"])
    assert client.get(reverse(change, args=[school_assessment.pk])).status_code == 404
    assert client.get(reverse(change, args=[qinhuai_assessment.pk])).status_code == 200
    history = reverse("admin:assessments_partyorgassessment_history", args=[school_assessment.pk])
    assert client.get(history).status_code == 404
    response = client.get(reverse(ASSESSMENT_LIST))
    assert list(response.context["cl"].result_list) == [qinhuai_assessment]
    assert world["party_orgs"]["school"].name not in response.content.decode()

    client.force_login(world["users"]["xuanwu_two_new"])
    assert client.get(reverse(change, args=[qinhuai_assessment.pk])).status_code == 404
    listed = client.get(reverse(ASSESSMENT_LIST)).context["cl"].result_list
    assert list(listed) == [school_assessment]


def test_passed_means_excellent_or_pass(assessing):
    school = assessing["party_orgs"]["school"]
    assessment = PartyOrgAssessment(party_org=school, year=2024)
    for grade, passed in (
        (Grade.EXCELLENT, True),
        (Grade.PASS, True),
        (Grade.BASIC, False),
        (Grade.FAIL, False),
    ):
        assessment.grade = grade
        assert assessment.passed is passed, grade


# =========================================================================================
# The admin: 民主评议党员
# =========================================================================================


def review_data(member, party_org, **overrides):
    data = {
        "member": member.pk,
        "year": 2024,
        "party_org": party_org.pk,
        "grade": PASS,
        "notes": "",
        "reviewed_on": "2024-12-20",
    }
    data.update(overrides)
    return data


def test_a_secretary_reviews_a_member_of_their_party_organization(client, assessing):
    world = assessing
    member, school = world["members"]["m_school"], world["party_orgs"]["school"]
    client.force_login(world["users"]["secretary"])
    assert client.get(reverse(REVIEW_ADD)).status_code == 200
    response = client.post(reverse(REVIEW_ADD), review_data(member, school, grade=EXCELLENT))
    assert response.status_code == 302, form_errors(response)
    review = MemberReview.objects.get(member=member, year=2024)
    assert (review.party_org, review.grade) == (school, Grade.EXCELLENT)


def test_a_second_review_of_a_member_for_the_same_year_is_refused(client, assessing):
    member, school = assessing["members"]["m_school"], assessing["party_orgs"]["school"]
    client.force_login(assessing["users"]["secretary"])
    assert client.post(reverse(REVIEW_ADD), review_data(member, school)).status_code == 302
    errors = form_errors(client.post(reverse(REVIEW_ADD), review_data(member, school)))
    assert errors["__all__"] == ["该党员该年度已有评议结果"]


def test_a_review_by_a_party_organization_that_does_not_hold_the_member_is_refused(
    client, assessing
):
    world = assessing
    school, law = world["party_orgs"]["school"], world["party_orgs"]["law"]
    message = ["该党员的组织关系不在此党组织，也未在此参加组织生活"]

    # The secretary picks the branch under their Party organization for its member.
    client.force_login(world["users"]["secretary"])
    errors = form_errors(
        client.post(
            reverse(REVIEW_ADD),
            review_data(world["members"]["m_school"], world["party_orgs"]["school_branch"]),
        )
    )
    assert errors["party_org"] == message

    # An officer: the law firm's member reviewed by the school's Party organization.
    client.force_login(world["users"]["xuanwu_two_new"])
    m_law = world["members"]["m_law"]
    errors = form_errors(client.post(reverse(REVIEW_ADD), review_data(m_law, school)))
    assert errors["party_org"] == message
    assert not MemberReview.objects.exists()

    # Attending the school's Party organization (多重组织生活), the member may be reviewed there.
    m_law.attends.add(school)
    response = client.post(reverse(REVIEW_ADD), review_data(m_law, school))
    assert response.status_code == 302, form_errors(response)
    # … or by their own.
    MemberReview.objects.all().delete()
    response = client.post(reverse(REVIEW_ADD), review_data(m_law, law))
    assert response.status_code == 302, form_errors(response)


def test_a_fail_without_notes_is_refused(client, assessing):
    member, school = assessing["members"]["m_school"], assessing["party_orgs"]["school"]
    client.force_login(assessing["users"]["secretary"])
    url = reverse(REVIEW_ADD)
    errors = form_errors(client.post(url, review_data(member, school, grade=FAIL)))
    assert errors["notes"] == ["评议为不合格的，须填写评议意见"]
    errors = form_errors(client.post(url, review_data(member, school, grade=FAIL, notes="   ")))
    assert errors["notes"] == ["评议为不合格的，须填写评议意见"]
    assert not MemberReview.objects.exists()

    notes = "理想信念动摇，经教育仍无转变"
    response = client.post(url, review_data(member, school, grade=FAIL, notes=notes))
    assert response.status_code == 302, form_errors(response)
    assert MemberReview.objects.get(member=member).notes == notes


def test_a_review_dated_in_the_future_or_before_its_year_is_refused(client, assessing):
    member, school = assessing["members"]["m_school"], assessing["party_orgs"]["school"]
    client.force_login(assessing["users"]["secretary"])
    url = reverse(REVIEW_ADD)
    errors = form_errors(client.post(url, review_data(member, school, reviewed_on="2025-03-11")))
    assert errors["reviewed_on"] == ["评议日期不能晚于今天"]
    errors = form_errors(client.post(url, review_data(member, school, reviewed_on="2023-12-20")))
    assert errors["reviewed_on"] == ["评议日期不能早于评议年度"]


def test_the_review_list_links_a_fail_to_the_disposition_of_the_member(client, assessing):
    world = assessing
    failed = MemberReviewFactory(member=world["members"]["m_school"], grade=FAIL)
    passed = MemberReviewFactory(member=world["members"]["m_away"], grade=PASS)
    client.force_login(world["users"]["secretary"])
    response = client.get(reverse(REVIEW_LIST))
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {failed, passed}
    page = response.content.decode()
    disposition = reverse("admin:members_disposition_add")
    assert f'<a href="{disposition}?member={failed.member_id}">处置不合格党员</a>' in page
    assert f"{disposition}?member={passed.member_id}" not in page
    assert page.count("处置不合格党员") == 1

    # The link opens the disposition form with the member filled in.
    form = client.get(f"{disposition}?member={failed.member_id}")
    assert form.status_code == 200
    assert form.context["adminform"].form.initial["member"] == str(failed.member_id)


def test_another_districts_two_new_does_not_see_the_review(client, assessing):
    world = assessing
    review = MemberReviewFactory(member=world["members"]["m_school"])
    url = reverse("admin:assessments_memberreview_change", args=[review.pk])
    client.force_login(world["users"]["qinhuai_two_new"])
    assert client.get(url).status_code == 404
    assert not client.get(reverse(REVIEW_LIST)).context["cl"].result_list
    client.force_login(world["users"]["xuanwu_two_new"])
    assert client.get(url).status_code == 200


# =========================================================================================
# Query counts of the lists
# =========================================================================================


def more_assessments(world, count):
    """`count` further assessments of new Party organizations covering the school, by
    different units, with every grade."""
    grades = [EXCELLENT, PASS, BASIC, FAIL]
    for index in range(count):
        party_org = PartyOrganizationFactory(
            name=f"启明培训学校第{index}党支部", covers=[world["orgs"]["school"]]
        )
        unit = factories.UnitFactory(name=f"考核单位{index}", kind=Unit.Kind.SUPERVISOR)
        PartyOrgAssessmentFactory(
            party_org=party_org,
            grade=grades[index % 4],
            higher_evaluation=GOOD,
            members_evaluation="fair",
            assessed_by=unit,
        )


def more_reviews(world, count):
    """`count` members of the school's Party organization, each reviewed, with every grade."""
    grades = [EXCELLENT, PASS, BASIC, FAIL]
    for index in range(count):
        member = MemberFactory(
            name=f"评议党员{index}",
            id_number=id_number(100 + 2 * index, birth=BIRTH),
            workplace=world["orgs"]["school"],
            party_org=world["party_orgs"]["school"],
        )
        MemberReviewFactory(member=member, grade=grades[index % 4])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context), len(response.context["cl"].result_list)


@pytest.mark.parametrize("role", ["xuanwu_two_new", "secretary", "admin"])
def test_the_assessment_list_needs_few_queries_whatever_its_length(client, assessing, role):
    world = assessing
    PartyOrgAssessmentFactory(
        party_org=world["party_orgs"]["school"], assessed_by=world["units"]["xuanwu_two_new"]
    )
    client.force_login(world["users"][role])
    url = reverse(ASSESSMENT_LIST)
    client.get(url)  # warm caches (content types, permissions)
    few, few_rows = count_queries(client, url)
    more_assessments(world, 12)
    many, many_rows = count_queries(client, url)
    assert few_rows == 1
    assert many_rows == (1 if role == "secretary" else 13)
    assert many == few <= MAX_QUERIES, (few, many)


@pytest.mark.parametrize("role", ["xuanwu_two_new", "secretary", "admin"])
def test_the_review_list_needs_few_queries_whatever_its_length(client, assessing, role):
    world = assessing
    MemberReviewFactory(member=world["members"]["m_school"], grade=FAIL)
    client.force_login(world["users"][role])
    url = reverse(REVIEW_LIST)
    client.get(url)
    few, few_rows = count_queries(client, url)
    more_reviews(world, 12)
    many, many_rows = count_queries(client, url)
    assert (few_rows, many_rows) == (1, 13)
    assert many == few <= MAX_QUERIES, (few, many)


def test_a_review_is_seen_through_the_party_organization_that_held_it(client, assessing):
    """民主评议 belongs to the reviewing Party organization: the secretary of another one
    does not see it, even for a member who works in an org of theirs."""
    law = assessing["party_orgs"]["law"]
    lawyer = assessing["members"]["m_law"]
    review = MemberReviewFactory(member=lawyer, party_org=law, year=2024)
    client.force_login(assessing["users"]["secretary"])
    listed = client.get(reverse(REVIEW_LIST)).context["cl"].result_list
    assert review.pk not in {row.pk for row in listed}
    url = reverse("admin:assessments_memberreview_change", args=[review.pk])
    assert client.get(url).status_code == 404
    history = reverse("admin:assessments_memberreview_history", args=[review.pk])
    assert client.get(history).status_code == 404


def test_a_history_url_with_no_id_is_404(client, assessing):
    client.force_login(assessing["users"]["secretary"])
    assert client.get("/admin/assessments/activity/abc/history/").status_code == 404


# =========================================================================================
# selectors.suggestion_facts_many: an import's rows at once, the same facts as one by one
# =========================================================================================


def test_the_facts_of_many_suggestions_at_once_equal_those_found_one_by_one(party_world):
    world = party_world
    school, law = world["party_orgs"]["school"], world["party_orgs"]["law"]
    secretary_post(world, ended_on=D(2024, 12, 31))  # gone at the end of 2024
    committee_member(world, started_on=D(2024, 6, 1))  # a committee from June 2024
    hold_year(school, year=2024, skip={(K.THEME_DAY, 3), (K.PARTY_LECTURE, 5)})
    hold_year(school, year=2025, months=range(1, 3))
    hold_year(law, year=2023)
    ActivityFactory(party_org=school, kind=K.COMMITTEE_MEETING, held_on=D(2024, 7, 31))
    ActivityFactory(party_org=school, kind=K.COMMITTEE_MEETING, held_on=D(2024, 8, 1))
    party_orgs = list(PartyOrganization.objects.all())
    pairs = {(p.pk, year) for p in party_orgs for year in (2023, 2024, 2025)}
    many = selectors.suggestion_facts_many(pairs, TODAY, chunk=2)
    one_by_one = {
        (p.pk, year): selectors.suggestion_facts(p, year, TODAY)
        for p in party_orgs
        for year in (2023, 2024, 2025)
    }
    assert many == one_by_one
    # The cases differ: gaps, a secretary or none, a committee part of the year.
    assert len({(f.required, f.missed, f.has_secretary) for f in many.values()}) >= 4


def test_an_import_finds_its_rows_facts_in_a_few_queries(party_world):
    pairs = {(p.pk, 2024) for p in PartyOrganization.objects.all()}
    with CaptureQueriesContext(connection) as queries:
        selectors.suggestion_facts_many(pairs, TODAY)
    assert len(queries) == 4  # per year and chunk of Party organizations
