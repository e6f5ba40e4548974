"""seed_demo's member-lifecycle data (members.demo): every worklist has rows, the secretary
has their own work, the rows pass model validation, and a rerun adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from members import demo, demo_store, rules
from members.models import (
    CheckFinding,
    Development,
    Disposition,
    FloatingRecord,
    LostContact,
    LostContactStep,
    Member,
    RelationshipCheck,
    Transfer,
)
from members.selectors import WORKLISTS
from orgs.models import User
from orgs.scopes import Scope

N = 150  # orgs, as tests/orgs/test_seed_demo.py seeds: about 650 members
SAMPLE = 300  # rows of each model validated (all of them at this size)

pytestmark = pytest.mark.django_db

LIFECYCLE = (
    Development, Transfer, FloatingRecord, LostContact, LostContactStep, Disposition,
    RelationshipCheck, CheckFinding,
)  # fmt: skip


def _seed(**options):
    out = io.StringIO()
    call_command("seed_demo", orgs=options.pop("orgs", N), stdout=out, **options)
    return out.getvalue()


def _counts():
    return {
        **{model.__name__: model.objects.count() for model in LIFECYCLE},
        "members": Member.objects.count(),
        "member_history": Member.history.count(),
        "attends": Member.attends.through.objects.count(),
        **{
            f"{model.__name__}_history": model.history.count()
            for model in (Development, Transfer, FloatingRecord, LostContact, Disposition)
        },
    }


def test_every_worklist_has_rows_for_the_city():
    _seed()
    today = timezone.localdate()
    for username in ("admin", "liangxin"):
        scope = Scope.for_user(User.objects.get(username=username))
        empty = [w.key for w in WORKLISTS if not w.queryset(scope, today).exists()]
        assert not empty, (username, empty)


def test_the_secretary_sees_their_own_work():
    _seed()
    today = timezone.localdate()
    user = User.objects.get(username="shuji")
    party_org, scope = user.party_org, Scope.for_user(user)
    own = Development.objects.for_scope(scope).filter(party_org=party_org)
    assert own.open().exists()
    transfers = {w.key: w for w in WORKLISTS}["transfers_in_transit"].queryset(scope, today)
    assert (
        transfers.filter(to_party_org=party_org).exists()
        or transfers.filter(from_party_org=party_org).exists()
    )
    assert RelationshipCheck.objects.for_scope(scope).filter(party_org=party_org).exists()


def test_the_rows_pass_model_validation():
    _seed()
    for model in (Development, FloatingRecord, LostContact, Disposition, CheckFinding):
        rows = list(model.objects.order_by("pk")[:SAMPLE])
        assert rows, model.__name__
        for row in rows:
            row.full_clean()
    # What clean() checks only as a case is registered, and what closing it checks.
    for case in LostContact.objects.select_related("member")[:SAMPLE]:
        assert rules.is_lost_contact(case.lost_since, case.registered_on)
        if case.outcome == LostContact.Outcome.SUSPENDED:
            assert not rules.suspension_problem(case.lost_since, case.outcome_on)
            assert case.decision_body
        elif case.outcome == LostContact.Outcome.RECONTACTED:
            assert case.member.last_contact_on == case.outcome_on
        else:
            assert rules.is_lost_contact(case.member.last_contact_on, timezone.localdate())
    for step in LostContactStep.objects.select_related("case")[:SAMPLE]:
        step.full_clean()
        assert step.case.registered_on <= step.taken_on
    for check in RelationshipCheck.objects.all():
        check.full_clean()
    touched = Member.history.filter(history_change_reason__startswith="演示数据").values("id")
    assert touched.exists()
    for member in Member.objects.filter(pk__in=touched):
        member.full_clean()  # those the lifecycle added or changed
    # A transfer's clean() checks the member as the letter is issued: a received one has
    # moved the member on, so there the move itself is checked.
    transfers = Transfer.objects.select_related("member").order_by("pk")[:SAMPLE]
    for transfer in transfers:
        member = transfer.member
        if transfer.status != Transfer.Status.RECEIVED:
            transfer.full_clean()
        else:
            transfer.clean_fields()
            assert not rules.letter_validity_problem(transfer.issued_on, transfer.valid_until)
            assert transfer.issued_on <= transfer.received_on <= timezone.localdate()
        if transfer.status == Transfer.Status.RECEIVED and transfer.direction == "out":
            assert member.status == Member.Status.TRANSFERRED_OUT and member.party_org is None
            assert member.outside_holder == transfer.to_outside
        elif transfer.status == Transfer.Status.RECEIVED:
            assert member.party_org_id == transfer.to_party_org_id
            if transfer.new_workplace_id:
                assert member.workplace_id == transfer.new_workplace_id
        assert transfer.receipt_due_on == rules.receipt_due(transfer.issued_on)
    assert {t.status for t in transfers} == set(Transfer.Status.values)
    assert {t.direction for t in transfers} == set(Transfer.Direction.values)


def test_probationary_records_agree_with_their_members():
    _seed()
    probationary = Development.objects.filter(stage=Development.Stage.PROBATIONARY)
    assert probationary.count() >= 3
    for record in probationary.select_related("member", "sponsor_1", "sponsor_2"):
        member = record.member
        assert member is not None, record
        assert member.category == Member.Category.PROBATIONARY
        assert member.status == Member.Status.ACTIVE
        assert (member.id_number, member.name) == (record.id_number, record.name)
        assert member.joined_on == record.admitted_on
        assert member.party_org_id == record.party_org_id
        assert member.workplace_id == record.workplace_id
        assert record.probation_ends_on == rules.add_months(record.admitted_on, 12)
        for sponsor in (record.sponsor_1, record.sponsor_2):
            assert sponsor.party_org_id == record.party_org_id
            assert sponsor.category == Member.Category.FULL
            assert sponsor.status == Member.Status.ACTIVE
    assert not Development.objects.filter(member__isnull=False).exclude(
        stage=Development.Stage.PROBATIONARY
    )
    # Everyone flagged 流动党员 has an open floating record, and no one else has.
    open_records = set(FloatingRecord.objects.open().values_list("member_id", flat=True))
    flagged = set(
        Member.objects.on_register().filter(is_floating=True).values_list("pk", flat=True)
    )
    assert open_records == flagged
    # 劝退, 除名 and 停止党籍 took the members off the register.
    for record in Disposition.objects.exclude(kind=Disposition.Kind.CORRECTION):
        assert record.member.status == Disposition.STATUS_AFTER[record.kind]
    for case in LostContact.objects.filter(outcome=LostContact.Outcome.SUSPENDED):
        assert case.member.status == Member.Status.SUSPENDED


def test_a_rerun_adds_no_lifecycle_rows():
    output = _seed()
    assert "发展党员：新增" in output
    first = _counts()
    assert all(first[model.__name__] for model in LIFECYCLE), first
    again = _seed()
    assert "发展党员、组织关系转接等：已有记录，未新增" in again
    assert _counts() == first


def test_the_generator_is_deterministic_for_a_seed():
    _seed()
    today = timezone.localdate()
    snapshot = demo_store.load_snapshot(today, secretary="shuji")

    def rows(seed):
        plan = demo.demo_lifecycle(snapshot, seed=seed, today=today)
        return (
            [(d.id_number, d.stage, d.applied_on, d.party_org_id) for d in plan.developments],
            [(t.member_id, t.direction, t.status, t.issued_on) for t in plan.transfers],
            [(f.member_id, f.since) for f in plan.floating],
            plan.member_changes,
        )

    first = rows(1)
    assert first == rows(1)
    assert first != rows(2)
