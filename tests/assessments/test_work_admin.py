"""The admin of the work mechanisms (assessments.admin_work): training sessions, joint
meetings, contact records, typical cases and activity attachments. For each: the role
that keeps it adds one (with its defaults), the model's refusals come back in Chinese on
the form, other scopes neither list nor open it, roles without the permission get 403,
and the list's query count does not grow with its rows.

The world is tests/members/fixtures_admin.party_world (玄武区 and 秦淮区 of 南京市; the
secretary holds 启明培训学校党支部); the clock is frozen on 15 June 2025.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import (
    Activity,
    ActivityAttachment,
    ContactRecord,
    JointMeeting,
    JointMeetingDecision,
    TrainingAttendance,
    TrainingSession,
    TypicalCase,
)
from members.models import Post
from orgs.models import Unit
from tests import factories
from tests.members import fixtures_admin
from tests.members.fixtures_admin import PostFactory

party_world = fixtures_admin.party_world

D = datetime.date
TODAY = D(2025, 6, 15)
MAX_QUERIES = 12
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def frozen_clock():
    moment = datetime.datetime.combine(TODAY, datetime.time(12), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def work(party_world):
    """party_world, a 两新工委 of 秦淮区, the secretary of 律师事务所党支部, and 王启明 as
    the secretary of 启明培训学校党支部 since its founding."""
    units, users = dict(party_world["units"]), dict(party_world["users"])
    party_orgs, members = party_world["party_orgs"], party_world["members"]
    units["qinhuai_two_new"] = factories.UnitFactory(
        name="中共南京市秦淮区委两新工委", kind=Unit.Kind.TWO_NEW, level=Unit.Level.DISTRICT,
        region=party_world["districts"][1],
    )  # fmt: skip
    users["qinhuai_two_new"] = factories.UserFactory(
        username="qinhuai_two_new", unit=units["qinhuai_two_new"]
    )
    users["law_secretary"] = factories.UserFactory(
        username="law_secretary", unit=None, party_org=party_orgs["law"]
    )
    PostFactory(member=members["m_school"], party_org=party_orgs["school"])
    return SimpleNamespace(
        units=units,
        users=users,
        orgs=party_world["orgs"],
        party_orgs=party_orgs,
        members=members,
        school=party_orgs["school"],
        law=party_orgs["law"],
    )


def url(model, view, *args):
    return reverse(f"admin:assessments_{model._meta.model_name}_{view}", args=args)


def form_of(response):
    return response.context["adminform"].form


def formset_errors(response, prefix):
    formset = next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix
    )
    return formset.errors, formset.non_form_errors()


def listed(client, model):
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def inline_data(prefix, rows, initial=0):
    """A formset's management form and its rows ({field: value} each)."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


# --- records, as the tests need them ---------------------------------------------------


def make_training(organizer, members=(), title="党组织书记示范培训班", **kwargs):
    kwargs = {
        "kind": TrainingSession.Kind.MODEL, "starts_on": D(2025, 3, 10),
        "ends_on": D(2025, 3, 12), "hours": Decimal("24"), **kwargs,
    }  # fmt: skip
    session = TrainingSession.objects.create(title=title, organizer=organizer, **kwargs)
    for member in members:
        TrainingAttendance.objects.create(session=session, member=member, role="secretary")
    return session


def make_meeting(convened_by, participants=(), title="社会组织党建工作联席会议", open_items=1):
    meeting = JointMeeting.objects.create(
        convened_by=convened_by, held_on=D(2025, 4, 20), title=title, topics="部署年度重点工作"
    )
    meeting.participant_units.set(participants)
    for index in range(open_items):
        JointMeetingDecision.objects.create(
            meeting=meeting, content=f"议定事项{index}", responsible_unit=convened_by
        )
    JointMeetingDecision.objects.create(meeting=meeting, content="已办结", done_on=D(2025, 5, 1))
    return meeting


def make_contact(party_org, member, person="张会长", **kwargs):
    kwargs = {
        "kind": ContactRecord.Kind.MEMBER_STAFF, "contacted_on": D(2025, 5, 8),
        "way": ContactRecord.Way.TALK, "content": "了解职工思想动态", **kwargs,
    }  # fmt: skip
    return ContactRecord.objects.create(
        party_org=party_org, contact_by=member, person_name=person, **kwargs
    )


