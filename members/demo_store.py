"""Reads the register for the lifecycle demo (members.demo) and writes what it builds:
bulk inserts, with one history row per record (orgs.history), as the imports write."""

from collections import defaultdict

from django.utils import timezone

from members import demo
from members.models import (
    CheckFinding,
    Development,
    Disposition,
    FloatingRecord,
    LostContact,
    LostContactStep,
    Member,
    Post,
    RelationshipCheck,
    Transfer,
)
from orgs.history import CHANGED, CREATED, record_history
from orgs.models import PartyOrganization, SocialOrg, User

BATCH_SIZE = 500


def load_snapshot(today, *, secretary):
    """Every member, the Party organizations, the orgs' districts and the Party organization
    of the `secretary` account: whole tables, a query each."""
    posted = set(
        Post.objects.current(today).filter(member__isnull=False).values_list("member_id", flat=True)
    )
    members = [
        demo.MemberRow(*row, has_post=row[0] in posted)
        for row in Member.objects.values_list(*demo.MemberRow.FIELDS)
    ]
    covered = PartyOrganization.covered_orgs.through.objects
    districts = {}
    for party, district in covered.values_list(
        "partyorganization_id", "socialorg__district__name"
    ).order_by("pk"):
        districts.setdefault(party, district or "")
    party_orgs = {
        pk: demo.PartyOrgRow(name, parent or "", districts.get(pk, ""))
        for pk, name, parent in PartyOrganization.objects.filter(dissolved_on=None).values_list(
            "pk", "name", "parent__name"
        )
    }
    party = User.objects.filter(username=secretary).values_list("party_org_id", flat=True).first()
    return demo.Snapshot(
        members=members,
        party_orgs=party_orgs,
        org_districts=dict(SocialOrg.objects.values_list("pk", "district__name")),
        secretary_party_org_id=party,
        secretary_org_ids=frozenset(
            covered.filter(partyorganization_id=party).values_list("socialorg_id", flat=True)
        ),
    )


def write_plan(plan, *, user, reason):
    """Insert everything `plan` holds and change the members it changes, with history."""
    history = {"user": user, "date": timezone.now()}
    # New members first: their development records point at them.
    _create(Member, plan.new_members, reason=f"{reason}：发展党员", **history)
    _change_members(plan, reason=reason, **history)
    for model, rows in (
        (Development, plan.developments),
        (Transfer, plan.transfers),
        (FloatingRecord, plan.floating),
        (LostContact, plan.lost_contacts),
        (Disposition, plan.dispositions),
        (LostContactStep, plan.lost_steps),
        (RelationshipCheck, plan.checks),
        (CheckFinding, plan.findings),
    ):
        _create(model, rows, reason=reason, **history)
    # Attendance is Member.attends, whose many-to-many history a bulk write does not
    # record (orgs.history).
    attends = Member.attends.through
    attends.objects.bulk_create(
        [attends(member_id=m, partyorganization_id=p) for m, p in plan.attends],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )


def _create(model, rows, *, user, date, reason):
    model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    ids = [row.pk for row in rows]
    record_history(model, ids, history_type=CREATED, user=user, reason=reason, date=date)


def _change_members(plan, *, user, date, reason):
    """The members' changes (status, Party organization, floating flag, last contact), with
    one history row each whose reason says why (停止党籍, 劝退, a transfer…)."""
    if not plan.member_changes:
        return
    members = Member.objects.in_bulk(list(plan.member_changes))
    fields = set()
    for pk, changes in plan.member_changes.items():
        for name, value in changes.items():
            setattr(members[pk], name, value)
            fields.add(Member._meta.get_field(name).name)
    Member.objects.bulk_update(members.values(), sorted(fields), batch_size=BATCH_SIZE)
    by_reason = defaultdict(list)
    for pk, why in plan.change_reasons.items():
        by_reason[why].append(pk)
    for why, pks in sorted(by_reason.items()):
        record_history(
            Member, pks, history_type=CHANGED, user=user, reason=f"{reason}：{why}", date=date
        )
