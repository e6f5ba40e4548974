"""述职评议考核 of a unit (§九): the facts of its orgs a grade rests on
(selectors.unit_facts), the admin that grades a unit and stores those facts as they were
(UnitAssessmentAdmin), who may grade and see which unit, and the units and facts pages
(assessments:units, assessments:unit_facts).

The world is tests/members/fixtures_admin.party_world plus 南京市文化和旅游局 ("culture"), a
city supervising unit of six active orgs and one deregistered: two covered by a Party
organization, one by a 工会 (work coverage), three uncovered. The clock is frozen on
15 June 2025 (Asia/Shanghai); the year graded is 2024.
"""

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import selectors
from assessments.models import (
    Activity,
    TrainingAttendance,
    TrainingSession,
    UnitAssessment,
)
from orgs.models import MassOrganization, SocialOrg, Unit
from tests import factories
from tests.factories import ActivityFactory, PartyOrgAssessmentFactory
from tests.members import fixtures_admin
from tests.members.fixtures_admin import MemberFactory, PartyOrganizationFactory, id_number

party_world = fixtures_admin.party_world

D = datetime.date
TODAY = D(2025, 6, 15)
YEAR = 2024
# Birth day of this module's members: no other fixture's ID numbers use it.
BIRTH = "19870707"
SERIALS = itertools.count(1)
K = Activity.Kind

ADD = "admin:assessments_unitassessment_add"
CHANGELIST = "admin:assessments_unitassessment_changelist"
UNITS = "assessments:units"
FACTS = "assessments:unit_facts"

# What culture's orgs looked like on 15 June 2025, for 2024 (see the `culture` fixture).
CULTURE_FACTS = {
    "as_of": "2025-06-15",
    "orgs": 6,  # not the deregistered one
    "org_covered": 2,
    "org_coverage_rate": "33.3",
    "work_coverage_rate": "50.0",  # 2 covered + 1 工会, of 6
    "party_orgs": 2,  # not the one dissolved in 2023
    "party_orgs_with_gaps": 1,
    "assessed": 2,
    "grade_excellent": 1,
    "grade_pass": 0,
    "grade_basic": 0,
    "grade_fail": 1,
    "training_sessions": 1,
    "trainees": 2,
}