def make_case(party_org=None, org=None, title="“红色课堂”特色品牌", **kwargs):
    kwargs = {"category": TypicalCase.Category.PRACTICE, "year": 2024, **kwargs}
    return TypicalCase.objects.create(
        title=title, party_org=party_org, org=org, practice="党员教师结对帮扶", **kwargs
    )


def make_attachment(activity, title="签到表"):
    return ActivityAttachment.objects.create(
        activity=activity, title=title, file=SimpleUploadedFile("签到表.pdf", PDF)
    )


# --- training sessions (§五) -----------------------------------------------------------


def training_post(work, **overrides):
    data = {
        "title": "玄武区社会组织党务工作者培训班",
        "kind": TrainingSession.Kind.DEPARTMENT,
        "organizer": work.units["xuanwu_two_new"].pk,
        "starts_on": "2025-05-12",
        "ends_on": "2025-05-14",
        "hours": "16",
        "location": "区委党校",
        "content": "党务基础知识",
        **inline_data(
            "attendances",
            [
                {"member": work.members["m_school"].pk, "role": "secretary", "completed": "on"},
                {"member": work.members["m_association"].pk, "role": "party_worker"},
            ],
        ),
    }
    data.update(overrides)
    return data


def test_a_two_new_committee_adds_a_training_with_its_trainees(client, work):
    user = work.users["xuanwu_two_new"]
    client.force_login(user)
    response = client.get(url(TrainingSession, "add"))
    assert form_of(response).initial["organizer"] == user.unit_id
    response = client.post(url(TrainingSession, "add"), training_post(work))
    assert response.status_code == 302, form_of(response).errors
    session = TrainingSession.objects.get()
    assert (session.organizer, session.hours, session.ends_on) == (
        user.unit,
        Decimal("16"),
        D(2025, 5, 14),
    )
    attendances = {a.member.name: (a.role, a.completed) for a in session.attendances.all()}
    assert attendances == {"王启明": ("secretary", True), "李志愿": ("party_worker", False)}
    assert session.history.first().history_user == user
    (row,) = listed(client, TrainingSession)
    assert row.trainees_count == 2


def test_the_organizer_is_one_of_the_units_the_user_sees(client, work):
    client.force_login(work.users["xuanwu_two_new"])
    response = client.get(url(TrainingSession, "add"))
    offered = {unit.name for unit in form_of(response).fields["organizer"].queryset}
    # Its own unit and the units of 玄武区 and its streets, not the city's or 秦淮区's.
    assert offered == {"中共南京市玄武区委两新工委", "南京市玄武区民政局", "新街口街道党工委"}
    response = client.get(url(TrainingSession, "changelist"))
    (spec,) = [s for s in response.context["cl"].filter_specs if s.field_path == "organizer"]
    assert {name for _pk, name in spec.lookup_choices} == offered
    client.force_login(work.users["education"])
    response = client.get(url(TrainingSession, "add"))
    assert [unit.name for unit in form_of(response).fields["organizer"].queryset] == [
        "南京市教育局"
    ]
    data = training_post(work, organizer=work.units["xuanwu_two_new"].pk)
    data.update(inline_data("attendances", []))
    response = client.post(url(TrainingSession, "add"), data)
    assert list(form_of(response).errors) == ["organizer"]
    assert not TrainingSession.objects.exists()


def test_the_dates_of_a_training_show_in_the_date_inputs(client, work):
    session = make_training(work.units["xuanwu_two_new"])
    client.force_login(work.users["xuanwu_two_new"])
    page = client.get(url(TrainingSession, "change", session.pk)).content.decode()
    # ISO, as a date input needs it (the locale's 2025/03/10 would show it empty).
    assert 'type="date" name="starts_on" value="2025-03-10"' in page
    assert 'type="date" name="ends_on" value="2025-03-12"' in page


def test_a_training_ending_before_it_starts_is_refused_in_chinese(client, work):
    client.force_login(work.users["xuanwu_two_new"])
    response = client.post(url(TrainingSession, "add"), training_post(work, ends_on="2025-05-11"))
    assert response.status_code == 200
    assert form_of(response).errors["ends_on"] == ["结束日期不能早于开始日期"]
    assert not TrainingSession.objects.exists()


def test_a_trainee_outside_the_scope_is_refused(client, work):
    client.force_login(work.users["xuanwu_two_new"])
    data = training_post(work)
    data["attendances-1-member"] = work.members["m_qinhuai"].pk  # works in 秦淮区
    response = client.post(url(TrainingSession, "add"), data)
    assert response.status_code == 200
    errors, _ = formset_errors(response, "attendances")
    assert list(errors[1]) == ["member"]
    assert not TrainingSession.objects.exists()


