"""组织关系转接 through members.services: a letter is issued (在途), then accepted (the
member's relationship moves, with history) or returned (nothing moves). Every refusal
leaves the member and the transfer as they were."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError

from members.models import Member, Transfer
from members.services import transfer_accept, transfer_issue, transfer_return
from tests.members import lifecycle_fixtures
from tests.members.lifecycle_fixtures import TODAY, all_messages, errors_of

D = datetime.date
DAY = datetime.timedelta(days=1)
lifecycle = lifecycle_fixtures.lifecycle
today = lifecycle_fixtures.today

ISSUED = D(2025, 6, 2)
OUTSIDE = "中共上海市浦东新区某某协会支部委员会"
ALREADY = "该转接已是“{}”，只有在途的转接可以接收或退回"


def letter(member, direction, **fields):
    """An unsaved transfer letter of `member`, issued on ISSUED, valid a month."""
    fields.setdefault("letter_number", f"玄组转〔2025〕{member.pk}号")
    fields.setdefault("issued_on", ISSUED)
    fields.setdefault("valid_until", D(2025, 7, 2))
    return Transfer(member=member, direction=direction, **fields)


def member_state(member):
    return Member.objects.filter(pk=member.pk).values().get(), set(
        member.attends.values_list("pk", flat=True)
    )


@pytest.fixture
def member(lifecycle):
    """A member of SUN working in org 1, who also attends JOINT's meetings."""
    m = lifecycle.sun_member()
    m.attends.add(lifecycle.joint)
    return m


@pytest.fixture
def within(lifecycle, member):
    """An issued letter moving the member from SUN to JOINT, with a new workplace."""
    transfer = letter(
        member, Transfer.Direction.WITHIN, from_party_org=lifecycle.sun,
        to_party_org=lifecycle.joint, new_workplace=lifecycle.orgs[2], reason="工作调动",
    )  # fmt: skip
    return transfer_issue(transfer=transfer, user=lifecycle.user)


# --- the three directions -----------------------------------------------------------------


def test_issue_records_the_letter_in_transit_with_its_receipt_due_day(within, lifecycle):
    stored = Transfer.objects.get(pk=within.pk)
    assert stored.status == Transfer.Status.IN_TRANSIT
    assert stored.receipt_due_on == D(2025, 7, 2)
    assert stored.state_label(D(2025, 7, 2)) == "在途"
    assert stored.state_label(D(2025, 7, 3)) == "超期"
    assert stored.history.get().history_user == lifecycle.user


def test_within_moves_the_relationship_and_the_workplace(within, member, lifecycle):
    transfer = transfer_accept(transfer=within, received_on=D(2025, 6, 10), user=lifecycle.user)
    assert (transfer.status, transfer.received_on) == (Transfer.Status.RECEIVED, D(2025, 6, 10))
    member.refresh_from_db()
    assert member.party_org == lifecycle.joint
    assert member.workplace == lifecycle.orgs[2]
    assert member.status == Member.Status.ACTIVE
    # Now held by JOINT, so no longer only attending its meetings.
    assert not member.attends.exists()
    assert transfer.state_label(D(2030, 1, 1)) == "已接收"


def test_within_without_a_new_workplace_keeps_the_workplace(lifecycle):
    member = lifecycle.sun_member()
    other = lifecycle.qinhuai
    transfer = transfer_issue(
        transfer=letter(member, "within", from_party_org=lifecycle.sun, to_party_org=other),
        user=None,
    )
    transfer_accept(transfer=transfer, received_on=TODAY, user=None)
    member.refresh_from_db()
    assert (member.party_org, member.workplace) == (other, lifecycle.orgs[1])


def test_the_receiving_side_may_name_the_new_workplace(lifecycle):
    member = lifecycle.sun_member()
    transfer = transfer_issue(
        transfer=letter(
            member, "within", from_party_org=lifecycle.sun, to_party_org=lifecycle.joint
        ),
        user=None,
    )
    transfer_accept(
        transfer=transfer, received_on=TODAY, user=None, new_workplace=lifecycle.orgs[3]
    )
    member.refresh_from_db()
    assert (member.party_org, member.workplace) == (lifecycle.joint, lifecycle.orgs[3])
    assert Transfer.objects.get(pk=transfer.pk).new_workplace == lifecycle.orgs[3]


def test_out_takes_the_member_off_the_register(member, lifecycle):
    transfer = transfer_issue(
        transfer=letter(member, "out", from_party_org=lifecycle.sun, to_outside=OUTSIDE),
        user=lifecycle.user,
    )
    transfer_accept(transfer=transfer, received_on=TODAY, user=lifecycle.user)
    member.refresh_from_db()
    assert member.status == Member.Status.TRANSFERRED_OUT
    assert member.party_org is None
    assert member.outside_holder == OUTSIDE
    assert not Member.objects.on_register().filter(pk=member.pk).exists()