@pytest.fixture(autouse=True)
def frozen_clock():
    moment = datetime.datetime.combine(TODAY, datetime.time(12), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


def unit(name, kind=Unit.Kind.SUPERVISOR, level=Unit.Level.CITY, region=None):
    return factories.UnitFactory(name=name, kind=kind, level=level, region=region)


def user_of(a_unit, username):
    return factories.UserFactory(username=username, unit=a_unit)


def full_year(party_org, year):
    """The 22 required activities of a year for a Party organization without committee
    or groups: 12 主题党日, 4 支部党员大会, 4 党课, 组织生活会, 民主评议党员."""
    for month in range(1, 13):
        ActivityFactory(party_org=party_org, kind=K.THEME_DAY, held_on=D(year, month, 5))
    for month in (2, 5, 8, 11):
        ActivityFactory(party_org=party_org, kind=K.GENERAL_MEETING, held_on=D(year, month, 6))
        ActivityFactory(party_org=party_org, kind=K.PARTY_LECTURE, held_on=D(year, month, 7))
    ActivityFactory(party_org=party_org, kind=K.LIFE_MEETING, held_on=D(year, 12, 10))
    ActivityFactory(party_org=party_org, kind=K.MEMBER_REVIEW, held_on=D(year, 12, 11))


@pytest.fixture
def world(party_world):
    """party_world, 南京市文化和旅游局 and its orgs, units of both districts, and users."""
    xuanwu, qinhuai = party_world["districts"]
    city = xuanwu.parent
    units = dict(party_world["units"])
    units["culture"] = unit("南京市文化和旅游局", region=city)
    units["xuanwu_culture"] = unit(
        "南京市玄武区文化和旅游局", level=Unit.Level.DISTRICT, region=xuanwu
    )
    units["qinhuai_culture"] = unit(
        "南京市秦淮区文化和旅游局", level=Unit.Level.DISTRICT, region=qinhuai
    )
    units["qinhuai_two_new"] = unit(
        "中共南京市秦淮区委两新工委", Unit.Kind.TWO_NEW, Unit.Level.DISTRICT, qinhuai
    )
    users = dict(party_world["users"])
    for key in ("culture", "xuanwu_culture", "qinhuai_culture", "qinhuai_two_new"):
        users[key] = user_of(units[key], key)
    return {**party_world, "units": units, "users": users}


@pytest.fixture
def culture(world):
    """南京市文化和旅游局's orgs (all supervised by it, in 玄武区):

    - 甲 covered by 甲党支部 (held all 22 required activities of 2024; 2024 优秀, 2023 合格);
    - 乙 covered by 乙党支部 (held nothing in 2024: gaps; 2024 不合格);
    - 丙 covered only by a Party organization dissolved in 2023 (neither judged nor covering);
    - 丁 has a 工会 (work coverage);
    - 戊, 己 uncovered; 庚 deregistered.
    It organized one training in 2024 with two trainees, and one in 2023.
    """
    units = world["units"]
    culture_unit = units["culture"]

    def org(name, **kwargs):
        return factories.SocialOrgFactory(
            name=name, supervising_unit=culture_unit,
            registration_authority=units["city_registration"], district=world["districts"][0],
            **kwargs,
        )  # fmt: skip

    orgs = {key: org(f"南京市{key}文化协会") for key in "甲乙丙丁戊己"}
    orgs["庚"] = org("南京市庚文化协会", status=SocialOrg.Status.DEREGISTERED)
    party_orgs = {
        "甲": PartyOrganizationFactory(name="南京市甲文化协会党支部", covers=[orgs["甲"]]),
        "乙": PartyOrganizationFactory(name="南京市乙文化协会党支部", covers=[orgs["乙"]]),
        "丙": PartyOrganizationFactory(
            name="南京市丙文化协会党支部", covers=[orgs["丙"]], dissolved_on=D(2023, 6, 30)
        ),
    }
    full_year(party_orgs["甲"], YEAR)
    MassOrganization.objects.create(
        org=orgs["丁"], kind=MassOrganization.Kind.UNION, founded_on=D(2023, 1, 1)
    )
    PartyOrgAssessmentFactory(party_org=party_orgs["甲"], year=YEAR, grade="excellent")
    PartyOrgAssessmentFactory(party_org=party_orgs["乙"], year=YEAR, grade="fail")
    PartyOrgAssessmentFactory(party_org=party_orgs["甲"], year=2023, grade="pass")
    # Outside culture's scope: not counted.
    PartyOrgAssessmentFactory(party_org=world["party_orgs"]["school"], year=YEAR, grade="pass")

    trainees = [
        MemberFactory(
            id_number=id_number(next(SERIALS), birth=BIRTH),
            workplace=orgs["甲"],
            party_org=party_orgs["甲"],
        )  # fmt: skip
        for _ in range(2)
    ]

    def training(title, organizer, starts_on, members):
        session = TrainingSession.objects.create(
            title=title, kind=TrainingSession.Kind.DEPARTMENT, organizer=organizer,
            starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=1), hours=8,
        )  # fmt: skip
        for someone in members:
            TrainingAttendance.objects.create(session=session, member=someone)
        return session

    training("2024年文旅社会组织党务培训班", culture_unit, D(2024, 5, 10), trainees)
    training("2023年文旅社会组织党务培训班", culture_unit, D(2023, 5, 10), trainees[:1])
    training("2024年教育系统党务培训班", units["education"], D(2024, 6, 10), trainees)
    return {"unit": culture_unit, "orgs": orgs, "party_orgs": party_orgs, "trainees": trainees}


# --- selectors.unit_facts ---------------------------------------------------------------


def test_the_facts_of_a_supervising_unit_count_its_orgs_party_orgs_and_training(culture):
    facts = selectors.unit_facts(culture["unit"], YEAR, TODAY)
    assert facts == CULTURE_FACTS
    assert list(facts) == list(selectors.UNIT_FACT_LABELS)