def test_trainings_are_seen_by_their_unit_and_the_committees_over_it(client, work):
    own = make_training(work.units["xuanwu_two_new"], [work.members["m_school"]])
    city = make_training(work.units["education"], title="教育系统党务培训")
    for role, expected in [
        ("xuanwu_two_new", {own}),
        ("city_two_new", {own, city}),
        ("organization_dept", {own, city}),
        ("education", {city}),
        ("qinhuai_two_new", set()),
        ("secretary", set()),
    ]:
        client.force_login(work.users[role])
        assert set(listed(client, TrainingSession)) == expected, role
        for session in (own, city):
            status = 200 if session in expected else 404
            assert client.get(url(TrainingSession, "change", session.pk)).status_code == status
    client.force_login(work.users["qinhuai_two_new"])
    response = client.post(url(TrainingSession, "change", own.pk), training_post(work))
    assert response.status_code == 404
    own.refresh_from_db()
    assert own.title == "党组织书记示范培训班"


@pytest.mark.parametrize("role", ["secretary", "xuanwu_registration"])
def test_a_secretary_or_a_registration_office_cannot_add_a_training(client, work, role):
    client.force_login(work.users[role])
    assert client.get(url(TrainingSession, "add")).status_code == 403
    assert client.post(url(TrainingSession, "add"), training_post(work)).status_code == 403
    assert not TrainingSession.objects.exists()


def test_a_training_is_kept_but_its_attendances_may_be_removed(client, work):
    session = make_training(work.units["xuanwu_two_new"], [work.members["m_school"]])
    client.force_login(work.users["xuanwu_two_new"])
    assert client.get(url(TrainingSession, "delete", session.pk)).status_code == 403
    (attendance,) = session.attendances.all()
    data = training_post(work, title=session.title)
    data.update(
        inline_data(
            "attendances",
            [{"id": attendance.pk, "member": attendance.member_id, "DELETE": "on"}],
            initial=1,
        )
    )
    response = client.post(url(TrainingSession, "change", session.pk), data)
    assert response.status_code == 302, form_of(response).errors
    assert not session.attendances.exists()


def autocomplete(client, model, field_name):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "assessments",
            "model_name": model._meta.model_name,
            "field_name": field_name,
        },
    )
    assert response.status_code == 200
    return {result["text"] for result in response.json()["results"]}


def test_trainees_to_pick_are_the_members_of_the_scope(client, work):
    client.force_login(work.users["xuanwu_two_new"])
    assert autocomplete(client, TrainingAttendance, "member") == {
        "王启明",
        "李志愿",
        "赵读书",
        "钱律师",
    }


# --- joint meetings (§九) --------------------------------------------------------------


def meeting_post(work, decisions=None, **overrides):
    units = work.units
    data = {
        "convened_by": units["xuanwu_two_new"].pk,
        "held_on": "2025-06-10",
        "title": "玄武区社会组织党建工作联席会议",
        "participant_units": [units["xuanwu_registration"].pk, units["xinjiekou"].pk],
        "other_participants": "王某（区委组织部组织科科长）",
        "topics": "部署党组织覆盖攻坚",
        "minutes": "会议议定三项工作。",
        **inline_data(
            "decisions",
            decisions
            if decisions is not None
            else [
                {
                    "content": "年底前完成未覆盖社会组织排查",
                    "responsible_unit": units["xinjiekou"].pk,
                    "due_on": "2025-12-31",
                }
            ],
        ),
    }
    data.update(overrides)
    return data


def test_a_two_new_committee_records_a_joint_meeting_and_its_decisions(client, work):
    user = work.users["xuanwu_two_new"]
    client.force_login(user)
    response = client.get(url(JointMeeting, "add"))
    assert form_of(response).initial["convened_by"] == user.unit_id
    offered = {unit.name for unit in form_of(response).fields["participant_units"].queryset}
    assert offered == {"中共南京市玄武区委两新工委", "南京市玄武区民政局", "新街口街道党工委"}
    response = client.post(url(JointMeeting, "add"), meeting_post(work))
    assert response.status_code == 302, form_of(response).errors
    meeting = JointMeeting.objects.get()
    assert meeting.convened_by == user.unit
    assert {u.name for u in meeting.participant_units.all()} == {
        "南京市玄武区民政局",
        "新街口街道党工委",
    }
    (decision,) = meeting.decisions.all()
    assert (decision.responsible_unit, decision.due_on) == (
        work.units["xinjiekou"],
        D(2025, 12, 31),
    )
    (row,) = listed(client, JointMeeting)
    assert (row.participants_count, row.has_open_decisions) == (2, True)


