"""The lifecycle worklists (members/selectors.py) on a frozen day: each list takes the row
just inside its boundary and leaves the one just outside; the counts agree with the lists;
a user sees only the rows of their scope, and a receiving branch sees a transfer coming."""

import datetime

import pytest

from members.models import Disposition, FloatingRecord, LostContact, Member, Transfer
from members.selectors import BY_KEY, WORKLISTS, worklist_counts
from orgs.scopes import Scope, ScopeKind
from tests import factories
from tests.members import lifecycle_fixtures
from tests.members.lifecycle_fixtures import TODAY

D = datetime.date
lifecycle = lifecycle_fixtures.lifecycle
today = lifecycle_fixtures.today

ALL = Scope(ScopeKind.ALL)
KEYS = [w.key for w in WORKLISTS]


# Row builders: each takes the Lifecycle and writes one row in org 1 / SUN. TODAY is
# 2025-06-16, so "due soon" runs to 2025-07-16.


def applicant(applied_on):
    return lambda lc: lc.saved_development(applied_on=applied_on)


def talked(lc):
    return lc.saved_development(applied_on=D(2025, 5, 1), talked_on=D(2025, 5, 10))


def activist(activist_on):
    return lambda lc: lc.saved_development(applied_on=D(2023, 1, 1), activist_on=activist_on)


def probationary(admitted_on, **fields):
    return lambda lc: lc.saved_development(
        applied_on=D(2022, 1, 1), activist_on=D(2022, 3, 1), candidate_on=D(2023, 3, 1),
        admitted_on=admitted_on, **fields,
    )  # fmt: skip


def letter(lc, member, issued_on, status=Transfer.Status.IN_TRANSIT):
    return Transfer.objects.create(
        member=member, direction="within", from_party_org=lc.sun, to_party_org=lc.joint,
        letter_number="转", issued_on=issued_on, valid_until=issued_on, status=status,
    )  # fmt: skip


def transfer(issued_on, status=Transfer.Status.IN_TRANSIT):
    return lambda lc: letter(lc, lc.sun_member(), issued_on, status)


def floating(since, fixed_place=True, transferred=False):
    def build(lc):
        member = lc.sun_member()
        record = FloatingRecord.objects.create(
            member=member, direction="out", place="上海", fixed_place=fixed_place, since=since,
            contact_person="本人",
        )  # fmt: skip
        if transferred:
            letter(lc, member, D(2025, 6, 1))
        return record

    return build


def contact(last_contact_on, status=Member.Status.ACTIVE, registered=False):
    def build(lc):
        member = lc.sun_member(last_contact_on=last_contact_on, status=status)
        if registered:
            LostContact.objects.create(member=member, lost_since=D(2024, 1, 1), registered_on=TODAY)
        return member

    return build


def lost(outcome):
    return lambda lc: LostContact.objects.create(
        member=lc.sun_member(), lost_since=D(2024, 6, 1), registered_on=D(2025, 1, 1),
        outcome=outcome,
    )  # fmt: skip


def correction(until, corrected_on=None):
    return lambda lc: Disposition.objects.create(
        member=lc.sun_member(), kind="correction", reason="不参加组织生活",
        decided_on=D(2025, 1, 1), decision_body="支部", correction_until=until,
        corrected_on=corrected_on,
    )  # fmt: skip