def test_the_facts_of_another_year_count_that_years_assessments_and_training(culture):
    facts = selectors.unit_facts(culture["unit"], 2023, TODAY)
    assert facts == {
        **CULTURE_FACTS,
        # 2023: 甲 and 乙 held nothing (both missed); 丙 existed until 30 June and missed.
        "party_orgs": 3,
        "party_orgs_with_gaps": 3,
        "assessed": 1,
        "grade_excellent": 0,
        "grade_pass": 1,
        "grade_fail": 0,
        "training_sessions": 1,
        "trainees": 1,
    }


def test_a_unit_without_orgs_has_zero_rates(world):
    facts = selectors.unit_facts(world["units"]["qinhuai_culture"], YEAR, TODAY)
    assert facts == {
        "as_of": "2025-06-15",
        "orgs": 0,
        "org_covered": 0,
        "org_coverage_rate": "0.0",
        "work_coverage_rate": "0.0",
        "party_orgs": 0,
        "party_orgs_with_gaps": 0,
        "assessed": 0,
        "grade_excellent": 0,
        "grade_pass": 0,
        "grade_basic": 0,
        "grade_fail": 0,
        "training_sessions": 0,
        "trainees": 0,
    }


# --- the admin ----------------------------------------------------------------------------


def form_of(response):
    return response.context["adminform"].form


def change_url(assessment, view="change"):
    return reverse(f"admin:assessments_unitassessment_{view}", args=[assessment.pk])


def post_data(graded_unit, **overrides):
    data = {
        "unit": graded_unit.pk,
        "year": str(YEAR),
        "report": "2024年度党建工作述职报告",
        "evaluation": "覆盖率偏低，培训扎实",
        "grade": "pass",
        "assessed_on": "2025-06-10",
    }
    data.update(overrides)
    return data


def unit_choices(client):
    response = client.get(reverse(ADD))
    assert response.status_code == 200
    return set(form_of(response).fields["unit"].queryset)


def assessment_of(graded_unit, assessor, year=YEAR, grade="pass"):
    return UnitAssessment.objects.create(
        unit=graded_unit, year=year, grade=grade, assessed_on=D(2025, 2, 1),
        assessed_by=assessor, facts={"org_coverage_rate": "10.0"},
    )  # fmt: skip


def test_the_city_two_new_grades_a_supervising_unit_for_last_year(client, world, culture):
    client.force_login(world["users"]["city_two_new"])
    response = client.post(reverse(ADD), post_data(culture["unit"]))
    assert response.status_code == 302, form_of(response).errors
    assessment = UnitAssessment.objects.get()
    assert (assessment.unit, assessment.year, assessment.grade) == (culture["unit"], YEAR, "pass")
    assert assessment.assessed_by == world["units"]["city_two_new"]
    assert assessment.assessed_on == D(2025, 6, 10)
    assert assessment.facts == CULTURE_FACTS
    assert assessment.history.first().history_user == world["users"]["city_two_new"]
    # The change page shows the stored facts.
    html = client.get(change_url(assessment)).content.decode()
    assert "党的组织覆盖率（%）" in html and "33.3" in html


def test_the_add_form_defaults_the_assessment_day_to_today(client, world):
    client.force_login(world["users"]["city_two_new"])
    assert form_of(client.get(reverse(ADD))).initial["assessed_on"] == TODAY


def test_the_current_year_before_december_is_refused_in_chinese(client, world, culture):
    client.force_login(world["users"]["city_two_new"])
    response = client.post(reverse(ADD), post_data(culture["unit"], year="2025"))
    assert response.status_code == 200
    assert form_of(response).errors["year"] == ["2025年度尚未结束，不能考核"]
    assert not UnitAssessment.objects.exists()


def test_the_current_year_is_assessable_in_december(world, culture):
    assessment = UnitAssessment(
        unit=culture["unit"], year=2025, grade="pass", assessed_on=D(2025, 12, 1)
    )
    with time_machine.travel(datetime.datetime(2025, 12, 1, 12, tzinfo=ZoneInfo("Asia/Shanghai"))):
        assessment.full_clean()