def test_a_participant_unit_outside_the_scope_is_refused(client, work):
    client.force_login(work.users["xuanwu_two_new"])
    data = meeting_post(work, participant_units=[work.units["education"].pk])
    response = client.post(url(JointMeeting, "add"), data)
    assert list(form_of(response).errors) == ["participant_units"]
    assert not JointMeeting.objects.exists()


def test_a_meeting_in_the_future_is_refused_in_chinese(client, work):
    client.force_login(work.users["xuanwu_two_new"])
    response = client.post(url(JointMeeting, "add"), meeting_post(work, held_on="2025-06-16"))
    assert form_of(response).errors["held_on"] == ["会议日期不能晚于今天"]


def test_a_decision_due_before_its_meeting_is_refused_in_chinese(client, work):
    meeting = make_meeting(work.units["xuanwu_two_new"], open_items=0)
    (done,) = meeting.decisions.all()
    client.force_login(work.users["xuanwu_two_new"])
    decisions = [
        {"id": done.pk, "content": done.content, "done_on": "2025-05-01"},
        {"content": "补报材料", "due_on": "2025-04-19", "done_on": "2025-06-16"},
    ]
    data = meeting_post(work, decisions=decisions, held_on="2025-04-20")
    data["decisions-INITIAL_FORMS"] = "1"
    response = client.post(url(JointMeeting, "change", meeting.pk), data)
    assert response.status_code == 200
    errors, _ = formset_errors(response, "decisions")
    assert errors[1] == {
        "due_on": ["完成期限不能早于会议日期"],
        "done_on": ["完成日期不能晚于今天"],
    }
    assert meeting.decisions.count() == 1


def test_a_decision_due_before_a_new_meeting_is_refused(client, work):
    client.force_login(work.users["xuanwu_two_new"])
    decisions = [{"content": "补报材料", "due_on": "2025-06-01"}]
    client.post(url(JointMeeting, "add"), meeting_post(work, decisions=decisions))
    assert not JointMeeting.objects.exists()


def test_meetings_are_seen_by_their_convener_participants_and_committees_over_them(client, work):
    units = work.units
    xuanwu = make_meeting(
        units["xuanwu_two_new"], [units["xuanwu_registration"], units["xinjiekou"]]
    )
    qinhuai = make_meeting(units["qinhuai_two_new"], title="秦淮区联席会议")
    for role, expected in [
        ("xuanwu_two_new", [xuanwu]),
        ("xinjiekou", [xuanwu]),  # a participant
        ("city_two_new", [qinhuai, xuanwu]),  # each once, whatever its participants
        ("education", []),
        ("qinhuai_two_new", [qinhuai]),
    ]:
        client.force_login(work.users[role])
        assert sorted(listed(client, JointMeeting), key=lambda m: m.pk) == sorted(
            expected, key=lambda m: m.pk
        ), role
        for meeting in (xuanwu, qinhuai):
            status = 200 if meeting in expected else 404
            assert client.get(url(JointMeeting, "change", meeting.pk)).status_code == status, role
            assert client.get(url(JointMeeting, "history", meeting.pk)).status_code == status


@pytest.mark.parametrize("role", ["education", "xinjiekou", "secretary"])
def test_only_the_leading_bodies_record_joint_meetings(client, work, role):
    client.force_login(work.users[role])
    assert client.get(url(JointMeeting, "add")).status_code == 403
    assert client.post(url(JointMeeting, "add"), meeting_post(work)).status_code == 403
    assert not JointMeeting.objects.exists()


def test_the_list_flags_meetings_with_open_decisions(client, work):
    units = work.units
    open_meeting = make_meeting(units["xuanwu_two_new"], title="有未办结")
    done_meeting = make_meeting(units["xuanwu_two_new"], title="全部办结", open_items=0)
    client.force_login(work.users["xuanwu_two_new"])
    response = client.get(url(JointMeeting, "changelist"), {"open": "yes"})
    assert list(response.context["cl"].result_list) == [open_meeting]
    response = client.get(url(JointMeeting, "changelist"), {"open": "no"})
    assert list(response.context["cl"].result_list) == [done_meeting]