def test_in_gives_the_member_a_party_org(lifecycle):
    home = "中共苏州市某公司委员会"
    member = lifecycle.member(lifecycle.orgs[1], None, outside_holder=home)
    transfer = transfer_issue(
        transfer=letter(member, "in", from_outside=home, to_party_org=lifecycle.sun),
        user=lifecycle.user,
    )
    transfer_accept(transfer=transfer, received_on=TODAY, user=lifecycle.user)
    member.refresh_from_db()
    assert member.party_org == lifecycle.sun
    assert member.outside_holder == ""
    assert member.status == Member.Status.ACTIVE


def test_return_keeps_the_relationship_where_it_was(within, member, lifecycle):
    before = member_state(member)
    transfer = transfer_return(
        transfer=within, returned_on=D(2025, 6, 5), reason="  接收党组织不符  ", user=lifecycle.user
    )
    stored = Transfer.objects.get(pk=transfer.pk)
    assert stored.status == Transfer.Status.RETURNED
    assert (stored.returned_on, stored.return_reason) == (D(2025, 6, 5), "接收党组织不符")
    assert member_state(member) == before
    # A returned letter no longer holds the member: a new one can be issued.
    again = transfer_issue(
        transfer=letter(member, "within", from_party_org=lifecycle.sun, letter_number="2号",
                        to_party_org=lifecycle.qinhuai),
        user=None,
    )  # fmt: skip
    assert again.status == Transfer.Status.IN_TRANSIT


# --- refused: state changes ---------------------------------------------------------------


def refused(call, member, transfer):
    """The errors of a service call that must fail, checking that nothing changed."""
    before = member_state(member), list(Transfer.objects.filter(pk=transfer.pk).values())
    history = Transfer.history.count(), Member.history.count()
    with pytest.raises(ValidationError) as excinfo:
        call()
    after = member_state(member), list(Transfer.objects.filter(pk=transfer.pk).values())
    assert after == before
    assert (Transfer.history.count(), Member.history.count()) == history
    return excinfo


def test_accept_twice_is_refused(within, member, lifecycle):
    transfer_accept(transfer=within, received_on=TODAY, user=lifecycle.user)
    excinfo = refused(
        lambda: transfer_accept(transfer=within, received_on=TODAY, user=None), member, within
    )
    assert all_messages(excinfo) == [ALREADY.format("已接收")]


def test_return_after_accept_is_refused(within, member, lifecycle):
    transfer_accept(transfer=within, received_on=TODAY, user=lifecycle.user)
    excinfo = refused(
        lambda: transfer_return(transfer=within, returned_on=TODAY, reason="误", user=None),
        member, within,
    )  # fmt: skip
    assert all_messages(excinfo) == [ALREADY.format("已接收")]


def test_accept_after_return_is_refused(within, member, lifecycle):
    transfer_return(transfer=within, returned_on=TODAY, reason="不符", user=lifecycle.user)
    excinfo = refused(
        lambda: transfer_accept(transfer=within, received_on=TODAY, user=None), member, within
    )
    assert all_messages(excinfo) == [ALREADY.format("已退回")]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_return_needs_a_reason(within, member, reason):
    excinfo = refused(
        lambda: transfer_return(transfer=within, returned_on=TODAY, reason=reason, user=None),
        member, within,
    )  # fmt: skip
    assert errors_of(excinfo) == {"return_reason": ["请填写退回原因"]}


@pytest.mark.parametrize(
    ("received_on", "ok"),
    [
        (ISSUED - DAY, False),  # before the letter was issued
        (ISSUED, True),
        (TODAY, True),
        (TODAY + DAY, False),  # in the future
    ],
)
def test_receipt_date_is_between_issue_and_today(within, member, received_on, ok):
    call = lambda: transfer_accept(transfer=within, received_on=received_on, user=None)  # noqa: E731
    if ok:
        assert call().received_on == received_on
    else:
        assert "received_on" in errors_of(refused(call, member, within))


@pytest.mark.parametrize(("returned_on", "ok"), [(ISSUED - DAY, False), (TODAY + DAY, False)])
def test_return_date_is_between_issue_and_today(within, member, returned_on, ok):
    call = lambda: transfer_return(transfer=within, returned_on=returned_on, reason="x", user=None)  # noqa: E731
    assert "returned_on" in errors_of(refused(call, member, within))