def test_an_assessment_day_in_the_future_or_before_its_year_is_refused(client, world, culture):
    client.force_login(world["users"]["city_two_new"])
    response = client.post(reverse(ADD), post_data(culture["unit"], assessed_on="2025-06-16"))
    assert form_of(response).errors["assessed_on"] == ["考核日期不能晚于今天"]
    response = client.post(reverse(ADD), post_data(culture["unit"], assessed_on="2023-12-31"))
    assert form_of(response).errors["assessed_on"] == ["考核日期不能早于考核年度"]
    assert not UnitAssessment.objects.exists()


def test_a_second_assessment_of_the_same_unit_and_year_is_refused(client, world, culture):
    assessment_of(culture["unit"], world["units"]["city_two_new"])
    client.force_login(world["users"]["city_two_new"])
    response = client.post(reverse(ADD), post_data(culture["unit"]))
    assert response.status_code == 200
    assert "该单位该年度已有考核结果" in str(form_of(response).errors)
    assert UnitAssessment.objects.count() == 1


@pytest.mark.parametrize("leading", ["xuanwu_two_new", "city_two_new", "organization_dept"])
def test_a_leading_body_is_not_graded(client, world, leading):
    client.force_login(world["users"]["city_two_new"])
    assert world["units"][leading] not in unit_choices(client)
    response = client.post(reverse(ADD), post_data(world["units"][leading]))
    assert response.status_code == 200
    assert list(form_of(response).errors) == ["unit"]
    assert not UnitAssessment.objects.exists()
    # The model refuses it too, whatever writes it.
    assessment = UnitAssessment(
        unit=world["units"][leading], year=YEAR, grade="pass", assessed_on=D(2025, 6, 1)
    )
    with pytest.raises(ValidationError) as raised:
        assessment.full_clean()
    assert raised.value.message_dict == {"unit": ["两新工委和组织部是考核单位，不在此考核"]}


def test_the_city_two_new_chooses_among_the_assessed_units_of_the_city(client, world):
    client.force_login(world["users"]["city_two_new"])
    units = world["units"]
    choices = unit_choices(client)
    expected = {
        "city_registration", "xuanwu_registration", "education", "justice", "lawyers",
        "xinjiekou", "fallback", "culture", "xuanwu_culture", "qinhuai_culture",
    }  # fmt: skip
    assert {key for key, u in units.items() if u in choices} == expected


def test_a_district_two_new_chooses_only_units_of_its_district(client, world):
    client.force_login(world["users"]["xuanwu_two_new"])
    units = world["units"]
    choices = unit_choices(client)
    assert {key for key, u in units.items() if u in choices} == {
        "xuanwu_registration",
        "xinjiekou",  # a street of 玄武区
        "xuanwu_culture",
    }
    response = client.post(reverse(ADD), post_data(units["qinhuai_culture"]))
    assert list(form_of(response).errors) == ["unit"]
    response = client.post(reverse(ADD), post_data(units["culture"]))  # a city unit
    assert list(form_of(response).errors) == ["unit"]
    assert not UnitAssessment.objects.exists()
    response = client.post(reverse(ADD), post_data(units["xuanwu_culture"]))
    assert response.status_code == 302, form_of(response).errors
    assert UnitAssessment.objects.get().assessed_by == units["xuanwu_two_new"]


def test_a_district_two_new_gets_404_on_another_districts_assessment(client, world):
    units = world["units"]
    qinhuai = assessment_of(units["qinhuai_culture"], units["city_two_new"])
    xuanwu = assessment_of(units["xuanwu_culture"], units["city_two_new"])
    client.force_login(world["users"]["xuanwu_two_new"])
    for view in ("change", "history"):
        assert client.get(change_url(qinhuai, view)).status_code == 404
        assert client.get(change_url(xuanwu, view)).status_code == 200
    response = client.post(change_url(qinhuai), post_data(units["qinhuai_culture"], grade="fail"))
    assert response.status_code == 404
    qinhuai.refresh_from_db()
    assert qinhuai.grade == "pass"
    listed = client.get(reverse(CHANGELIST)).context["cl"].result_list
    assert list(listed) == [xuanwu]