# --- contact records (§九) -------------------------------------------------------------


def contact_post(work, **overrides):
    data = {
        "kind": ContactRecord.Kind.SECRETARY_HEAD,
        "party_org": work.school.pk,
        "contact_by": work.members["m_school"].pk,
        "org": work.orgs["school"].pk,
        "person_name": "陈校长",
        "person_role": "校长",
        "contacted_on": "2025-06-03",
        "way": ContactRecord.Way.VISIT,
        "content": "沟通党建工作纳入学校章程",
        "follow_up": "",
    }
    data.update(overrides)
    return data


def test_a_secretary_records_their_contact_with_the_orgs_head(client, work):
    secretary = work.users["secretary"]
    client.force_login(secretary)
    response = client.get(url(ContactRecord, "add"))
    assert form_of(response).initial["party_org"] == work.school.pk
    response = client.post(url(ContactRecord, "add"), contact_post(work))
    assert response.status_code == 302, form_of(response).errors
    record = ContactRecord.objects.get()
    assert (record.party_org, record.contact_by, record.org, record.person_name) == (
        work.school,
        work.members["m_school"],
        work.orgs["school"],
        "陈校长",
    )
    assert record.history.first().history_user == secretary
    (row,) = listed(client, ContactRecord)
    assert row == record


def test_a_head_contact_by_a_member_who_is_not_the_secretary_is_refused_in_chinese(client, work):
    client.force_login(work.users["secretary"])
    data = contact_post(work, contact_by=work.members["m_away"].pk)
    response = client.post(url(ContactRecord, "add"), data)
    assert response.status_code == 200
    assert form_of(response).errors["contact_by"] == ["周外出在联系当日不是该党组织的书记"]
    assert not ContactRecord.objects.exists()


def test_a_head_contact_after_the_secretarys_term_ended_is_refused(client, work):
    Post.objects.filter(member=work.members["m_school"]).update(ended_on=D(2025, 6, 1))
    client.force_login(work.users["secretary"])
    response = client.post(url(ContactRecord, "add"), contact_post(work))
    assert form_of(response).errors["contact_by"] == ["王启明在联系当日不是该党组织的书记"]
    response = client.post(url(ContactRecord, "add"), contact_post(work, contacted_on="2025-05-31"))
    assert response.status_code == 302, form_of(response).errors


def test_a_secretary_sees_no_other_party_organizations_contact_records(client, work):
    ours = make_contact(work.school, work.members["m_school"])
    theirs = make_contact(work.law, work.members["m_law"], person="钱主任")
    client.force_login(work.users["secretary"])
    assert listed(client, ContactRecord) == [ours]
    response = client.get(url(ContactRecord, "changelist"), {"q": "钱主任"})
    assert list(response.context["cl"].result_list) == []
    assert client.get(url(ContactRecord, "change", theirs.pk)).status_code == 404
    assert client.get(url(ContactRecord, "history", theirs.pk)).status_code == 404
    client.force_login(work.users["law_secretary"])
    assert listed(client, ContactRecord) == [theirs]
    assert client.get(url(ContactRecord, "change", ours.pk)).status_code == 404
    # Nor can a secretary record for another Party organization.
    client.force_login(work.users["secretary"])
    data = contact_post(work, party_org=work.law.pk, contact_by=work.members["m_law"].pk)
    response = client.post(url(ContactRecord, "add"), data)
    assert {"party_org", "contact_by"} <= set(form_of(response).errors)


def test_a_secretary_picks_contacts_among_their_members_and_party_organizations(client, work):
    client.force_login(work.users["secretary"])
    assert autocomplete(client, ContactRecord, "contact_by") == {"王启明", "周外出"}
    assert autocomplete(client, ContactRecord, "party_org") == {
        "启明培训学校党支部",
        "启明培训学校教师第一党小组支部",
    }
    assert autocomplete(client, ContactRecord, "org") == {"玄武区启明培训学校"}


def test_a_registration_office_reads_contact_records_but_cannot_add_or_delete(client, work):
    record = make_contact(work.school, work.members["m_school"])
    client.force_login(work.users["xuanwu_registration"])
    assert listed(client, ContactRecord) == [record]
    assert client.get(url(ContactRecord, "add")).status_code == 403
    client.force_login(work.users["secretary"])
    assert client.get(url(ContactRecord, "delete", record.pk)).status_code == 403