def test_accept_is_refused_when_the_relationship_moved_meanwhile(within, member, lifecycle):
    Member.objects.filter(pk=member.pk).update(party_org=lifecycle.qinhuai)
    excinfo = refused(
        lambda: transfer_accept(transfer=within, received_on=TODAY, user=None), member, within
    )
    assert all_messages(excinfo) == ["该党员的组织关系已不在转出党组织，不能接收"]


def test_accept_is_refused_when_the_member_left_the_register_meanwhile(within, member):
    Member.objects.filter(pk=member.pk).update(status=Member.Status.DECEASED)
    excinfo = refused(
        lambda: transfer_accept(transfer=within, received_on=TODAY, user=None), member, within
    )
    assert all_messages(excinfo) == ["该党员已不在册，不能接收"]


def test_accept_in_is_refused_when_the_member_got_a_party_org_meanwhile(lifecycle):
    member = lifecycle.member(lifecycle.orgs[1], None, outside_holder="苏州某党委")
    transfer = transfer_issue(
        transfer=letter(member, "in", from_outside="苏州某党委", to_party_org=lifecycle.sun),
        user=None,
    )
    Member.objects.filter(pk=member.pk).update(party_org=lifecycle.joint, outside_holder="")
    excinfo = refused(
        lambda: transfer_accept(transfer=transfer, received_on=TODAY, user=None), member, transfer
    )
    assert all_messages(excinfo) == ["该党员的组织关系已在本系统党组织，不能按转入接收"]


def test_a_member_has_one_letter_in_transit(within, member, lifecycle):
    second = letter(member, "within", from_party_org=lifecycle.sun,
                    to_party_org=lifecycle.qinhuai, letter_number="第二封")  # fmt: skip
    with pytest.raises(ValidationError) as excinfo:
        transfer_issue(transfer=second, user=None)
    assert errors_of(excinfo) == {"__all__": ["该党员已有一份在途的组织关系介绍信"]}
    assert Transfer.objects.count() == 1


def test_an_issued_letter_cannot_be_edited(within):
    within.letter_number = "改号"
    with pytest.raises(ValidationError) as excinfo:
        transfer_issue(transfer=within, user=None)
    assert all_messages(excinfo) == ["介绍信开具后不能修改；有误的请退回后重新开具"]
    assert Transfer.objects.get().letter_number != "改号"


# --- refused: the letter's own fields (Transfer.clean) --------------------------------------


def build(lifecycle, member, case):
    sun, joint = lifecycle.sun, lifecycle.joint
    return {
        "out_without_from": letter(member, "out", to_outside=OUTSIDE),
        "within_without_from": letter(member, "within", to_party_org=joint),
        "in_without_from_outside": letter(member, "in", to_party_org=joint),
        "within_without_to": letter(member, "within", from_party_org=sun),
        "in_without_to": letter(member, "in", from_outside=OUTSIDE),
        "out_without_to_outside": letter(member, "out", from_party_org=sun),
        "out_to_a_party_org": letter(
            member, "out", from_party_org=sun, to_outside=OUTSIDE, to_party_org=joint
        ),
        "in_from_a_party_org": letter(
            member, "in", from_outside=OUTSIDE, from_party_org=joint, to_party_org=sun
        ),
        "same_from_and_to": letter(member, "within", from_party_org=sun, to_party_org=sun),
        "valid_over_3_months": letter(
            member, "within", from_party_org=sun, to_party_org=joint, valid_until=D(2025, 9, 3)
        ),
        "valid_before_issue": letter(
            member, "within", from_party_org=sun, to_party_org=joint, valid_until=ISSUED - DAY
        ),
        "issued_in_the_future": letter(
            member, "within", from_party_org=sun, to_party_org=joint, issued_on=TODAY + DAY,
            valid_until=TODAY + 5 * DAY,
        ),
        "not_from_the_members_party_org": letter(
            member, "within", from_party_org=joint, to_party_org=lifecycle.qinhuai
        ),
    }[case]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("out_without_from", "from_party_org", "转出和系统内转接须选择转出党组织"),
        ("within_without_from", "from_party_org", "转出和系统内转接须选择转出党组织"),
        ("in_without_from_outside", "from_outside", "转入须填写转出单位"),
        ("within_without_to", "to_party_org", "转入和系统内转接须选择接收党组织"),
        ("in_without_to", "to_party_org", "转入和系统内转接须选择接收党组织"),
        ("out_without_to_outside", "to_outside", "转出须填写接收单位"),
        ("out_to_a_party_org", "to_party_org", "转往本系统党组织的，请选择“系统内转接”"),
        ("in_from_a_party_org", "from_party_org", "从本系统党组织转来的，请选择“系统内转接”"),
        ("same_from_and_to", "to_party_org", "接收党组织不能与转出党组织相同"),
        ("valid_over_3_months", "valid_until", "介绍信有效期一般不超过3个月"),
        ("valid_before_issue", "valid_until", "有效期不能早于开具日期"),
        ("issued_in_the_future", "issued_on", "开具日期不能晚于今天"),
        ("not_from_the_members_party_org", "from_party_org", "该党员的组织关系不在所选转出党组织"),
    ],
)  # fmt: skip
def test_a_letter_is_consistent_with_its_direction(lifecycle, member, case, field, message):
    with pytest.raises(ValidationError) as excinfo:
        transfer_issue(transfer=build(lifecycle, member, case), user=None)
    assert message in errors_of(excinfo)[field]
    assert not Transfer.objects.exists()