# (worklist, what the rows show, the row just inside, the row just outside)
BOUNDARIES = [
    ("talk_overdue", "talk due 06-15 vs due today", applicant(D(2025, 5, 15)),
     applicant(D(2025, 5, 16))),
    ("talk_overdue", "not talked vs talked", applicant(D(2025, 1, 1)), talked),
    ("activist_ready", "12 months vs 11 months 30 days", activist(D(2024, 6, 16)),
     activist(D(2024, 6, 17))),
    ("probation_ending", "ends in 30 vs 31 days", probationary(D(2024, 7, 16)),
     probationary(D(2024, 7, 17))),
    ("probation_ending", "ends today vs ended yesterday", probationary(D(2024, 6, 16)),
     probationary(D(2024, 6, 15))),
    ("probation_ending", "extension counted", probationary(D(2024, 1, 16),
     probation_extended_months=6), probationary(D(2024, 1, 17), probation_extended_months=6)),
    ("probation_overdue", "ended yesterday vs ends today", probationary(D(2024, 6, 15)),
     probationary(D(2024, 6, 16))),
    ("probation_overdue", "open vs stopped", probationary(D(2024, 1, 1)),
     probationary(D(2024, 1, 1), stopped_on=D(2025, 2, 1), stop_reason="取消")),
    ("probation_overdue", "probationary vs full", probationary(D(2024, 1, 1)),
     probationary(D(2024, 1, 1), full_on=D(2025, 1, 1))),
    ("transfers_in_transit", "receipt due today vs yesterday", transfer(D(2025, 5, 16)),
     transfer(D(2025, 5, 15))),
    ("transfers_in_transit", "in transit vs received", transfer(D(2025, 6, 1)),
     transfer(D(2025, 6, 1), Transfer.Status.RECEIVED)),
    ("transfers_overdue", "receipt due yesterday vs today", transfer(D(2025, 5, 15)),
     transfer(D(2025, 5, 16))),
    ("transfers_overdue", "in transit vs returned", transfer(D(2025, 1, 1)),
     transfer(D(2025, 1, 1), Transfer.Status.RETURNED)),
    ("floating_to_transfer", "6 months vs 5 months 30 days", floating(D(2024, 12, 16)),
     floating(D(2024, 12, 17))),
    ("floating_to_transfer", "fixed place vs not", floating(D(2024, 1, 1)),
     floating(D(2024, 1, 1), fixed_place=False)),
    ("floating_to_transfer", "no transfer vs one issued since", floating(D(2024, 1, 1)),
     floating(D(2024, 1, 1), transferred=True)),
    ("lost_contact_unregistered", "6 months vs 5 months 30 days", contact(D(2024, 12, 16)),
     contact(D(2024, 12, 17))),
    ("lost_contact_unregistered", "unregistered vs registered", contact(D(2024, 1, 1)),
     contact(D(2024, 1, 1), registered=True)),
    ("lost_contact_unregistered", "on the register vs transferred out", contact(D(2024, 1, 1)),
     contact(D(2024, 1, 1), status=Member.Status.TRANSFERRED_OUT)),
    ("lost_contact_unregistered", "contact date vs none recorded", contact(D(2024, 1, 1)),
     contact(None)),
    ("lost_contact_open", "open vs recontacted", lost(LostContact.Outcome.OPEN),
     lost(LostContact.Outcome.RECONTACTED)),
    ("corrections_ending", "until in 30 vs 31 days", correction(D(2025, 7, 16)),
     correction(D(2025, 7, 17))),
    ("corrections_ending", "open vs corrected", correction(D(2025, 6, 1)),
     correction(D(2025, 6, 1), corrected_on=D(2025, 6, 2))),
]  # fmt: skip


def test_every_worklist_has_its_boundary_tested():
    assert {key for key, *_ in BOUNDARIES} == set(KEYS)


@pytest.mark.parametrize(
    ("key", "inside", "outside"),
    [pytest.param(key, inside, outside, id=f"{key}: {label}")
     for key, label, inside, outside in BOUNDARIES],
)  # fmt: skip
def test_worklist_takes_the_row_just_inside_its_boundary(lifecycle, key, inside, outside):
    worklist = BY_KEY[key]
    row_in, row_out = inside(lifecycle), outside(lifecycle)
    assert type(row_in) is type(row_out) is worklist.model
    pks = set(worklist.queryset(ALL, TODAY).values_list("pk", flat=True))
    assert row_in.pk in pks
    assert row_out.pk not in pks
    assert worklist_counts(ALL, TODAY)[key] == len(pks)


def test_worklists_follow_the_day(lifecycle):
    """The same transfer is in transit on its receipt due day and overdue the day after."""
    row = transfer(D(2025, 5, 16))(lifecycle)
    on_due_day = {key: n for key, n in worklist_counts(ALL, TODAY).items() if n}
    day_after = {
        key: n for key, n in worklist_counts(ALL, TODAY + datetime.timedelta(days=1)).items() if n
    }
    assert on_due_day == {"transfers_in_transit": 1}
    assert day_after == {"transfers_overdue": 1}
    assert row.state_label(TODAY + datetime.timedelta(days=1)) == "超期"


# --- scope --------------------------------------------------------------------------------


@pytest.fixture
def one_of_each(lifecycle):
    """One row inside every worklist, all of people working in org 1 (玄武区, SUN)."""
    seen = set()
    for key, _label, inside, _outside in BOUNDARIES:
        if key not in seen:
            seen.add(key)
            inside(lifecycle)
    return lifecycle