# --- typical cases (§十) ---------------------------------------------------------------


def case_post(work, **overrides):
    data = {
        "title": "“红色课堂”党建品牌",
        "category": TypicalCase.Category.PRACTICE,
        "year": "2024",
        "party_org": work.school.pk,
        "org": work.orgs["school"].pk,
        "member": "",
        "practice": "党员教师结对帮扶学生",
        "results": "",
        "level": TypicalCase.Level.DISTRICT,
        "recognized_by": "中共南京市玄武区委两新工委",
        "published_on": "",
        "published_in": "",
    }
    data.update(overrides)
    return data


def test_a_two_new_committee_records_a_typical_case(client, work):
    user = work.users["xuanwu_two_new"]
    client.force_login(user)
    response = client.get(url(TypicalCase, "add"))
    assert form_of(response).initial["year"] == 2025
    response = client.post(url(TypicalCase, "add"), case_post(work))
    assert response.status_code == 302, form_of(response).errors
    case = TypicalCase.objects.get()
    assert (case.year, case.party_org, case.org, case.level) == (
        2024,
        work.school,
        work.orgs["school"],
        "district",
    )
    assert case.history.first().history_user == user


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"party_org": "", "org": ""}, {"party_org": ["请选择党组织或社会组织"]}),
        ({"category": TypicalCase.Category.MEMBER}, {"member": ["个人典型须选择党员"]}),
        ({"year": "2026"}, {"year": ["年度不能晚于今年"]}),
        ({"org": "law_firm"}, {"org": ["该社会组织不在所选党组织覆盖范围内"]}),
    ],
)
def test_an_incomplete_typical_case_is_refused_in_chinese(client, work, overrides, errors):
    if overrides.get("org") == "law_firm":
        overrides = {"org": work.orgs["law_firm"].pk}
    client.force_login(work.users["xuanwu_two_new"])
    response = client.post(url(TypicalCase, "add"), case_post(work, **overrides))
    assert response.status_code == 200
    assert form_of(response).errors == errors
    assert not TypicalCase.objects.exists()


def test_typical_cases_outside_the_scope_are_neither_listed_nor_opened(client, work):
    school = make_case(work.school, work.orgs["school"])
    qinhuai = make_case(work.party_orgs["qinhuai"], title="秦淮文化惠民")
    client.force_login(work.users["xuanwu_two_new"])
    assert listed(client, TypicalCase) == [school]
    assert client.get(url(TypicalCase, "change", qinhuai.pk)).status_code == 404
    client.force_login(work.users["qinhuai_two_new"])
    assert listed(client, TypicalCase) == [qinhuai]
    assert client.get(url(TypicalCase, "change", school.pk)).status_code == 404
    client.force_login(work.users["secretary"])  # reads its own Party organization's
    assert listed(client, TypicalCase) == [school]


@pytest.mark.parametrize("role", ["secretary", "xuanwu_registration"])
def test_a_secretary_or_registration_office_cannot_add_a_typical_case(client, work, role):
    client.force_login(work.users[role])
    assert client.get(url(TypicalCase, "add")).status_code == 403
    assert client.post(url(TypicalCase, "add"), case_post(work)).status_code == 403


# --- activity attachments --------------------------------------------------------------


@pytest.fixture
def school_activity(work):
    return factories.ActivityFactory(
        party_org=work.school, held_on=D(2025, 4, 10), topic="第二季度党员大会"
    )


def activity_post(work, activity, **overrides):
    data = {
        "party_org": work.school.pk,
        "kind": activity.kind,
        "held_on": activity.held_on.isoformat(),
        "topic": activity.topic,
        "location": "",
        "attendees": [],
        "observers": "",
        "minutes": "",
    }
    data.update(overrides)
    return data


def test_a_secretary_uploads_an_attachment_and_downloads_it_in_scope(
    client, work, media, school_activity
):
    secretary = work.users["secretary"]
    client.force_login(secretary)
    upload = SimpleUploadedFile("签到表.pdf", PDF, content_type="application/pdf")
    response = client.post(
        url(ActivityAttachment, "add"),
        {"activity": school_activity.pk, "title": "签到表", "file": upload},
    )
    assert response.status_code == 302, form_of(response).errors
    attachment = ActivityAttachment.objects.get()
    assert (attachment.original_name, attachment.size, attachment.uploaded_by) == (
        "签到表.pdf",
        len(PDF),
        secretary,
    )
    assert attachment.file.name.startswith(f"activities/{school_activity.pk}/")
    download = client.get(url(ActivityAttachment, "download", attachment.pk))
    assert b"".join(download.streaming_content) == PDF
    page = client.get(url(ActivityAttachment, "change", attachment.pk)).content.decode()
    assert "/media/" not in page  # no link to the stored file
    client.force_login(work.users["law_secretary"])
    assert client.get(url(ActivityAttachment, "download", attachment.pk)).status_code == 404
    assert client.get(url(ActivityAttachment, "change", attachment.pk)).status_code == 404
    assert listed(client, ActivityAttachment) == []


