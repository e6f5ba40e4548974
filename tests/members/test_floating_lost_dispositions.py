"""Floating members, relationship checks, lost contact and dispositions through
members.services: what each write does to the member, and what it refuses."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from members.models import (
    CheckFinding,
    Disposition,
    FloatingRecord,
    LostContact,
    Member,
    RelationshipCheck,
)
from members.services import (
    check_start,
    disposition_save,
    finding_record,
    floating_save,
    lost_contact_close,
    lost_contact_register,
)
from orgs.scopes import Scope, ScopeKind
from tests.members import lifecycle_fixtures
from tests.members.lifecycle_fixtures import TODAY, all_messages, errors_of

D = datetime.date
DAY = datetime.timedelta(days=1)
lifecycle = lifecycle_fixtures.lifecycle
today = lifecycle_fixtures.today

HOME = "中共苏州市某公司委员会"


def member_row(member):
    return Member.objects.filter(pk=member.pk).values().get(), set(
        member.attends.values_list("pk", flat=True)
    )


# --- floating members ---------------------------------------------------------------------


@pytest.fixture
def incoming(lifecycle):
    """A member from Suzhou working in org 1; the relationship stays in Suzhou."""
    return lifecycle.member(lifecycle.orgs[1], None, outside_holder=HOME)


def inflow(member, host, **fields):
    fields.setdefault("since", D(2025, 1, 10))
    return FloatingRecord(
        member=member, direction="in", place="江苏省苏州市", host_party_org=host,
        contact_person="王联络", **fields,
    )  # fmt: skip


def test_an_inflow_member_attends_the_host_and_is_floating(incoming, lifecycle):
    record = floating_save(record=inflow(incoming, lifecycle.sun), user=lifecycle.user)
    incoming.refresh_from_db()
    assert incoming.is_floating
    assert list(incoming.attends.all()) == [lifecycle.sun]
    assert record.added_attendance
    assert incoming.history.first().history_user == lifecycle.user


def test_ending_an_inflow_removes_the_attendance_it_added(incoming, lifecycle):
    record = floating_save(record=inflow(incoming, lifecycle.sun), user=lifecycle.user)
    record.ended_on = D(2025, 6, 1)
    floating_save(record=record, user=lifecycle.user)
    incoming.refresh_from_db()
    assert not incoming.is_floating
    assert not incoming.attends.exists()


def test_ending_keeps_an_attendance_the_member_had_before(incoming, lifecycle):
    incoming.attends.add(lifecycle.sun, lifecycle.joint)
    record = floating_save(record=inflow(incoming, lifecycle.sun), user=None)
    assert not record.added_attendance
    record.ended_on = D(2025, 6, 1)
    floating_save(record=record, user=None)
    assert set(incoming.attends.all()) == {lifecycle.sun, lifecycle.joint}
    incoming.refresh_from_db()
    assert not incoming.is_floating


def test_an_outflow_member_is_floating_until_the_record_ends(lifecycle):
    member = lifecycle.sun_member()
    record = FloatingRecord(
        member=member, direction="out", place="上海市浦东新区", fixed_place=True,
        since=D(2025, 2, 1), contact_person="本人", host_outside="上海某党支部",
    )  # fmt: skip
    floating_save(record=record, user=None)
    member.refresh_from_db()
    assert member.is_floating and not member.attends.exists()
    record.ended_on = TODAY
    floating_save(record=record, user=None)
    member.refresh_from_db()
    assert not member.is_floating
    assert member.party_org == lifecycle.sun


def refused_floating(record, member):
    before = member_row(member), list(FloatingRecord.objects.order_by("pk").values())
    with pytest.raises(ValidationError) as excinfo:
        floating_save(record=record, user=None)
    assert (member_row(member), list(FloatingRecord.objects.order_by("pk").values())) == before
    return excinfo


def test_changing_the_host_is_refused(incoming, lifecycle):
    record = floating_save(record=inflow(incoming, lifecycle.sun), user=None)
    record.host_party_org = lifecycle.joint
    excinfo = refused_floating(record, incoming)
    assert errors_of(excinfo) == {
        "host_party_org": ["参加组织生活的党组织变动的，请结束本登记后重新登记"]
    }


def test_changing_the_member_is_refused(incoming, lifecycle):
    record = floating_save(record=inflow(incoming, lifecycle.sun), user=None)
    other = lifecycle.member(lifecycle.orgs[1], None, outside_holder=HOME)
    record.member = other
    excinfo = refused_floating(record, incoming)
    assert errors_of(excinfo) == {"member": ["登记的党员不能更改，请结束本登记后重新登记"]}
    assert not other.attends.exists()


def test_an_ended_record_cannot_be_changed(incoming, lifecycle):
    record = floating_save(record=inflow(incoming, lifecycle.sun), user=None)
    record.ended_on = D(2025, 6, 1)
    floating_save(record=record, user=None)
    for field, value in (("ended_on", None), ("place", "无锡"), ("ended_on", D(2025, 6, 2))):
        record = FloatingRecord.objects.get(pk=record.pk)
        setattr(record, field, value)
        excinfo = refused_floating(record, incoming)
        assert all_messages(excinfo) == ["已结束的流动登记不能修改"]


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("no_host", "host_party_org", "流入党员须选择参加组织生活的党组织"),
        ("own_party_org", "host_party_org", "该党员的组织关系已在此党组织"),
        ("two_hosts", "host_outside", "参加组织生活的党组织只填一个"),
        ("ends_before_start", "ended_on", "结束日期不能早于流动开始日期"),
        ("future", "since", "流动开始日期不能晚于今天"),
        ("off_register", "member", "只有在册党员可以登记为流动党员"),
    ],
)
def test_a_floating_record_is_consistent(lifecycle, case, field, message):
    member = lifecycle.sun_member()
    record = {
        "no_host": lambda: inflow(member, None),
        "own_party_org": lambda: inflow(member, lifecycle.sun),
        "two_hosts": lambda: inflow(member, lifecycle.joint, host_outside="另一党组织"),
        "ends_before_start": lambda: inflow(member, lifecycle.joint, ended_on=D(2025, 1, 9)),
        "future": lambda: inflow(member, lifecycle.joint, since=TODAY + DAY),
        "off_register": lambda: inflow(
            lifecycle.sun_member(status=Member.Status.TRANSFERRED_OUT), lifecycle.joint
        ),
    }[case]()
    excinfo = refused_floating(record, member)
    assert errors_of(excinfo)[field] == [message]


def test_one_open_floating_record_per_member(incoming, lifecycle):
    floating_save(record=inflow(incoming, lifecycle.sun), user=None)
    excinfo = refused_floating(inflow(incoming, lifecycle.joint), incoming)
    assert errors_of(excinfo) == {"__all__": ["该党员已有一条未结束的流动登记"]}


# --- relationship checks ------------------------------------------------------------------


@pytest.fixture
def register(lifecycle):
    """Members of 玄武区 orgs (two on the register, one transferred out) and of 秦淮区."""
    return {
        "org1": lifecycle.sun_member(),
        "org2": lifecycle.member(lifecycle.orgs[2], lifecycle.joint),
        "gone": lifecycle.sun_member(status=Member.Status.TRANSFERRED_OUT),
        "qinhuai": lifecycle.member(lifecycle.qinhuai_org, lifecycle.qinhuai),
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("xuanwu_two_new", {"org1", "org2"}),
        ("qinhuai_two_new", {"qinhuai"}),
        ("sun_secretary", {"org1"}),
    ],
)
def test_a_check_covers_the_members_on_the_register_in_its_scope(
    lifecycle, register, who, expected
):
    nanjing = lifecycle.world.nanjing
    if who == "sun_secretary":
        scope = Scope(ScopeKind.PARTY_ORG, party_org_id=lifecycle.sun.pk)
    else:
        district = nanjing.xuanwu if who == "xuanwu_two_new" else nanjing.qinhuai
        scope = Scope.for_unit(lifecycle.two_new_unit(district))
    check = RelationshipCheck(name="2025年组织关系排查", started_on=TODAY, due_on=D(2025, 7, 31))
    assert check_start(check=check, user=lifecycle.user, scope=scope) == len(expected)
    findings = CheckFinding.objects.filter(campaign=check)
    assert {f.member_id for f in findings} == {register[key].pk for key in expected}
    assert {f.result for f in findings} == {CheckFinding.Result.PENDING}
    assert (check.unit_id, check.party_org_id) == (scope.unit_id, scope.party_org_id)


def test_a_check_due_before_its_start_is_refused(lifecycle, register):
    check = RelationshipCheck(name="排查", started_on=TODAY, due_on=TODAY - DAY)
    with pytest.raises(ValidationError):
        check_start(check=check, user=None, scope=Scope(ScopeKind.ALL))
    assert not RelationshipCheck.objects.exists() and not CheckFinding.objects.exists()


@pytest.fixture
def finding(lifecycle, register):
    check = RelationshipCheck(name="排查", started_on=D(2025, 3, 1), due_on=D(2025, 7, 31))
    check_start(check=check, user=None, scope=Scope(ScopeKind.ALL))
    Member.objects.filter(pk=register["org1"].pk).update(last_contact_on=D(2025, 4, 1))
    return check.findings.get(member=register["org1"])


@pytest.mark.parametrize(
    ("checked_on", "last_contact_on"),
    [
        (D(2025, 3, 15), D(2025, 4, 1)),  # earlier than the contact on record: kept
        (D(2025, 4, 1), D(2025, 4, 1)),
        (D(2025, 5, 20), D(2025, 5, 20)),  # later: moves forward
    ],
)
def test_a_member_found_counts_as_contacted_only_forward(finding, checked_on, last_contact_on):
    finding.result, finding.checked_on = CheckFinding.Result.FOUND, checked_on
    finding_record(finding=finding, user=None)
    assert Member.objects.get(pk=finding.member_id).last_contact_on == last_contact_on
    assert CheckFinding.objects.get(pk=finding.pk).result == CheckFinding.Result.FOUND


def test_a_member_not_found_needs_notes_and_leaves_the_contact_date(finding):
    finding.result, finding.checked_on = CheckFinding.Result.NOT_FOUND, D(2025, 5, 20)
    with pytest.raises(ValidationError) as excinfo:
        finding_record(finding=finding, user=None)
    assert errors_of(excinfo) == {"notes": ["未联系上的，请说明已采取的查找措施"]}
    assert CheckFinding.objects.get(pk=finding.pk).result == CheckFinding.Result.PENDING
    finding.notes = "电话停机，走访原住址未果"
    finding_record(finding=finding, user=None)
    assert Member.objects.get(pk=finding.member_id).last_contact_on == D(2025, 4, 1)


def test_a_result_needs_its_date(finding):
    finding.result = CheckFinding.Result.FOUND
    with pytest.raises(ValidationError) as excinfo:
        finding_record(finding=finding, user=None)
    assert errors_of(excinfo) == {"checked_on": ["请填写排查日期"]}


# --- lost contact -------------------------------------------------------------------------


LOST_SINCE = D(2024, 12, 1)


def lost_case(member, lost_since=LOST_SINCE, registered_on=TODAY):
    case = LostContact(member=member, lost_since=lost_since, registered_on=registered_on)
    return lost_contact_register(case=case, user=None)


@pytest.mark.parametrize(
    ("lost_since", "ok"),
    [
        (D(2025, 1, 16), False),  # 5 months
        (D(2024, 12, 17), False),  # 5 months 30 days
        (D(2024, 12, 16), True),  # 6 months
    ],
)
def test_a_member_is_registered_as_lost_contact_after_six_months(lifecycle, lost_since, ok):
    member = lifecycle.sun_member()
    if ok:
        assert lost_case(member, lost_since).outcome == LostContact.Outcome.OPEN
    else:
        with pytest.raises(ValidationError) as excinfo:
            lost_case(member, lost_since)
        assert errors_of(excinfo) == {"lost_since": ["失去联系满6个月的才登记为失联党员"]}
        assert not LostContact.objects.exists()


def test_only_a_member_on_the_register_is_registered_as_lost_contact(lifecycle):
    member = lifecycle.sun_member(status=Member.Status.TRANSFERRED_OUT)
    with pytest.raises(ValidationError) as excinfo:
        lost_case(member)
    assert errors_of(excinfo) == {"member": ["只有在册党员可以登记为失联党员"]}
    assert not LostContact.objects.exists()


def test_one_open_lost_contact_case_per_member(lifecycle):
    member = lifecycle.sun_member()
    lost_case(member)
    with pytest.raises(ValidationError) as excinfo:
        lost_case(member, D(2024, 11, 1))
    assert errors_of(excinfo) == {"__all__": ["该党员已登记为失联党员，尚未处理完毕"]}


@pytest.fixture
def case(lifecycle):
    return lost_case(lifecycle.sun_member(last_contact_on=D(2024, 12, 1)))


def test_recontact_closes_the_case_and_records_the_contact(case, lifecycle):
    lost_contact_close(case=case, outcome="recontacted", on=TODAY, user=lifecycle.user)
    member = Member.objects.get(pk=case.member_id)
    assert member.last_contact_on == TODAY
    assert member.status == Member.Status.ACTIVE
    stored = LostContact.objects.get(pk=case.pk)
    assert (stored.outcome, stored.outcome_on) == ("recontacted", TODAY)
    assert member.history.first().history_user == lifecycle.user


def test_suspension_stops_the_membership(case, lifecycle):
    lost_contact_close(
        case=case, outcome="suspended", on=TODAY, decision_body=" 中共南京市玄武区第1协会支部 ",
        user=lifecycle.user,
    )  # fmt: skip
    assert Member.objects.get(pk=case.member_id).status == Member.Status.SUSPENDED
    stored = LostContact.objects.get(pk=case.pk)
    assert (stored.outcome, stored.decision_body) == ("suspended", "中共南京市玄武区第1协会支部")


def closing_refused(case, **kwargs):
    kwargs.setdefault("user", None)
    before = (
        list(LostContact.objects.filter(pk=case.pk).values()),
        Member.objects.filter(pk=case.member_id).values().get(),
    )
    with pytest.raises(ValidationError) as excinfo:
        lost_contact_close(case=case, **kwargs)
    after = (
        list(LostContact.objects.filter(pk=case.pk).values()),
        Member.objects.filter(pk=case.member_id).values().get(),
    )
    assert after == before
    return errors_of(excinfo)


@pytest.mark.parametrize(
    ("lost_since", "ok"),
    [(D(2024, 12, 17), False), (D(2024, 12, 16), True)],  # on TODAY: 5 months 30 days, 6
)
def test_membership_is_suspended_only_six_months_after_contact_was_lost(case, lost_since, ok):
    # The loss date was corrected after registration (edits are not re-checked).
    LostContact.objects.filter(pk=case.pk).update(lost_since=lost_since)
    kwargs = {"outcome": "suspended", "on": TODAY, "decision_body": "支部委员会"}
    if ok:
        lost_contact_close(case=case, user=None, **kwargs)
        assert Member.objects.get(pk=case.member_id).status == Member.Status.SUSPENDED
    else:
        assert closing_refused(case, **kwargs) == {
            "outcome_on": ["失去联系满6个月（2025-06-17）后才能停止党籍"]
        }


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"outcome": "suspended", "on": TODAY, "decision_body": "  "},
         {"decision_body": ["停止党籍须填写决定党组织"]}),
        ({"outcome": "open", "on": TODAY}, {"outcome": ["请选择处理结果"]}),
        ({"outcome": "recontacted", "on": TODAY + DAY}, {"outcome_on": ["日期不能晚于今天"]}),
        # A case ends after it was registered (registered today, TODAY).
        ({"outcome": "recontacted", "on": TODAY - DAY},
         {"outcome_on": ["不能早于登记日期（2025-06-16）"]}),
    ],
)  # fmt: skip
def test_closing_needs_a_valid_outcome_date_and_body(case, kwargs, errors):
    assert closing_refused(case, **kwargs) == errors


def test_a_case_is_closed_once(case):
    lost_contact_close(case=case, outcome="recontacted", on=TODAY, user=None)
    errors = closing_refused(case, outcome="suspended", on=TODAY, decision_body="支部")
    assert errors == {"__all__": ["该失联党员已处理完毕"]}
    assert Member.objects.get(pk=case.member_id).status == Member.Status.ACTIVE


def test_a_member_off_the_register_is_not_suspended(case):
    Member.objects.filter(pk=case.member_id).update(status=Member.Status.DECEASED)
    errors = closing_refused(case, outcome="suspended", on=TODAY, decision_body="支部")
    assert errors == {"__all__": ["该党员已不在册"]}


# --- dispositions -------------------------------------------------------------------------


def disposition(member, kind, **fields):
    fields.setdefault("decided_on", D(2025, 3, 10))
    return Disposition(
        member=member, kind=kind, reason="长期不参加组织生活", decision_body="支部委员会", **fields
    )


@pytest.mark.parametrize(
    ("until", "ok"),
    [
        (D(2026, 3, 10), True),  # 12 months
        (D(2026, 3, 11), False),  # 12 months and a day
        (D(2025, 3, 11), True),
        (D(2025, 3, 10), False),
    ],
)
def test_correction_lasts_at_most_twelve_months(lifecycle, until, ok):
    member = lifecycle.sun_member()
    record = disposition(member, "correction", correction_until=until)
    if ok:
        disposition_save(disposition=record, user=None)
        assert Member.objects.get(pk=member.pk).status == Member.Status.ACTIVE
        assert (
            Disposition.objects.filter(kind="correction", corrected_on__isnull=True).get() == record
        )
    else:
        with pytest.raises(ValidationError) as excinfo:
            disposition_save(disposition=record, user=None)
        assert list(errors_of(excinfo)) == ["correction_until"]
        assert not Disposition.objects.exists()


@pytest.mark.parametrize(
    ("kind", "status"),
    [("persuade", Member.Status.EXPELLED), ("remove", Member.Status.REMOVED)],
)
def test_persuading_and_removing_take_the_member_off_the_register(lifecycle, kind, status):
    member = lifecycle.sun_member()
    disposition_save(disposition=disposition(member, kind), user=lifecycle.user)
    member.refresh_from_db()
    assert member.status == status
    latest = member.history.first()
    assert latest.history_user == lifecycle.user
    assert latest.history_change_reason == {"persuade": "劝退", "remove": "除名"}[kind]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "correction"}, {"correction_until": ["限期改正须填写改正期限"]}),
        ({"kind": "remove", "correction_until": D(2025, 9, 1)},
         {"correction_until": ["只有限期改正填写改正期限和改正情况"]}),
        ({"kind": "remove", "decided_on": TODAY + DAY}, {"decided_on": ["决定日期不能晚于今天"]}),
        ({"kind": "correction", "correction_until": D(2025, 9, 1),
          "corrected_on": D(2025, 3, 9), "correction_result": "已改正"},
         {"corrected_on": ["确认日期不能早于决定日期"]}),
        ({"kind": "correction", "correction_until": D(2025, 9, 1), "corrected_on": TODAY},
         {"correction_result": ["请填写改正情况"]}),
    ],
)  # fmt: skip
def test_a_disposition_is_consistent(lifecycle, fields, errors):
    member = lifecycle.sun_member()
    kind = fields.pop("kind")
    with pytest.raises(ValidationError) as excinfo:
        disposition_save(disposition=disposition(member, kind, **fields), user=None)
    assert errors_of(excinfo) == errors
    assert Member.objects.get(pk=member.pk).status == Member.Status.ACTIVE


@pytest.mark.parametrize("change", ["kind", "member", "decided_on"])
def test_a_decision_keeps_its_member_kind_and_date(lifecycle, change):
    member = lifecycle.sun_member()
    record = disposition_save(
        disposition=disposition(member, "correction", correction_until=D(2025, 9, 1)), user=None
    )
    if change == "kind":
        record.kind, record.correction_until = "remove", None
    elif change == "member":
        record.member = lifecycle.sun_member()
    else:
        record.decided_on -= DAY
    with pytest.raises(ValidationError) as excinfo:
        disposition_save(disposition=record, user=None)
    assert errors_of(excinfo) == {
        "kind": ["处置决定作出后不能改变党员、处置方式或决定日期，请另行登记"]
    }
    stored = Disposition.objects.get(pk=record.pk)
    assert (stored.kind, stored.member_id, stored.decided_on) == (
        "correction",
        member.pk,
        Disposition.objects.get(pk=record.pk).decided_on,
    )
    assert stored.decided_on != record.decided_on or change != "decided_on"
    assert Member.objects.filter(status=Member.Status.ACTIVE).count() == Member.objects.count()


def test_a_correction_is_closed_with_its_result(lifecycle):
    member = lifecycle.sun_member()
    record = disposition_save(
        disposition=disposition(member, "correction", correction_until=D(2025, 6, 10)), user=None
    )
    record.corrected_on, record.correction_result = TODAY, "已按时参加组织生活"
    disposition_save(disposition=record, user=None)
    assert not Disposition.objects.filter(kind="correction", corrected_on__isnull=True).exists()


@pytest.mark.parametrize("status", [Member.Status.TRANSFERRED_OUT, Member.Status.SUSPENDED])
def test_a_member_off_the_register_gets_no_disposition(lifecycle, status):
    member = lifecycle.sun_member(status=status)
    with pytest.raises(ValidationError) as excinfo:
        disposition_save(disposition=disposition(member, "remove"), user=None)
    assert errors_of(excinfo) == {"member": ["只有在册党员可以作出处置"]}
    assert Member.objects.get(pk=member.pk).status == status
    assert not Disposition.objects.exists()


def test_a_dissolved_party_organization_hosts_no_floating_member(incoming, lifecycle):
    lifecycle.sun.dissolved_on = D(2024, 12, 31)
    lifecycle.sun.save()
    with pytest.raises(ValidationError) as excinfo:
        floating_save(record=inflow(incoming, lifecycle.sun), user=lifecycle.user)
    assert errors_of(excinfo)["host_party_org"] == ["该党组织已撤销"]
    assert not FloatingRecord.objects.exists()
