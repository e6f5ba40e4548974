"""The member lifecycle through the admin, as its users work: a branch secretary moves a
person from application to full membership and transfers a member to another branch,
the receiving side sees it arrive and accepts it, the letter prints as a PDF; an officer
finds every due and overdue item on the worklists, whose counts match the lists they
link to; pages are scoped (404 outside, 403 for actions of the other side) and stay
within the query budget."""

import datetime

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from members.models import (
    CheckFinding,
    Development,
    Disposition,
    FloatingRecord,
    IdNumberReveal,
    LostContact,
    Member,
    RelationshipCheck,
    Transfer,
)
from members.selectors import WORKLISTS
from tests.members import fixtures_admin
from tests.members.fixtures_admin import MemberFactory, id_number

party_world = fixtures_admin.party_world

D = datetime.date
MAX_QUERIES = 12


def at(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10)), tick=False)


def development_data(record=None, **overrides):
    """The development form as the admin posts it: every field, blanks as ''."""
    fields = (
        "name", "workplace", "workplace_role", "party_org", "applied_on", "talked_on",
        "activist_on", "candidate_on", "sponsor_1", "sponsor_2", "admitted_on",
        "admission_approved_by", "admission_document", "probation_extended_months", "full_on",
        "full_approved_by", "stopped_on", "stop_reason",
    )  # fmt: skip
    data = {name: "" for name in fields}
    data["probation_extended_months"] = "0"
    if record is not None:
        for name in fields:
            value = getattr(record, f"{name}_id" if name in _FKS else name)
            data[name] = "" if value is None else str(value)
    data.update({k: str(v) for k, v in overrides.items()})
    return data


_FKS = {"workplace", "party_org", "sponsor_1", "sponsor_2"}


def change_url(model, obj):
    return reverse(f"admin:members_{model}_change", args=[obj.pk])


def action_url(model, obj, action):
    return reverse(f"admin:members_{model}_action", args=[obj.pk, action])


@pytest.fixture
def school_sponsors(party_world):
    """Two full members of the school's branch besides the world's one."""
    world = party_world
    return [
        MemberFactory(
            name=name,
            id_number=id_number(serial, birth="19750505"),
            workplace=world["orgs"]["school"],
            party_org=world["party_orgs"]["school"],
        )
        for name, serial in (("介绍人甲", 601), ("介绍人乙", 603))
    ]