def test_an_attachment_is_uploaded_on_its_activitys_page(client, work, media, school_activity):
    client.force_login(work.users["xuanwu_two_new"])
    data = activity_post(work, school_activity)
    upload = SimpleUploadedFile("会议照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    data.update(inline_data("attachments", [{"title": "会议照片", "file": upload}]))
    response = client.post(url(Activity, "change", school_activity.pk), data)
    assert response.status_code == 302, formset_errors(response, "attachments")
    attachment = school_activity.attachments.get()
    assert (attachment.title, attachment.original_name, attachment.size) == (
        "会议照片",
        "会议照片.png",
        108,
    )
    assert attachment.uploaded_by == work.users["xuanwu_two_new"]
    page = client.get(url(Activity, "change", school_activity.pk)).content.decode()
    assert url(ActivityAttachment, "download", attachment.pk) in page
    assert "/media/" not in page


def test_a_secretary_records_an_activity_with_its_sign_in_sheet(client, work, media):
    secretary = work.users["secretary"]
    client.force_login(secretary)
    activity = Activity(
        kind=Activity.Kind.GENERAL_MEETING, held_on=D(2025, 6, 10), topic="党员大会"
    )
    data = activity_post(work, activity, attendees=[work.members["m_school"].pk])
    upload = SimpleUploadedFile("签到表.pdf", PDF)
    data.update(inline_data("attachments", [{"title": "签到表", "file": upload}]))
    response = client.post(url(Activity, "add"), data)
    assert response.status_code == 302, formset_errors(response, "attachments")
    attachment = ActivityAttachment.objects.get()
    assert attachment.activity == Activity.objects.get()
    assert (attachment.uploaded_by, attachment.original_name) == (secretary, "签到表.pdf")
    assert attachment.file.name.startswith(f"activities/{attachment.activity_id}/")


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "不支持的文件类型“exe”"),
        ("scan.pdf", b"MZ\x90\x00 not a pdf", "文件内容与扩展名“pdf”不符"),
    ],
)
def test_a_bad_file_is_refused_in_chinese_and_nothing_is_stored(
    client, work, media, school_activity, filename, content, message
):
    client.force_login(work.users["secretary"])
    upload = SimpleUploadedFile(filename, content)
    response = client.post(
        url(ActivityAttachment, "add"), {"activity": school_activity.pk, "file": upload}
    )
    assert response.status_code == 200
    assert message in form_of(response).errors["file"][0]
    data = activity_post(work, school_activity)
    data.update(inline_data("attachments", [{"file": SimpleUploadedFile(filename, content)}]))
    response = client.post(url(Activity, "change", school_activity.pk), data)
    assert response.status_code == 200
    errors, _ = formset_errors(response, "attachments")
    assert message in errors[0]["file"][0]
    assert message in response.content.decode()
    assert not ActivityAttachment.objects.exists()
    assert not any(media.rglob("*.*"))


def test_saving_an_activity_without_its_attachments_part_keeps_them(
    client, work, media, school_activity
):
    attachment = make_attachment(school_activity)
    client.force_login(work.users["secretary"])
    response = client.post(
        url(Activity, "change", school_activity.pk),
        activity_post(work, school_activity, topic="改"),
    )
    assert response.status_code == 302, form_of(response).errors
    assert list(school_activity.attachments.all()) == [attachment]


def test_an_activity_saves_beside_an_attachment_whose_stored_file_is_gone(
    client, work, media, school_activity
):
    # A stored file is checked when uploaded, not opened again on each save of the page.
    attachment = make_attachment(school_activity)
    attachment.file.storage.delete(attachment.file.name)
    client.force_login(work.users["secretary"])
    data = activity_post(work, school_activity, topic="改")
    row = {"id": attachment.pk, "activity": school_activity.pk, "title": attachment.title}
    data.update(inline_data("attachments", [row], initial=1))
    response = client.post(url(Activity, "change", school_activity.pk), data)
    assert response.status_code == 302, formset_errors(response, "attachments")
    assert client.get(url(ActivityAttachment, "download", attachment.pk)).status_code == 404


