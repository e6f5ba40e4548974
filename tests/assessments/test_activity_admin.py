"""The organizational-life admin (assessments.admin.ActivityAdmin): a secretary's quick
entry (their Party organization preselected, its members to tick), the attendees and
dates it refuses, scope denial for every other role, and the query count of its pages.

The world is tests/members/fixtures_admin.party_world: the secretary holds 启明培训学校党支部
(founded 1 July 2022, covering 玄武区启明培训学校); the clock is frozen on 15 June 2025.
"""

import datetime
import itertools
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Activity
from members.models import Member
from orgs.models import Unit
from tests import factories
from tests.members import fixtures_admin
from tests.members.fixtures_admin import MemberFactory, PostFactory, id_number

party_world = fixtures_admin.party_world

D = datetime.date
TODAY = D(2025, 6, 15)
MAX_QUERIES = 12
ADD = "admin:assessments_activity_add"
CHANGELIST = "admin:assessments_activity_changelist"
# Birth day of this module's members: no other fixture's ID numbers use it.
BIRTH = "19880808"
SERIALS = itertools.count(100)  # of the members add_activities makes


@pytest.fixture(autouse=True)
def frozen_clock():
    moment = datetime.datetime.combine(TODAY, datetime.time(12), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


def change_url(activity, view="change"):
    return reverse(f"admin:assessments_activity_{view}", args=[activity.pk])


@pytest.fixture
def life(party_world):
    """Beside party_world's members of 启明培训学校党支部 (王启明 works in the school,
    周外出 in 秦淮区): one transferred out, one of 律师事务所党支部 attending the school's
    Party organization, one of 律师事务所党支部 working in the school who does not, and
    secretaries and offices of other Party organizations and districts."""
    orgs, party_orgs, members = (party_world[k] for k in ("orgs", "party_orgs", "members"))
    school, law = party_orgs["school"], party_orgs["law"]

    def member(name, serial, **kwargs):
        return MemberFactory(name=name, id_number=id_number(serial, birth=BIRTH), **kwargs)

    extra = {
        "gone": member(
            "吴转出", 1, workplace=orgs["school"], party_org=school,
            status=Member.Status.TRANSFERRED_OUT,
        ),
        "attending": member("郑多重", 3, workplace=orgs["school"], party_org=law),
        "colleague": member("冯同事", 5, workplace=orgs["school"], party_org=law),
    }  # fmt: skip
    extra["attending"].attends.add(school)
    qinhuai = party_world["districts"][1]
    units = {
        "qinhuai_two_new": factories.UnitFactory(
            name="中共南京市秦淮区委两新工委", kind=Unit.Kind.TWO_NEW,
            level=Unit.Level.DISTRICT, region=qinhuai,
        ),
        "qinhuai_supervisor": factories.UnitFactory(
            name="南京市秦淮区教育局", kind=Unit.Kind.SUPERVISOR,
            level=Unit.Level.DISTRICT, region=qinhuai,
        ),
    }  # fmt: skip
    users = dict(party_world["users"])
    for key, unit in units.items():
        users[key] = factories.UserFactory(username=key, unit=unit)
    users["law_secretary"] = factories.UserFactory(
        username="law_secretary", unit=None, party_org=law
    )
    users["qinhuai_secretary"] = factories.UserFactory(
        username="qinhuai_secretary", unit=None, party_org=party_orgs["qinhuai"]
    )

    class Life:
        pass

    life = Life()
    life.world = party_world
    life.school, life.law = school, law
    life.members = {**members, **extra}
    life.users = users
    return life


def attendee_values(response):
    """The member ids offered as attendee checkboxes in the page."""
    html = response.content.decode()
    return {int(v) for v in re.findall(r'name="attendees" value="(\d+)"', html)}


def offered(life, response):
    by_pk = {m.pk: key for key, m in life.members.items()}
    return {by_pk.get(pk, pk) for pk in attendee_values(response)}


def form_of(response):
    return response.context["adminform"].form


def post_data(life, **overrides):
    data = {
        "party_org": life.school.pk,
        "kind": Activity.Kind.GENERAL_MEETING,
        "held_on": "2025-06-10",
        "topic": "第二季度支部党员大会",
        "location": "学校三楼会议室",
        "attendees": [life.members["m_school"].pk, life.members["attending"].pk],
        "observers": "李某某（区委两新工委组织员）",
        "minutes": "传达学习上级文件精神。",
    }
    data.update(overrides)
    return data


# --- a secretary's quick entry ---------------------------------------------------------


def test_a_secretarys_add_page_preselects_their_party_organization(client, life):
    client.force_login(life.users["secretary"])
    response = client.get(reverse(ADD))
    assert response.status_code == 200
    assert form_of(response).initial["party_org"] == life.school.pk
    html = response.content.decode()
    assert re.search(
        rf'<option value="{life.school.pk}" selected>{life.school.name}</option>', html
    )


def test_a_secretarys_attendees_are_their_members_on_the_register_and_those_attending(client, life):
    client.force_login(life.users["secretary"])
    response = client.get(reverse(ADD))
    # Not 吴转出 (transferred out), not 冯同事 (another Party organization, same school),
    # not 钱律师 or 孙文化 (other Party organizations, outside the scope).
    assert offered(life, response) == {"m_school", "m_away", "attending"}
    assert 'type="checkbox"' in response.content.decode()


def test_the_party_org_parameter_preselects_one_and_offers_its_members(client, life):
    client.force_login(life.users["xuanwu_two_new"])
    response = client.get(reverse(ADD), {"party_org": life.law.pk})
    assert response.status_code == 200
    assert str(form_of(response).initial["party_org"]) == str(life.law.pk)
    # 律师事务所党支部's members the district 两新工委 sees: 钱律师 (law firm) and 冯同事
    # (the school); 郑多重 is held by it too.
    assert offered(life, response) == {"m_law", "attending", "colleague"}


def test_an_add_page_without_a_party_organization_offers_no_attendee(client, life):
    client.force_login(life.users["xuanwu_two_new"])
    response = client.get(reverse(ADD))
    assert response.status_code == 200
    assert attendee_values(response) == set()
    assert "请先选择党组织" in response.content.decode()


def test_a_secretary_saves_an_activity_with_its_attendees_and_is_recorded_as_its_recorder(
    client, life
):
    secretary = life.users["secretary"]
    client.force_login(secretary)
    response = client.post(reverse(ADD), post_data(life))
    assert response.status_code == 302, form_of(response).errors
    activity = Activity.objects.get()
    assert activity.party_org == life.school
    assert activity.recorded_by == secretary
    assert activity.held_on == D(2025, 6, 10)
    assert set(activity.attendees.all()) == {
        life.members["m_school"],
        life.members["attending"],
    }
    assert activity.history.first().history_user == secretary


def test_editing_an_activity_keeps_its_original_recorder(client, life):
    activity = factories.ActivityFactory(
        party_org=life.school, recorded_by=life.users["secretary"], held_on=D(2025, 5, 1)
    )
    client.force_login(life.users["xuanwu_two_new"])
    data = post_data(life, held_on="2025-05-01", topic="更正后的主题", attendees=[])
    response = client.post(change_url(activity), data)
    assert response.status_code == 302, form_of(response).errors
    activity.refresh_from_db()
    assert (activity.topic, activity.recorded_by) == ("更正后的主题", life.users["secretary"])


def test_a_party_org_parameter_outside_the_scope_preselects_and_offers_nothing(client, life):
    client.force_login(life.users["secretary"])
    response = client.get(reverse(ADD), {"party_org": life.law.pk})
    assert response.status_code == 200
    assert attendee_values(response) == set()
    assert life.law.name not in response.content.decode()


def test_the_change_page_offers_the_activitys_party_organization_members(
    client, life, school_activity
):
    client.force_login(life.users["secretary"])
    response = client.get(change_url(school_activity))
    assert offered(life, response) == {"m_school", "m_away", "attending"}
    checked = re.findall(r'name="attendees" value="(\d+)"[^>]*checked', response.content.decode())
    assert {int(pk) for pk in checked} == {
        life.members["m_school"].pk,
        life.members["m_away"].pk,
    }


def test_a_channel_editing_an_activity_keeps_an_attendee_working_outside_its_scope(
    client, life, school_activity
):
    # 周外出 works in 秦淮区: outside the 玄武区 两新工委's members, but he attended.
    client.force_login(life.users["xuanwu_two_new"])
    away = life.members["m_away"]
    assert "m_away" in offered(life, client.get(change_url(school_activity)))
    data = post_data(
        life, held_on="2025-04-10", topic="更正", attendees=[life.members["m_school"].pk, away.pk]
    )
    response = client.post(change_url(school_activity), data)
    assert response.status_code == 302, form_of(response).errors
    assert set(school_activity.attendees.all()) == {life.members["m_school"], away}


def test_editing_an_activity_keeps_an_attendee_transferred_out_since(client, life, school_activity):
    """王启明 attended on 10 April and was transferred out in May: correcting the topic
    must neither refuse his attendance nor drop it (KeepCurrentChoicesForm's promise)."""
    gone = life.members["m_school"]
    gone.status = Member.Status.TRANSFERRED_OUT
    gone.save()
    client.force_login(life.users["secretary"])
    response = client.get(change_url(school_activity))
    assert "m_school" in offered(life, response)
    data = post_data(
        life, held_on="2025-04-10", topic="更正", attendees=[gone.pk, life.members["m_away"].pk]
    )
    response = client.post(change_url(school_activity), data)
    assert response.status_code == 302, form_of(response).errors
    school_activity.refresh_from_db()
    assert school_activity.topic == "更正"
    assert set(school_activity.attendees.all()) == {gone, life.members["m_away"]}


@pytest.mark.parametrize("outsider", ["colleague", "m_law", "gone"])
def test_an_attendee_who_may_not_attend_is_refused_on_the_field(client, life, outsider):
    """冯同事 works in the school but belongs to another Party organization; 钱律师 is of
    another Party organization outside the scope; 吴转出 was transferred out."""
    client.force_login(life.users["secretary"])
    data = post_data(life, attendees=[life.members["m_school"].pk, life.members[outsider].pk])
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    assert list(form_of(response).errors) == ["attendees"]
    assert not Activity.objects.exists()


def test_attendees_are_checked_against_the_posted_party_organization(client, life):
    # The school's member cannot be recorded at 律师事务所党支部's meeting.
    client.force_login(life.users["xuanwu_two_new"])
    data = post_data(life, party_org=life.law.pk, attendees=[life.members["m_school"].pk])
    response = client.post(reverse(ADD), data)
    assert list(form_of(response).errors) == ["attendees"]
    assert not Activity.objects.exists()


def test_a_secretary_cannot_record_for_another_party_organization(client, life):
    client.force_login(life.users["secretary"])
    data = post_data(life, party_org=life.law.pk, attendees=[])
    response = client.post(reverse(ADD), data)
    assert "party_org" in form_of(response).errors
    assert not Activity.objects.exists()


def test_an_activity_before_the_party_organizations_founding_is_refused_in_chinese(client, life):
    client.force_login(life.users["secretary"])
    response = client.post(reverse(ADD), post_data(life, held_on="2022-06-30"))
    assert response.status_code == 200
    assert form_of(response).errors["held_on"] == ["活动日期不能早于党组织成立日期（2022-07-01）"]
    assert not Activity.objects.exists()


def test_an_activity_on_the_founding_day_is_accepted(client, life):
    client.force_login(life.users["secretary"])
    response = client.post(reverse(ADD), post_data(life, held_on="2022-07-01"))
    assert response.status_code == 302, form_of(response).errors


def test_an_activity_in_the_future_is_refused_in_chinese(client, life):
    client.force_login(life.users["secretary"])
    response = client.post(reverse(ADD), post_data(life, held_on="2025-06-16"))
    assert response.status_code == 200
    assert form_of(response).errors["held_on"] == ["活动日期不能晚于今天"]
    assert not Activity.objects.exists()


def test_an_activity_today_is_accepted(client, life):
    client.force_login(life.users["secretary"])
    response = client.post(reverse(ADD), post_data(life, held_on=TODAY.isoformat()))
    assert response.status_code == 302, form_of(response).errors


def test_an_activity_after_the_party_organizations_dissolution_is_refused(client, life):
    life.law.dissolved_on = D(2025, 1, 31)
    life.law.save()
    client.force_login(life.users["xuanwu_two_new"])
    data = post_data(life, party_org=life.law.pk, held_on="2025-02-01", attendees=[])
    response = client.post(reverse(ADD), data)
    assert form_of(response).errors["held_on"] == ["党组织已于2025-01-31撤销"]


def test_a_blank_topic_is_refused(client, life):
    client.force_login(life.users["secretary"])
    response = client.post(reverse(ADD), post_data(life, topic="   "))
    assert "topic" in form_of(response).errors
    assert not Activity.objects.exists()


# --- scope ---------------------------------------------------------------------------


@pytest.fixture
def school_activity(life):
    return factories.ActivityFactory(
        party_org=life.school,
        held_on=D(2025, 4, 10),
        topic="启明学校第二季度党员大会",
        attendees=[life.members["m_school"], life.members["m_away"]],
    )


@pytest.fixture
def law_activity(life):
    return factories.ActivityFactory(
        party_org=life.law, held_on=D(2025, 4, 11), topic="律所主题党日", kind="theme_day"
    )


def listed_topics(client):
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    return {a.topic for a in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("role", "sees_school", "sees_law"),
    [
        ("secretary", True, False),
        ("law_secretary", False, True),
        ("qinhuai_secretary", False, False),
        ("xuanwu_registration", True, False),
        ("education", True, False),
        ("justice", False, True),
        ("lawyers", False, True),
        ("xuanwu_two_new", True, True),
        ("city_two_new", True, True),
        ("organization_dept", True, True),
        ("qinhuai_two_new", False, False),
        ("qinhuai_supervisor", False, False),
        ("admin", True, True),
        ("no_unit", False, False),
    ],
)
def test_each_role_lists_and_opens_only_the_activities_of_its_scope(
    client, life, school_activity, law_activity, role, sees_school, sees_law
):
    client.force_login(life.users[role])
    if role == "no_unit":
        assert client.get(reverse(CHANGELIST)).status_code == 403
        return
    expected = {school_activity.topic} if sees_school else set()
    expected |= {law_activity.topic} if sees_law else set()
    assert listed_topics(client) == expected
    for activity, sees in ((school_activity, sees_school), (law_activity, sees_law)):
        assert client.get(change_url(activity)).status_code == (200 if sees else 404)
        assert client.get(change_url(activity, "history")).status_code == (200 if sees else 404)


def test_a_secretary_of_another_party_organization_gets_404_and_cannot_change_it(
    client, life, school_activity
):
    client.force_login(life.users["law_secretary"])
    assert client.get(change_url(school_activity)).status_code == 404
    response = client.post(change_url(school_activity), post_data(life, attendees=[]))
    assert response.status_code == 404
    school_activity.refresh_from_db()
    assert school_activity.topic == "启明学校第二季度党员大会"
    response = client.get(reverse(CHANGELIST), {"q": "启明"})
    assert list(response.context["cl"].result_list) == []


def test_a_search_finds_nothing_outside_the_scope(client, life, school_activity):
    client.force_login(life.users["qinhuai_two_new"])
    response = client.get(reverse(CHANGELIST), {"q": school_activity.topic})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_a_registration_clerk_views_activities_but_cannot_add_or_change_them(
    client, life, school_activity
):
    client.force_login(life.users["xuanwu_registration"])
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(change_url(school_activity)).status_code == 200  # read only
    assert client.get(reverse(ADD)).status_code == 403
    assert client.post(reverse(ADD), post_data(life)).status_code == 403
    response = client.post(change_url(school_activity), post_data(life, topic="改"))
    assert response.status_code == 403
    school_activity.refresh_from_db()
    assert school_activity.topic == "启明学校第二季度党员大会"
    assert Activity.objects.count() == 1


@pytest.mark.parametrize("role", ["organization_dept", "xuanwu_registration"])
def test_read_only_roles_see_no_add_link(client, life, role):
    client.force_login(life.users[role])
    response = client.get(reverse(CHANGELIST))
    assert reverse(ADD) not in response.content.decode()


@pytest.mark.parametrize(
    "role", ["secretary", "education", "xinjiekou", "fallback", "lawyers", "xuanwu_two_new"]
)
def test_the_secretary_and_the_managing_channels_may_add(client, life, role):
    client.force_login(life.users[role])
    assert client.get(reverse(ADD)).status_code == 200


def test_only_an_administrator_deletes_an_activity(client, life, school_activity):
    client.force_login(life.users["secretary"])
    assert client.get(change_url(school_activity, "delete")).status_code == 403
    client.force_login(life.users["admin"])
    assert client.get(change_url(school_activity, "delete")).status_code == 200


def test_the_list_shows_the_number_of_attendees(client, life, school_activity):
    client.force_login(life.users["secretary"])
    response = client.get(reverse(CHANGELIST))
    (row,) = response.context["cl"].result_list
    assert row.attendees_count == 2


# --- query counts ----------------------------------------------------------------------


def add_activities(life, count):
    """Activities of the school's and the law firm's Party organizations, each attended
    by new members, with posts, so no page can hide a per-row query."""
    for index in range(count):
        members = [
            MemberFactory(
                id_number=id_number(next(SERIALS), birth=BIRTH),
                workplace=life.world["orgs"]["school"],
                party_org=life.school,
            )
            for n in range(3)
        ]
        PostFactory(member=members[0], kind="committee_member")
        members[1].attends.add(life.law)
        factories.ActivityFactory(
            party_org=life.school, attendees=members, held_on=D(2025, 1 + index % 5, 1)
        )
        factories.ActivityFactory(
            party_org=life.law, attendees=members[1:2], held_on=D(2025, 1 + index % 5, 2),
            kind="theme_day", recorded_by=life.users["xuanwu_two_new"],
        )  # fmt: skip


def pages(first):
    changelist = reverse(CHANGELIST)
    return {
        "list": changelist,
        "list filtered": f"{changelist}?q=学习&kind=general_meeting&online__exact=0",
        "list by year": f"{changelist}?held_on__year=2025",
        "add": reverse(ADD),
        "change": change_url(first),
        "history": change_url(first, "history"),
    }


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context)


@pytest.mark.parametrize("who", ["secretary", "xuanwu_two_new", "admin"])
def test_every_activity_page_needs_at_most_12_queries_whatever_the_data_size(
    client, life, school_activity, who
):
    add_activities(life, 2)
    client.force_login(life.users[who])
    for url in pages(school_activity).values():  # warm the per-process caches
        client.get(url)
    small = {name: count_queries(client, url) for name, url in pages(school_activity).items()}
    add_activities(life, 25)
    large = {name: count_queries(client, url) for name, url in pages(school_activity).items()}
    assert large == small  # nothing grows with the number of activities or attendees
    assert max(large.values()) <= MAX_QUERIES, large