def test_a_secretary_develops_a_person_from_application_to_full_membership(
    client, party_world, school_sponsors
):
    world = party_world
    client.force_login(world["users"]["secretary"])
    school, branch = world["orgs"]["school"], world["party_orgs"]["school"]
    person = id_number(711, birth="19980210")
    add = reverse("admin:members_development_add")

    with at(D(2024, 3, 1)):
        response = client.post(
            add,
            development_data(
                name="申请人",
                workplace=school.pk,
                party_org=branch.pk,
                workplace_role="backbone",
                applied_on="2024-03-01",
            )
            | {"id_number": person},
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
    record = Development.objects.get(id_number=person)
    assert record.stage == Development.Stage.APPLICANT

    steps = [
        (D(2024, 3, 20), {"talked_on": "2024-03-20", "activist_on": "2024-03-20"}, "activist"),
        (
            D(2025, 3, 25),
            {
                "candidate_on": "2025-03-25",
                "sponsor_1": school_sponsors[0].pk,
                "sponsor_2": school_sponsors[1].pk,
            },
            "candidate",
        ),
        (
            D(2025, 6, 1),
            {"admitted_on": "2025-06-01", "admission_approved_by": "中共南京市教育局委员会"},
            "probationary",
        ),
        (
            D(2026, 6, 2),
            {"full_on": "2026-06-01", "full_approved_by": "中共南京市教育局委员会"},
            "full",
        ),
    ]
    for today, changes, stage in steps:
        record.refresh_from_db()
        with at(today):
            response = client.post(
                change_url("development", record), development_data(record, **changes)
            )
        assert response.status_code == 302, response.context["adminform"].form.errors
        record.refresh_from_db()
        assert record.stage == stage
        if stage == "probationary":
            member = record.member
            assert (member.category, member.joined_on) == ("probationary", D(2025, 6, 1))
            assert (member.party_org, member.workplace) == (branch, school)
    member = Member.objects.get(id_number=person)
    assert (member.category, member.full_member_on) == ("full", D(2026, 6, 1))


def test_a_development_step_taken_too_early_comes_back_with_its_error(
    client, party_world, school_sponsors
):
    world = party_world
    client.force_login(world["users"]["secretary"])
    record = Development.objects.create(
        name="积极分子",
        id_number=id_number(713, birth="19990101"),
        workplace=world["orgs"]["school"],
        party_org=world["party_orgs"]["school"],
        applied_on=D(2025, 1, 2),
        activist_on=D(2025, 2, 1),
    )
    data = development_data(
        record,
        candidate_on="2026-01-31",
        sponsor_1=school_sponsors[0].pk,
        sponsor_2=school_sponsors[1].pk,
    )
    with at(D(2026, 2, 1)):
        response = client.post(change_url("development", record), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "2026-02-01" in errors["candidate_on"][0]  # the earliest day it may happen
    record.refresh_from_db()
    assert record.stage == Development.Stage.ACTIVIST


def test_the_development_list_flags_the_overdue_talk(client, party_world):
    world = party_world
    client.force_login(world["users"]["secretary"])
    Development.objects.create(
        name="待谈话",
        id_number=id_number(715, birth="19990101"),
        workplace=world["orgs"]["school"],
        party_org=world["party_orgs"]["school"],
        applied_on=D(2026, 1, 5),
    )
    with at(D(2026, 2, 6)):
        response = client.get(reverse("admin:members_development_changelist"))
    assert "与申请人谈话：2026-02-05（已逾期）" in response.content.decode()


# --- transfers -------------------------------------------------------------------------


def issue_within(client, world, member, to_party_org, day):
    data = {
        "member": member.pk,
        "direction": "within",
        "reason": "工作调动",
        "from_party_org": member.party_org_id,
        "from_outside": "",
        "to_party_org": to_party_org.pk,
        "to_outside": "",
        "letter_number": "宁教党转〔2026〕7号",
        "issued_on": day.isoformat(),
        "valid_until": (day + datetime.timedelta(days=60)).isoformat(),
    }
    with at(day):
        response = client.post(reverse("admin:members_transfer_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Transfer.objects.get(member=member, status="in_transit")


def test_a_member_transfers_to_a_branch_outside_the_senders_scope_and_arrives(client, party_world):
    world = party_world
    member = world["members"]["m_school"]
    # The new job is at the reading club, in the street committee's scope.
    joint, community = world["party_orgs"]["joint"], world["orgs"]["community"]
    client.force_login(world["users"]["secretary"])
    transfer = issue_within(client, world, member, joint, D(2026, 3, 2))

    # The sender cannot accept on the receiver's behalf.
    with at(D(2026, 3, 10)):
        assert client.get(change_url("transfer", transfer)).status_code == 200
        assert client.get(action_url("transfer", transfer, "accept")).status_code == 403

    # The receiving street committee sees it arrive (in transit) and accepts it.
    client.force_login(world["users"]["xinjiekou"])
    with at(D(2026, 3, 10)):
        listing = client.get(
            reverse("admin:members_transfer_changelist"), {"worklist": "transfers_in_transit"}
        )
        assert [t.pk for t in listing.context["cl"].result_list] == [transfer.pk]
        page = client.get(change_url("transfer", transfer))
        assert action_url("transfer", transfer, "accept") in page.content.decode()
        response = client.post(
            action_url("transfer", transfer, "accept"),
            {"received_on": "2026-03-10", "new_workplace": community.pk},
        )
    assert response.status_code == 302, response.context["form"].errors
    member.refresh_from_db()
    transfer.refresh_from_db()
    assert (member.party_org, member.workplace) == (joint, community)
    assert (transfer.status, transfer.received_on) == ("received", D(2026, 3, 10))
    versions = list(member.history.order_by("history_id"))
    before, after = versions[0], versions[-1]
    assert before.party_org_id == world["party_orgs"]["school"].pk
    assert after.party_org_id == joint.pk and after.history_user == world["users"]["xinjiekou"]

    # Accepting again is refused without a change.
    with at(D(2026, 3, 11)):
        response = client.post(
            action_url("transfer", transfer, "accept"), {"received_on": "2026-03-11"}
        )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.received_on == D(2026, 3, 10)


def test_a_receipt_date_before_the_letter_comes_back_onto_the_form(client, party_world):
    world = party_world
    member = world["members"]["m_school"]
    client.force_login(world["users"]["secretary"])
    transfer = issue_within(
        client, world, member, world["party_orgs"]["joint"], D(2026, 3, 2),
    )  # fmt: skip
    client.force_login(world["users"]["xinjiekou"])
    with at(D(2026, 3, 10)):
        response = client.post(
            action_url("transfer", transfer, "accept"), {"received_on": "2026-03-01"}
        )
    assert response.status_code == 200
    assert "2026-03-02" in response.context["form"].errors["received_on"][0]
    transfer.refresh_from_db()
    assert transfer.status == "in_transit"


@pytest.mark.parametrize("role", ["qinhuai_outsider", "lawyers", "no_unit"])
def test_transfer_pages_actions_and_letter_are_404_outside_the_scope(client, party_world, role):
    world = party_world
    client.force_login(world["users"]["secretary"])
    transfer = issue_within(
        client, world, world["members"]["m_school"], world["party_orgs"]["joint"],
        D(2026, 3, 2),
    )  # fmt: skip
    user = world["users"].get(role)
    if user is None:  # a 两新工委 of another district
        qinhuai = world["districts"][1]
        unit = fixtures_admin.factories.UnitFactory(
            name="秦淮区两新工委", kind="two_new", level="district", region=qinhuai
        )
        user = fixtures_admin.factories.UserFactory(username="qinhuai_two_new", unit=unit)
    client.force_login(user)
    with at(D(2026, 3, 10)):
        for url in (
            change_url("transfer", transfer),
            action_url("transfer", transfer, "accept"),
            reverse("members:transfer_letter", args=[transfer.pk]),
        ):
            assert client.get(url).status_code in (404, 403 if role == "no_unit" else 404)
        listing = client.get(reverse("admin:members_transfer_changelist"))
    if listing.status_code == 200:
        assert list(listing.context["cl"].result_list) == []


def test_the_transfer_letter_prints_and_a_full_number_on_it_is_recorded(client, party_world):
    world = party_world
    member = world["members"]["m_school"]
    client.force_login(world["users"]["secretary"])
    transfer = issue_within(
        client, world, member, world["party_orgs"]["joint"], D(2026, 3, 2),
    )  # fmt: skip
    url = reverse("members:transfer_letter", args=[transfer.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert IdNumberReveal.objects.filter(member=member, reason="打印组织关系介绍信").count() == 1

    # A role that may not reveal gets the letter with the number masked, and no record.
    client.force_login(world["users"]["education"])
    assert client.get(url).status_code == 200
    assert IdNumberReveal.objects.filter(member=member).count() == 1


# --- worklists -------------------------------------------------------------------------


@pytest.fixture
def overdue_items(party_world, school_sponsors):
    """One item on each member worklist, in the school (xuanwu district) as of 2026-06-15."""
    world = party_world
    school, branch = world["orgs"]["school"], world["party_orgs"]["school"]
    member = world["members"]["m_school"]

    def person(serial, **dates):
        return Development.objects.create(
            name=f"发展{serial}", id_number=id_number(serial, birth="19950101"),
            workplace=school, party_org=branch, **dates,
        )  # fmt: skip

    with at(D(2026, 6, 15)):
        person(801, applied_on=D(2026, 4, 1))  # talk overdue
        person(803, applied_on=D(2025, 1, 1), activist_on=D(2025, 5, 1))  # ready
        sponsors = {"sponsor_1": school_sponsors[0], "sponsor_2": school_sponsors[1]}
        person(
            805,
            applied_on=D(2024, 1, 1),
            activist_on=D(2024, 2, 1),
            candidate_on=D(2025, 2, 1),
            admitted_on=D(2025, 7, 1),
            admission_approved_by="上级党委",
            **sponsors,
        )  # fmt: skip — probation ends 2026-07-01: ending soon
        person(
            807,
            applied_on=D(2024, 1, 1),
            activist_on=D(2024, 2, 1),
            candidate_on=D(2025, 2, 1),
            admitted_on=D(2025, 6, 1),
            admission_approved_by="上级党委",
            **sponsors,
        )  # fmt: skip — ended 2026-06-01: overdue
        Transfer.objects.create(
            member=member,
            direction="out",
            from_party_org=branch,
            to_outside="上海某党委",
            letter_number="A1",
            issued_on=D(2026, 5, 1),
            valid_until=D(2026, 7, 1),
        )  # fmt: skip — receipt due 2026-06-01: overdue
        away = school_sponsors[0]
        away.last_contact_on = D(2025, 12, 15)
        away.save()
    return world


def test_every_worklist_count_on_the_page_matches_the_list_it_links_to(
    client, overdue_items, django_assert_max_num_queries
):
    world = overdue_items
    client.force_login(world["users"]["xuanwu_two_new"])
    with at(D(2026, 6, 15)):
        with django_assert_max_num_queries(MAX_QUERIES):
            page = client.get(reverse("members:worklists"))
        rows = {row["worklist"].key: row for row in page.context["rows"]}
        assert set(rows) == {w.key for w in WORKLISTS}
        expected = {
            "talk_overdue": 1, "activist_ready": 1, "probation_ending": 1,
            "probation_overdue": 1, "transfers_overdue": 1, "lost_contact_unregistered": 1,
        }  # fmt: skip
        for key, row in rows.items():
            assert row["count"] == expected.get(key, 0), key
            listing = client.get(row["url"])
            assert listing.status_code == 200
            assert listing.context["cl"].result_count == row["count"], key


def test_the_admin_home_page_shows_the_worklists(client, overdue_items):
    world = overdue_items
    client.force_login(world["users"]["secretary"])
    with at(D(2026, 6, 15)):
        page = client.get(reverse("admin:index"))
    text = page.content.decode()
    assert "党员管理工作提醒" in text
    assert 'data-worklist="probation_overdue">1<' in text


def test_an_officer_of_another_district_sees_nothing_on_the_worklists(client, overdue_items):
    world = overdue_items
    qinhuai = world["districts"][1]
    unit = fixtures_admin.factories.UnitFactory(
        name="秦淮区两新工委", kind="two_new", level="district", region=qinhuai
    )
    client.force_login(fixtures_admin.factories.UserFactory(username="qh", unit=unit))
    with at(D(2026, 6, 15)):
        page = client.get(reverse("members:worklists"))
        assert all(row["count"] == 0 for row in page.context["rows"])
        listing = client.get(
            reverse("admin:members_development_changelist"), {"worklist": "talk_overdue"}
        )
    assert listing.context["cl"].result_count == 0


@pytest.mark.parametrize(
    "model", ["development", "transfer", "floatingrecord", "lostcontact", "disposition",
              "relationshipcheck", "checkfinding"],
)  # fmt: skip
def test_lifecycle_lists_stay_within_the_query_budget(
    client, overdue_items, model, django_assert_max_num_queries
):
    client.force_login(overdue_items["users"]["xuanwu_two_new"])
    with at(D(2026, 6, 15)), django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse(f"admin:members_{model}_changelist"))
    assert response.status_code == 200


# --- lost contact and checks -----------------------------------------------------------


def test_lost_contact_is_registered_and_closed_with_membership_stopped(client, party_world):
    world = party_world
    member = world["members"]["m_school"]
    member.last_contact_on = D(2025, 10, 1)
    member.save()
    client.force_login(world["users"]["secretary"])
    data = {
        "member": member.pk,
        "lost_since": "2025-10-01",
        "registered_on": "2026-04-15",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-taken_on": "2026-04-10",
        "steps-0-measure": "走访原工作单位",
    }
    with at(D(2026, 4, 15)):
        response = client.post(reverse("admin:members_lostcontact_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    case = LostContact.objects.get(member=member)
    assert case.steps.count() == 1
    close = action_url("lostcontact", case, "close")
    with at(D(2026, 4, 15)):
        early = client.post(
            close, {"outcome": "suspended", "outcome_on": "2026-04-14", "decision_body": "支部"}
        )
    assert "2026-04-15" in early.context["form"].errors["outcome_on"][0]  # registered then
    with at(D(2026, 4, 15)):
        done = client.post(
            close, {"outcome": "suspended", "outcome_on": "2026-04-15", "decision_body": "支部"}
        )
    assert done.status_code == 302
    member.refresh_from_db()
    case.refresh_from_db()
    assert (member.status, case.outcome) == ("suspended", "suspended")


def test_a_check_campaign_covers_the_scope_and_a_finding_updates_the_last_contact(
    client, party_world
):
    world = party_world
    client.force_login(world["users"]["secretary"])
    with at(D(2026, 5, 1)):
        response = client.post(
            reverse("admin:members_relationshipcheck_add"),
            {"name": "2026年组织关系排查", "started_on": "2026-05-01", "due_on": "2026-06-30"},
        )
    assert response.status_code == 302
    campaign = RelationshipCheck.objects.get()
    # The secretary's scope: the school's members and those their branch holds.
    assert {f.member.name for f in campaign.findings.all()} == {"王启明", "周外出"}
    finding = campaign.findings.get(member__name="王启明")
    listing = reverse("admin:members_checkfinding_changelist")
    page = client.get(listing, {"campaign": campaign.pk})
    forms = page.context["cl"].formset.forms
    data = {
        "form-TOTAL_FORMS": str(len(forms)),
        "form-INITIAL_FORMS": str(len(forms)),
        "_save": "保存",
    }
    for i, form in enumerate(forms):
        found = form.instance.pk == finding.pk
        data |= {
            f"form-{i}-id": form.instance.pk,
            f"form-{i}-result": "found" if found else "pending",
            f"form-{i}-checked_on": "2026-05-03" if found else "",
            f"form-{i}-notes": "",
        }
    with at(D(2026, 5, 3)):
        response = client.post(f"{listing}?campaign={campaign.pk}", data)
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.result == CheckFinding.Result.FOUND
    assert Member.objects.get(name="王启明").last_contact_on == D(2026, 5, 3)


# --- scope of every lifecycle list -------------------------------------------------------


def _records_about_each_member(world):
    """A floating registration, a lost-contact case and a disposition for every member of
    the world, and a transfer out for each one held in the system."""
    for key, member in world["members"].items():
        FloatingRecord.objects.create(
            member=member, direction="out", place="上海", since=D(2025, 1, 1), contact_person="甲"
        )
        LostContact.objects.create(
            member=member, lost_since=D(2025, 1, 1), registered_on=D(2025, 8, 1)
        )
        Disposition.objects.create(
            member=member, kind="correction", reason="不按时交纳党费", decided_on=D(2025, 9, 1),
            decision_body="支部", correction_until=D(2026, 3, 1),
        )  # fmt: skip
        Transfer.objects.create(
            member=member, direction="out", from_party_org=member.party_org,
            to_outside="外省某党委", letter_number=key, issued_on=D(2025, 9, 1),
            valid_until=D(2025, 10, 1),
        )  # fmt: skip


@pytest.mark.parametrize("role", sorted(fixtures_admin.VISIBLE_MEMBERS))
@pytest.mark.parametrize("model", ["floatingrecord", "lostcontact", "disposition", "transfer"])
def test_each_role_sees_the_lifecycle_records_of_exactly_its_members(
    client, party_world, role, model
):
    world = party_world
    _records_about_each_member(world)
    client.force_login(world["users"][role])
    response = client.get(reverse(f"admin:members_{model}_changelist"))
    assert response.status_code == 200
    seen = {obj.member.name for obj in response.context["cl"].result_list}
    expected = {world["members"][key].name for key in fixtures_admin.VISIBLE_MEMBERS[role]}
    if model == "transfer" and role == "secretary":
        # A secretary also sees the letters their Party organization sent (all are 转出
        # here: the receiving side of a transfer out is outside the system).
        school = world["party_orgs"]["school"]
        expected |= {m.name for m in world["members"].values() if m.party_org == school}
    assert seen == expected
    for obj in apps.get_model("members", model).objects.exclude(member__name__in=seen):
        assert client.get(change_url(model, obj)).status_code == 404