def test_an_attachments_history_is_seen_in_scope_only(client, work, media, school_activity):
    attachment = make_attachment(school_activity)
    version = attachment.history.get()
    client.force_login(work.users["secretary"])
    assert client.get(url(ActivityAttachment, "history", attachment.pk)).status_code == 200
    page = client.get(url(ActivityAttachment, "simple_history", attachment.pk, version.history_id))
    assert page.status_code == 200
    assert "/media/" not in page.content.decode()
    client.force_login(work.users["law_secretary"])
    assert client.get(url(ActivityAttachment, "history", attachment.pk)).status_code == 404


def test_an_attachment_may_be_removed_with_the_delete_permission(
    client, work, media, school_activity
):
    first, second = make_attachment(school_activity), make_attachment(school_activity, "照片")
    client.force_login(work.users["xuanwu_registration"])  # reads only
    assert client.get(url(ActivityAttachment, "delete", first.pk)).status_code == 403
    page = client.get(url(ActivityAttachment, "change", first.pk)).content.decode()
    assert "/media/" not in page and url(ActivityAttachment, "download", first.pk) in page
    page = client.get(url(Activity, "change", school_activity.pk)).content.decode()
    assert "/media/" not in page and url(ActivityAttachment, "download", second.pk) in page
    client.force_login(work.users["secretary"])
    response = client.post(url(ActivityAttachment, "delete", first.pk), {"post": "yes"})
    assert response.status_code == 302
    data = activity_post(work, school_activity)
    data.update(inline_data("attachments", [{"id": second.pk, "DELETE": "on"}], initial=1))
    response = client.post(url(Activity, "change", school_activity.pk), data)
    assert response.status_code == 302, formset_errors(response, "attachments")
    assert not ActivityAttachment.objects.exists()


def test_a_registration_office_cannot_upload_an_attachment(client, work, media, school_activity):
    client.force_login(work.users["xuanwu_registration"])
    assert client.get(url(ActivityAttachment, "add")).status_code == 403
    upload = SimpleUploadedFile("签到表.pdf", PDF)
    response = client.post(
        url(ActivityAttachment, "add"), {"activity": school_activity.pk, "file": upload}
    )
    assert response.status_code == 403
    assert not ActivityAttachment.objects.exists()


# --- query counts ----------------------------------------------------------------------


def add_trainings(work, count):
    members = list(work.members.values())
    for index in range(count):
        make_training(work.units["xuanwu_two_new"], members[index % 3 : index % 3 + 3])


def add_meetings(work, count):
    units = work.units
    for _ in range(count):
        make_meeting(units["xuanwu_two_new"], [units["xuanwu_registration"], units["xinjiekou"]])


def add_contacts(work, count):
    for _ in range(count):
        make_contact(work.school, work.members["m_school"])
        make_contact(work.law, work.members["m_law"])


def add_cases(work, count):
    for _ in range(count):
        make_case(work.school, work.orgs["school"])
        make_case(work.law, work.orgs["law_firm"])


def add_attachments(work, count):
    for _ in range(count):
        activity = factories.ActivityFactory(party_org=work.school)
        make_attachment(activity)


def count_queries(client, address):
    with CaptureQueriesContext(connection) as context:
        response = client.get(address)
    assert response.status_code == 200, address
    return len(context)


@pytest.mark.parametrize(
    ("model", "add", "who"),
    [
        (TrainingSession, add_trainings, "xuanwu_two_new"),
        (JointMeeting, add_meetings, "city_two_new"),
        (ContactRecord, add_contacts, "secretary"),
        (TypicalCase, add_cases, "xuanwu_two_new"),
        (ActivityAttachment, add_attachments, "xuanwu_two_new"),
    ],
)
def test_a_list_needs_the_same_few_queries_for_2_and_6_rows(client, work, media, model, add, who):
    add(work, 2)
    client.force_login(work.users[who])
    address = url(model, "changelist")
    client.get(address)  # warm the per-process caches
    small = count_queries(client, address)
    add(work, 4)
    assert len(listed(client, model)) >= 6
    large = count_queries(client, address)
    assert large == small
    assert large <= MAX_QUERIES