def test_the_assessed_unit_views_its_own_assessment_but_cannot_add_or_see_others(
    client, world, culture
):
    units = world["units"]
    own = assessment_of(culture["unit"], units["city_two_new"])
    other = assessment_of(units["education"], units["city_two_new"])
    client.force_login(world["users"]["culture"])
    assert client.get(change_url(own)).status_code == 200  # read only
    assert client.get(change_url(other)).status_code == 404
    assert client.get(change_url(other, "history")).status_code == 404
    assert list(client.get(reverse(CHANGELIST)).context["cl"].result_list) == [own]
    assert client.get(reverse(ADD)).status_code == 403
    assert client.post(reverse(ADD), post_data(culture["unit"])).status_code == 403
    response = client.post(change_url(own), post_data(culture["unit"], grade="excellent"))
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.grade == "pass"
    assert UnitAssessment.objects.count() == 2


def test_the_facts_stay_as_stored_when_the_orgs_change_afterwards(client, world, culture):
    client.force_login(world["users"]["city_two_new"])
    response = client.post(reverse(ADD), post_data(culture["unit"]))
    assert response.status_code == 302, form_of(response).errors
    assessment = UnitAssessment.objects.get()
    # Afterwards 戊 gets a Party organization and 乙's assessment is corrected.
    PartyOrganizationFactory(name="南京市戊文化协会党支部", covers=[culture["orgs"]["戊"]])
    culture["party_orgs"]["乙"].assessments.filter(year=YEAR).update(grade="basic")
    live = selectors.unit_facts(culture["unit"], YEAR, TODAY)
    assert (live["org_covered"], live["org_coverage_rate"], live["grade_basic"]) == (3, "50.0", 1)
    assessment.refresh_from_db()
    assert assessment.facts == CULTURE_FACTS
    # Correcting the evaluation keeps the facts of the grade.
    data = post_data(culture["unit"], evaluation="更正后的评议意见")
    response = client.post(change_url(assessment), data)
    assert response.status_code == 302, form_of(response).errors
    assessment.refresh_from_db()
    assert assessment.evaluation == "更正后的评议意见"
    assert assessment.facts == CULTURE_FACTS
    # The facts page shows today's figures beside the stored ones.
    response = client.get(reverse(FACTS, args=[culture["unit"].pk]), {"year": YEAR})
    rows = {str(label): (now, then) for label, now, then in response.context["facts"]}
    assert rows["党的组织覆盖率（%）"] == ("50.0", "33.3")


def test_changing_the_year_records_the_facts_of_the_new_year(client, world, culture):
    client.force_login(world["users"]["city_two_new"])
    client.post(reverse(ADD), post_data(culture["unit"]))
    assessment = UnitAssessment.objects.get()
    response = client.post(change_url(assessment), post_data(culture["unit"], year="2023"))
    assert response.status_code == 302, form_of(response).errors
    assessment.refresh_from_db()
    assert assessment.facts == selectors.unit_facts(culture["unit"], 2023, TODAY)
    assert assessment.facts["grade_pass"] == 1


# --- the units page and the facts page ------------------------------------------------------


def listed(response):
    assert response.status_code == 200
    return {u: assessment for u, assessment in response.context["rows"]}


def test_the_units_page_lists_the_city_two_news_units_with_their_grade(client, world, culture):
    units = world["units"]
    graded = assessment_of(culture["unit"], units["city_two_new"], grade="excellent")
    assessment_of(units["justice"], units["city_two_new"], year=2023)  # another year
    client.force_login(world["users"]["city_two_new"])
    response = client.get(reverse(UNITS))
    assert response.context["year"] == YEAR  # last year by default
    rows = listed(response)
    assert rows[culture["unit"]] == graded
    assert rows[units["justice"]] is None
    assert units["qinhuai_culture"] in rows
    for leading in ("city_two_new", "xuanwu_two_new", "organization_dept", "qinhuai_two_new"):
        assert units[leading] not in rows
    html = response.content.decode()
    assert "南京市文化和旅游局" in html and "优秀" in html and "未考核" in html
    assert reverse(FACTS, args=[culture["unit"].pk]) in html
    assert response.context["may_add"] is True
    # Another year: justice's 2023 grade.
    rows = listed(client.get(reverse(UNITS), {"year": 2023}))
    assert rows[units["justice"]].year == 2023 and rows[culture["unit"]] is None