def test_a_letter_valid_exactly_three_months_is_accepted(lifecycle, member):
    transfer = letter(member, "within", from_party_org=lifecycle.sun,
                      to_party_org=lifecycle.joint, valid_until=D(2025, 9, 2))  # fmt: skip
    assert transfer_issue(transfer=transfer, user=None).pk is not None


@pytest.mark.parametrize(
    ("member_fields", "direction", "message"),
    [
        ({"status": Member.Status.TRANSFERRED_OUT}, "within", "只有在册党员可以转接组织关系"),
        ({}, "in", "该党员的组织关系已在本系统党组织，请选择“系统内转接”"),
    ],
)
def test_a_letter_is_for_a_member_on_the_register_where_it_says(
    lifecycle, member_fields, direction, message
):
    member = lifecycle.sun_member(**member_fields)
    fields = (
        {"from_outside": OUTSIDE, "to_party_org": lifecycle.joint}
        if direction == "in"
        else {"from_party_org": lifecycle.sun, "to_party_org": lifecycle.joint}
    )
    with pytest.raises(ValidationError) as excinfo:
        transfer_issue(transfer=letter(member, direction, **fields), user=None)
    assert all_messages(excinfo) == [message]


# --- history and atomicity ----------------------------------------------------------------


def test_accept_leaves_the_move_in_the_members_history(within, member, lifecycle):
    before = list(member.history.order_by("history_date", "history_id"))
    transfer_accept(transfer=within, received_on=TODAY, user=lifecycle.user)
    records = list(member.history.order_by("history_date", "history_id"))
    new = records[len(before) :]
    assert new, "the move left no history record"
    assert records[len(before) - 1].party_org_id == lifecycle.sun.pk
    assert new[-1].party_org_id == lifecycle.joint.pk
    assert new[-1].workplace_id == lifecycle.orgs[2].pk
    assert {r.history_user for r in new} == {lifecycle.user}
    assert "组织关系转接" in new[0].history_change_reason
    delta = new[-1].diff_against(records[len(before) - 1])
    assert {"party_org", "workplace"} <= set(delta.changed_fields)


def test_the_transfer_keeps_both_of_its_states(within, lifecycle):
    transfer_accept(transfer=within, received_on=D(2025, 6, 10), user=lifecycle.user)
    states = [
        (h.status, h.received_on, h.history_user)
        for h in within.history.order_by("history_date", "history_id")
    ]
    assert states == [
        (Transfer.Status.IN_TRANSIT, None, lifecycle.user),
        (Transfer.Status.RECEIVED, D(2025, 6, 10), lifecycle.user),
    ]


def test_a_failed_accept_leaves_the_member_where_they_were(within, member, monkeypatch):
    """A database error after the member was saved (here, saving the transfer) undoes the
    member's move too: both are written in one transaction."""
    before = member_state(member)
    history = member.history.count()

    def broken_save(self, *args, **kwargs):
        assert Member.objects.get(pk=member.pk).party_org_id != before[0]["party_org_id"]
        raise DatabaseError("injected: the transfer could not be saved")

    monkeypatch.setattr(Transfer, "save", broken_save)
    with pytest.raises(DatabaseError):
        transfer_accept(transfer=within, received_on=TODAY, user=None)
    assert member_state(member) == before
    assert member.history.count() == history
    monkeypatch.undo()
    assert Transfer.objects.get(pk=within.pk).status == Transfer.Status.IN_TRANSIT


def test_a_dissolved_party_organization_receives_no_transfer(member, lifecycle):
    lifecycle.joint.dissolved_on = D(2025, 1, 31)
    lifecycle.joint.save()
    transfer = letter(
        member, Transfer.Direction.WITHIN, from_party_org=lifecycle.sun,
        to_party_org=lifecycle.joint,
    )  # fmt: skip
    with pytest.raises(ValidationError) as excinfo:
        transfer_issue(transfer=transfer, user=lifecycle.user)
    assert errors_of(excinfo)["to_party_org"] == ["接收党组织已撤销"]
    assert not Transfer.objects.exists()