@pytest.fixture
def viewers(lifecycle):
    """role -> scope, each through Scope.for_user as the pages build it."""
    nanjing = lifecycle.world.nanjing
    users = {
        "admin": factories.UserFactory(unit=None, is_superuser=True),
        "xuanwu_two_new": factories.UserFactory(unit=lifecycle.two_new_unit(nanjing.xuanwu)),
        "qinhuai_two_new": factories.UserFactory(unit=lifecycle.two_new_unit(nanjing.qinhuai)),
        "sun_secretary": factories.UserFactory(unit=None, party_org=lifecycle.sun),
        "joint_secretary": factories.UserFactory(unit=None, party_org=lifecycle.joint),
        "qinhuai_secretary": factories.UserFactory(unit=None, party_org=lifecycle.qinhuai),
        "no_unit": factories.UserFactory(unit=None),
    }
    return {role: Scope.for_user(user) for role, user in users.items()}


TRANSFER_KEYS = {"transfers_in_transit", "transfers_overdue"}


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", set(KEYS)),
        ("xuanwu_two_new", set(KEYS)),
        ("sun_secretary", set(KEYS)),
        ("qinhuai_two_new", set()),  # a 两新工委 of another district
        ("qinhuai_secretary", set()),  # the secretary of another Party organization
        ("joint_secretary", TRANSFER_KEYS),  # only the letters addressed to JOINT
        ("no_unit", set()),
    ],
)
def test_worklists_show_only_the_rows_of_the_users_scope(one_of_each, viewers, role, sees):
    scope = viewers[role]
    expected = {key: int(key in sees) for key in KEYS}
    assert worklist_counts(scope, TODAY) == expected
    assert {w.key: w.queryset(scope, TODAY).count() for w in WORKLISTS} == expected


def test_counts_agree_with_the_lists_in_every_scope(lifecycle, viewers):
    for _key, _label, inside, outside in BOUNDARIES:
        inside(lifecycle)
        outside(lifecycle)
    lifecycle.saved_development(workplace=lifecycle.qinhuai_org, party_org=lifecycle.qinhuai,
                                applied_on=D(2025, 1, 1))  # fmt: skip
    for role, scope in viewers.items():
        counts = worklist_counts(scope, TODAY)
        assert set(counts) == set(KEYS)
        for worklist in WORKLISTS:
            assert counts[worklist.key] == worklist.queryset(scope, TODAY).count(), (role, worklist)
    assert worklist_counts(viewers["admin"], TODAY)["talk_overdue"] == 3


def test_a_transfer_is_seen_by_the_receiving_branch(lifecycle, viewers):
    """A member of JOINT, working in org 2, is transferring to SUN: SUN's secretary does not
    see the member but sees the letter arrive; the sending branch sees it too."""
    member = lifecycle.member(lifecycle.orgs[2], lifecycle.joint)
    row = Transfer.objects.create(
        member=member, direction="within", from_party_org=lifecycle.joint,
        to_party_org=lifecycle.sun, letter_number="玄组转1号", issued_on=D(2025, 6, 10),
        valid_until=D(2025, 7, 10),
    )  # fmt: skip
    sun = viewers["sun_secretary"]
    assert not Member.objects.for_scope(sun).filter(pk=member.pk).exists()
    in_transit = BY_KEY["transfers_in_transit"]
    assert list(in_transit.queryset(sun, TODAY)) == [row]
    assert worklist_counts(sun, TODAY)["transfers_in_transit"] == 1
    assert list(in_transit.queryset(viewers["joint_secretary"], TODAY)) == [row]
    assert worklist_counts(viewers["qinhuai_secretary"], TODAY)["transfers_in_transit"] == 0
    assert worklist_counts(viewers["qinhuai_two_new"], TODAY)["transfers_in_transit"] == 0


def test_a_development_is_seen_by_the_developing_branch(lifecycle, viewers):
    """A person working in the 秦淮区 org but developed by SUN is on SUN's worklist."""
    lifecycle.saved_development(workplace=lifecycle.qinhuai_org, applied_on=D(2025, 1, 1))
    assert worklist_counts(viewers["sun_secretary"], TODAY)["talk_overdue"] == 1
    assert worklist_counts(viewers["qinhuai_two_new"], TODAY)["talk_overdue"] == 1
    assert worklist_counts(viewers["xuanwu_two_new"], TODAY)["talk_overdue"] == 0
    assert worklist_counts(viewers["joint_secretary"], TODAY)["talk_overdue"] == 0