def test_a_district_user_does_not_see_other_districts_units(client, world):
    units = world["units"]
    client.force_login(world["users"]["xuanwu_two_new"])
    rows = listed(client.get(reverse(UNITS)))
    assert set(rows) == {units["xuanwu_registration"], units["xinjiekou"], units["xuanwu_culture"]}
    client.force_login(world["users"]["qinhuai_two_new"])
    assert set(listed(client.get(reverse(UNITS)))) == {units["qinhuai_culture"]}


def test_a_supervising_unit_lists_only_itself_and_may_not_add(client, world, culture):
    client.force_login(world["users"]["culture"])
    response = client.get(reverse(UNITS))
    assert set(listed(response)) == {culture["unit"]}
    assert response.context["may_add"] is False


def test_the_facts_page_shows_a_units_live_facts(client, world, culture):
    client.force_login(world["users"]["city_two_new"])
    response = client.get(reverse(FACTS, args=[culture["unit"].pk]))
    assert response.status_code == 200
    assert response.context["year"] == YEAR
    assert [(str(label), now) for label, now, _then in response.context["facts"]] == [
        (str(label), CULTURE_FACTS[key]) for key, label in selectors.UNIT_FACT_LABELS.items()
    ]
    assert response.context["assessment"] is None
    assert response.context["may_add"] is True
    assert f"unit={culture['unit'].pk}" in response.context["add_url"]


def test_the_facts_page_of_the_current_year_offers_no_grading_before_december(
    client, world, culture
):
    client.force_login(world["users"]["city_two_new"])
    response = client.get(reverse(FACTS, args=[culture["unit"].pk]), {"year": 2025})
    assert response.status_code == 200
    assert response.context["may_add"] is False


@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("xuanwu_two_new", "qinhuai_culture"),
        ("xuanwu_two_new", "culture"),
        ("qinhuai_two_new", "xuanwu_culture"),
        ("culture", "education"),
        ("education", "culture"),
        ("city_two_new", "city_two_new"),  # a leading body has no facts page
    ],
)
def test_the_facts_page_of_a_unit_outside_the_scope_is_404(client, world, role, target):
    client.force_login(world["users"][role])
    assert client.get(reverse(FACTS, args=[world["units"][target].pk])).status_code == 404


def test_the_assessed_unit_sees_its_own_facts_page(client, world, culture):
    client.force_login(world["users"]["culture"])
    response = client.get(reverse(FACTS, args=[culture["unit"].pk]))
    assert response.status_code == 200
    assert response.context["may_add"] is False


def test_a_user_without_the_view_permission_gets_403(client, world, culture):
    client.force_login(world["users"]["no_unit"])
    assert client.get(reverse(UNITS)).status_code == 403
    assert client.get(reverse(FACTS, args=[culture["unit"].pk])).status_code == 403


def add_units(world, count):
    """City supervising units, each graded for 2024."""
    for _ in range(count):
        n = next(SERIALS)
        graded = unit(f"南京市测试局{n}", region=world["districts"][0].parent)
        assessment_of(graded, world["units"]["city_two_new"])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def test_the_units_page_needs_the_same_queries_for_2_and_6_units(client, world):
    client.force_login(world["users"]["city_two_new"])
    url = reverse(UNITS)
    client.get(url)  # warm the per-process caches
    add_units(world, 2)
    small = count_queries(client, url)
    add_units(world, 4)
    large = count_queries(client, url)
    assert large == small
    assert len(client.get(url).context["rows"]) >= 6
