"""Holes found in review of the member lifecycle, each pinned: no masked digit recovered
through the development list or form, transfers seen and acted on by the right sides,
second open records and refusals that come back as messages rather than errors, records
that follow a member's move or departure (floating registrations, development, posts),
worklists of members on the register only, campaigns of other units, history of steps,
checks and findings, and the smaller dates and links."""

import datetime
import html
import re

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from members import services, views
from members.admin_tracking import StepInline
from members.models import (
    CheckFinding,
    Development,
    Disposition,
    FloatingRecord,
    IdNumberReveal,
    LostContact,
    LostContactStep,
    Member,
    Post,
    RelationshipCheck,
    Transfer,
)
from members.privacy import masked
from members.selectors import BY_KEY, worklist_counts
from orgs.scopes import Scope, ScopeKind
from tests import factories
from tests.members import fixtures_admin, lifecycle_fixtures, test_transfers
from tests.members.fixtures_admin import id_number
from tests.members.lifecycle_fixtures import TODAY, errors_of
from tests.members.test_admin_lifecycle import (
    action_url,
    at,
    change_url,
    development_data,
    issue_within,
)

D = datetime.date
DAY = datetime.timedelta(days=1)

party_world = fixtures_admin.party_world
lifecycle = lifecycle_fixtures.lifecycle
today = lifecycle_fixtures.today
member = test_transfers.member
within = test_transfers.within
letter = test_transfers.letter

OUTSIDE = "中共上海市浦东新区某某协会支部委员会"
HOME = "中共苏州市某公司委员会"


# --- helpers ----------------------------------------------------------------------------


def issue_out(person, day, user, number="宁转出〔2026〕1号"):
    """A letter taking `person` out of the system, issued through the service on `day`."""
    transfer = Transfer(
        member=person, direction="out", from_party_org=person.party_org, to_outside=OUTSIDE,
        letter_number=number, issued_on=day, valid_until=day + 30 * DAY,
    )  # fmt: skip
    with at(day):
        return services.transfer_issue(transfer=transfer, user=user)


def listed(client, model, **params):
    response = client.get(reverse(f"admin:members_{model}_changelist"), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def qinhuai_two_new_user(world):
    """The 两新工委 of 秦淮区: may reveal numbers, sees no 玄武区 member."""
    unit = factories.UnitFactory(
        name="中共南京市秦淮区委两新工委", kind="two_new", level="district",
        region=world["districts"][1],
    )  # fmt: skip
    return factories.UserFactory(username="qinhuai_two_new", unit=unit)


def letter_numbers(monkeypatch):
    """The ID numbers printed on the letters rendered from now on."""
    printed = []
    render = views.render_pdf

    def spy(template, context):
        printed.append(context["id_number"])
        return render(template, context)

    monkeypatch.setattr(views, "render_pdf", spy)
    return printed


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def all_form_errors(response):
    form = response.context["adminform"].form
    return [message for messages in form.errors.values() for message in messages]


# --- H1: the development list and form give no masked digit away ------------------------


@pytest.fixture
def applicant(party_world):
    """An applicant at the school, born 1999-01-01, applied 2025-01-02."""
    return Development.objects.create(
        name="申请人",
        id_number=id_number(717, birth="19990101"),
        workplace=party_world["orgs"]["school"],
        party_org=party_world["party_orgs"]["school"],
        applied_on=D(2025, 1, 2),
    )


@pytest.mark.parametrize(
    "lookup", ["id_number__startswith", "id_number", "birth_date__year", "birth_date__gte"]
)
def test_the_development_list_refuses_lookups_on_the_hidden_digits(
    client, party_world, applicant, lookup
):
    value = {
        "id_number__startswith": applicant.id_number[:10],
        "id_number": applicant.id_number,
        "birth_date__year": "1999",
        "birth_date__gte": "1999-01-01",
    }[lookup]
    client.force_login(party_world["users"]["education"])
    url = reverse("admin:members_development_changelist")
    # Django answers a disallowed lookup (DisallowedModelAdminLookup) with 400: no list.
    response = client.get(url, {lookup: value})
    assert response.status_code == 400
    assert "cl" not in (response.context or {})
    # Other filters still work: the refusal is about the lookup, not the list.
    assert [d.pk for d in listed(client, "development", stage__exact="applicant")] == [applicant.pk]


def test_applied_on_is_read_only_on_a_record_for_a_role_that_may_not_reveal_the_number(
    client, party_world, applicant
):
    url = change_url("development", applicant)
    client.force_login(party_world["users"]["education"])  # sees the record, may not reveal
    with at(D(2026, 2, 1)):
        assert "applied_on" not in client.get(url).context["adminform"].form.fields
        # Before the 18th birthday (the age check would answer) and a plausible date alike.
        for probe in ("2016-06-01", "2025-01-01"):
            response = client.post(url, development_data(applicant, applied_on=probe))
            assert response.status_code == 302, response.context["adminform"].form.errors
            applicant.refresh_from_db()
            assert applicant.applied_on == D(2025, 1, 2)

    client.force_login(party_world["users"]["secretary"])  # may reveal: edits it
    with at(D(2026, 2, 1)):
        assert "applied_on" in client.get(url).context["adminform"].form.fields
        response = client.post(url, development_data(applicant, applied_on="2025-01-01"))
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.applied_on == D(2025, 1, 1)


# --- H2: who sees a transfer, who accepts or returns it, who gets the full number --------


def test_an_outsider_cannot_close_a_transfer_out_of_a_member_they_do_not_keep(client, party_world):
    world = party_world
    person = world["members"]["m_community"]  # held by the joint branch, kept by 新街口
    transfer = issue_out(person, D(2026, 3, 2), world["users"]["xinjiekou"])
    accept = action_url("transfer", transfer, "accept")

    # The 托底 committee sees the joint branch (through the association), not this member.
    client.force_login(world["users"]["fallback"])
    with at(D(2026, 3, 20)):
        assert transfer not in listed(client, "transfer")
        assert client.get(change_url("transfer", transfer)).status_code == 404
        response = client.post(accept, {"received_on": "2026-03-20"})
    assert response.status_code == 404
    transfer.refresh_from_db()
    person.refresh_from_db()
    assert transfer.status == Transfer.Status.IN_TRANSIT
    assert (person.status, person.party_org) == (Member.Status.ACTIVE, world["party_orgs"]["joint"])

    # Those who keep the member close it when the receipt comes back.
    client.force_login(world["users"]["xinjiekou"])
    with at(D(2026, 3, 20)):
        response = client.post(accept, {"received_on": "2026-03-20"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == Member.Status.TRANSFERRED_OUT


def test_a_letter_is_seen_through_its_member_or_by_its_receiving_side_not_by_the_senders_overseers(
    client, party_world
):
    world = party_world
    person = world["members"]["m_away"]  # works in 秦淮区, held by the school's branch
    client.force_login(world["users"]["secretary"])
    transfer = issue_within(client, world, person, world["party_orgs"]["joint"], D(2026, 3, 2))

    seen = {}
    for role in (
        "secretary", "city_registration", "fallback", "xinjiekou", "xuanwu_registration",
        "education", "lawyers",
    ):  # fmt: skip
        client.force_login(world["users"][role])
        with at(D(2026, 3, 10)):
            seen[role] = transfer in listed(client, "transfer")
            status = client.get(change_url("transfer", transfer)).status_code
        assert status == (200 if seen[role] else 404), role
    assert seen == {
        "secretary": True,  # holds the member
        "city_registration": True,  # the member works in an org it registered
        "fallback": True,  # the same org is in its 托底 scope
        "xinjiekou": True,  # receiving side: the joint branch covers its community org
        "xuanwu_registration": True,  # receiving side: it registered the association
        "education": False,  # sees the sending branch only: not enough
        "lawyers": False,
    }

    # The receiving side accepts and returns; those who keep the member may withdraw it
    # (return), but do not accept for the receiver.
    client.force_login(world["users"]["xinjiekou"])
    with at(D(2026, 3, 10)):
        assert client.get(action_url("transfer", transfer, "accept")).status_code == 200
        assert client.get(action_url("transfer", transfer, "return")).status_code == 200
    client.force_login(world["users"]["secretary"])  # keeps the member, not the receiver
    with at(D(2026, 3, 10)):
        assert client.get(action_url("transfer", transfer, "accept")).status_code == 403
        response = client.post(
            action_url("transfer", transfer, "return"),
            {"returned_on": "2026-03-10", "return_reason": "本人另有安排"},
        )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.RETURNED


def test_a_secretary_sees_the_letters_their_party_org_sent_but_acts_only_while_keeping_the_member(
    client, party_world, monkeypatch
):
    world = party_world
    secretary = world["users"]["secretary"]
    person = world["members"]["m_school"]
    transfer = issue_out(person, D(2026, 3, 2), secretary)
    # Meanwhile the member's relationship and job moved (corrected on the register): the
    # school's branch no longer keeps them.
    Member.objects.filter(pk=person.pk).update(
        party_org=world["party_orgs"]["joint"], workplace=world["orgs"]["community"]
    )
    printed = letter_numbers(monkeypatch)
    client.force_login(secretary)
    with at(D(2026, 3, 10)):
        page = client.get(change_url("transfer", transfer))
        assert page.status_code == 200  # a letter their Party organization sent
        assert page.context["object_actions"] == []
        assert client.get(action_url("transfer", transfer, "accept")).status_code == 403
        assert client.get(action_url("transfer", transfer, "return")).status_code == 403
        pdf = client.get(reverse("members:transfer_letter", args=[transfer.pk]))
    assert pdf.status_code == 200
    assert printed == [masked(person.id_number)]
    assert not IdNumberReveal.objects.exists()


def test_the_receiving_side_gets_the_letter_with_the_number_masked_until_it_keeps_the_member(
    client, party_world, monkeypatch
):
    world = party_world
    person = world["members"]["m_school"]
    secretary = world["users"]["secretary"]
    client.force_login(secretary)
    transfer = issue_within(client, world, person, world["party_orgs"]["qinhuai"], D(2026, 3, 2))
    url = reverse("members:transfer_letter", args=[transfer.pk])
    printed = letter_numbers(monkeypatch)

    receiver = qinhuai_two_new_user(world)  # may reveal, but does not see the member yet
    assert receiver.has_perm("members.reveal_id_number")
    client.force_login(receiver)
    with at(D(2026, 3, 10)):
        assert client.get(change_url("transfer", transfer)).status_code == 200
        response = client.get(url)
    assert response.status_code == 200
    assert printed == [masked(person.id_number)]
    assert not IdNumberReveal.objects.exists()

    client.force_login(secretary)  # keeps the member and may reveal: full number, on record
    with at(D(2026, 3, 10)):
        assert client.get(url).status_code == 200
    assert printed[-1] == person.id_number
    (reveal,) = IdNumberReveal.objects.all()
    assert (reveal.user, reveal.member) == (secretary, person)


# --- H3: second open records, closed records, refusals of the services --------------------


def _second_open_record(world, model):
    """Write an open record of `model` about the school member; return the add form's
    data for a second one and the constraint's message."""
    person = world["members"]["m_school"]
    school, branch = world["orgs"]["school"], world["party_orgs"]["school"]
    if model == "transfer":
        Transfer.objects.create(
            member=person, direction="within", from_party_org=branch,
            to_party_org=world["party_orgs"]["joint"], letter_number="宁教党转〔2026〕1号",
            issued_on=D(2026, 4, 1), valid_until=D(2026, 5, 1),
        )  # fmt: skip
        data = {
            "member": person.pk, "direction": "within", "reason": "工作调动",
            "from_party_org": branch.pk, "from_outside": "",
            "to_party_org": world["party_orgs"]["law"].pk, "to_outside": "",
            "letter_number": "宁教党转〔2026〕2号", "issued_on": "2026-04-15",
            "valid_until": "2026-05-15",
        }  # fmt: skip
        return data, "该党员已有一份在途的组织关系介绍信"
    if model == "development":
        number = id_number(719, birth="19990101")
        Development.objects.create(
            name="申请人", id_number=number, workplace=school, party_org=branch,
            applied_on=D(2026, 1, 5),
        )  # fmt: skip
        data = development_data(
            name="申请人", workplace=school.pk, party_org=branch.pk, applied_on="2026-02-01"
        ) | {"id_number": number}
        return data, "此人已有一条进行中的发展党员记录"
    if model == "floatingrecord":
        FloatingRecord.objects.create(
            member=person, direction="out", place="上海", since=D(2026, 1, 5),
            contact_person="甲",
        )  # fmt: skip
        data = {
            "member": person.pk, "direction": "out", "place": "苏州", "since": "2026-03-01",
            "contact_person": "乙", "contact_phone": "", "host_party_org": "",
            "host_outside": "", "note": "",
        }  # fmt: skip
        return data, "该党员已有一条未结束的流动登记"
    LostContact.objects.create(
        member=person, lost_since=D(2025, 9, 1), registered_on=D(2026, 3, 15)
    )
    data = {
        "member": person.pk, "lost_since": "2025-10-01", "registered_on": "2026-04-15",
        "steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0",
    }  # fmt: skip
    return data, "该党员已登记为失联党员，尚未处理完毕"


SECOND_OPEN_MODELS = {
    "transfer": Transfer,
    "development": Development,
    "floatingrecord": FloatingRecord,
    "lostcontact": LostContact,
}


@pytest.mark.parametrize("model", sorted(SECOND_OPEN_MODELS))
def test_a_second_open_record_posted_through_the_add_form_comes_back_as_a_form_error(
    client, party_world, model
):
    data, message = _second_open_record(party_world, model)
    client.force_login(party_world["users"]["secretary"])
    with at(D(2026, 4, 15)):
        response = client.post(reverse(f"admin:members_{model}_add"), data)
    assert response.status_code == 200
    assert all_form_errors(response) == [message]
    assert SECOND_OPEN_MODELS[model].objects.count() == 1


def _closed_record(world, model):
    person = world["members"]["m_school"]
    if model == "floatingrecord":
        record = FloatingRecord.objects.create(
            member=person, direction="out", place="上海", since=D(2025, 1, 1),
            contact_person="甲", ended_on=D(2025, 6, 1),
        )  # fmt: skip
        data = {
            "member": person.pk, "direction": "out", "place": "杭州", "since": "2025-01-01",
            "contact_person": "乙", "contact_phone": "", "host_outside": "", "note": "",
        }  # fmt: skip
        return record, data
    record = LostContact.objects.create(
        member=person, lost_since=D(2025, 1, 1), registered_on=D(2025, 8, 1),
        outcome=LostContact.Outcome.RECONTACTED, outcome_on=D(2025, 9, 1),
    )  # fmt: skip
    data = {
        "steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", "steps-0-taken_on": "2025-08-20",
        "steps-0-measure": "补记一条查找措施",
    }  # fmt: skip
    return record, data


@pytest.mark.parametrize("model", ["floatingrecord", "lostcontact"])
def test_an_ended_floating_registration_or_closed_lost_contact_case_is_only_viewed(
    client, party_world, model
):
    record, data = _closed_record(party_world, model)
    before = type(record).objects.filter(pk=record.pk).values().get()
    url = change_url(model, record)
    client.force_login(party_world["users"]["secretary"])
    with at(D(2026, 4, 15)):
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert 'name="_save"' not in page.content.decode()
        assert page.context["object_actions"] == []
        response = client.post(url, data)
    assert response.status_code == 403
    assert type(record).objects.filter(pk=record.pk).values().get() == before
    assert not LostContactStep.objects.exists()


def test_a_refusal_raised_by_the_service_on_save_comes_back_as_a_message(
    client, party_world, monkeypatch
):
    """The form was valid, then the service refused (the member left the register
    meanwhile, say): a message and a redirect, and nothing the service wrote remains."""
    person = party_world["members"]["m_school"]

    def refusing(*, disposition, user):
        disposition.save()
        raise ValidationError("该党员已不在册")

    monkeypatch.setattr(services, "disposition_save", refusing)
    add = reverse("admin:members_disposition_add")
    data = {
        "member": person.pk, "kind": "remove", "reason": "长期不参加组织生活",
        "decided_on": "2026-04-01", "decision_body": "支部委员会", "document_number": "",
        "correction_until": "", "corrected_on": "", "correction_result": "",
    }  # fmt: skip
    client.force_login(party_world["users"]["secretary"])
    with at(D(2026, 4, 15)):
        response = client.post(add, data)
    assert response.status_code == 302
    assert response["Location"] == add
    assert messages_of(response) == ["该党员已不在册"]
    assert not Disposition.objects.exists()  # the admin's transaction rolled back


# --- M1: floating registrations end with a transfer into the host -------------------------


def inflow(person, host):
    return FloatingRecord(
        member=person, direction="in", place="江苏省苏州市", host_party_org=host,
        contact_person="王联络", since=D(2025, 1, 10),
    )  # fmt: skip


def test_an_inflow_member_transferred_into_their_host_is_no_longer_floating(lifecycle):
    user = lifecycle.user
    person = lifecycle.member(lifecycle.orgs[2], None, outside_holder=HOME)
    hosted = services.floating_save(record=inflow(person, lifecycle.joint), user=user)
    person.refresh_from_db()
    assert person.is_floating and list(person.attends.all()) == [lifecycle.joint]

    transfer = services.transfer_issue(
        transfer=letter(person, "in", from_outside=HOME, to_party_org=lifecycle.joint), user=user
    )
    services.transfer_accept(transfer=transfer, received_on=D(2025, 6, 10), user=user)
    hosted.refresh_from_db()
    person.refresh_from_db()
    assert hosted.ended_on == D(2025, 6, 10)
    assert hosted.history.order_by("-history_id").first().history_user == user
    assert person.party_org == lifecycle.joint
    assert not person.is_floating
    assert not person.attends.exists()


def test_a_floating_registration_is_ended_after_its_member_moved_to_the_host(lifecycle):
    person = lifecycle.member(lifecycle.orgs[2], None, outside_holder=HOME)
    hosted = services.floating_save(record=inflow(person, lifecycle.joint), user=None)
    # The relationship came to the host by another way (corrected on the register).
    Member.objects.filter(pk=person.pk).update(party_org=lifecycle.joint, outside_holder="")
    record = FloatingRecord.objects.get(pk=hosted.pk)
    record.ended_on = TODAY
    services.floating_save(record=record, user=lifecycle.user)
    assert FloatingRecord.objects.get(pk=hosted.pk).ended_on == TODAY
    assert not Member.objects.get(pk=person.pk).is_floating

    # Registering a member at their own Party organization is still refused.
    with pytest.raises(ValidationError) as excinfo:
        services.floating_save(
            record=inflow(Member.objects.get(pk=person.pk), lifecycle.joint), user=None
        )
    assert errors_of(excinfo) == {"host_party_org": ["该党员的组织关系已在此党组织"]}


# --- M2: a campaign seen through one's members' findings --------------------------------


@pytest.fixture
def city_campaign(party_world):
    """A check run by the city's 两新工委 over every member of the world (six)."""
    owner = party_world["users"]["city_two_new"]
    check = RelationshipCheck(
        name="2026年全市组织关系排查", started_on=D(2026, 5, 1), due_on=D(2026, 6, 30)
    )
    with at(D(2026, 5, 1)):
        count = services.check_start(check=check, user=owner, scope=Scope.for_user(owner))
    assert count == 6
    return check


CAMPAIGN_CHANGE = {"name": "改名", "started_on": "2026-05-01", "due_on": "2026-07-31", "note": ""}


def test_a_unit_counts_only_its_own_members_findings_of_another_units_campaign_and_cannot_change_it(
    client, party_world, city_campaign
):
    world = party_world

    def counts(role):
        client.force_login(world["users"][role])
        (row,) = listed(client, "relationshipcheck")
        return row.n_pending, row.n_found, row.n_not_found

    assert counts("education") == (1, 0, 0)  # the school's member only
    assert counts("xinjiekou") == (1, 0, 0)
    assert counts("city_two_new") == (6, 0, 0)

    url = change_url("relationshipcheck", city_campaign)
    client.force_login(world["users"]["education"])
    with at(D(2026, 5, 3)):
        page = client.get(url)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(url, CAMPAIGN_CHANGE).status_code == 403
    city_campaign.refresh_from_db()
    assert (city_campaign.name, city_campaign.due_on) == ("2026年全市组织关系排查", D(2026, 6, 30))

    client.force_login(world["users"]["city_two_new"])
    with at(D(2026, 5, 3)):
        assert client.post(url, CAMPAIGN_CHANGE).status_code == 302
    city_campaign.refresh_from_db()
    assert (city_campaign.name, city_campaign.due_on) == ("改名", D(2026, 7, 31))


# --- M3: a probationary member's development record follows the transfer -----------------


@pytest.mark.parametrize("moves_job", [False, True])
def test_a_probationary_members_development_record_follows_a_transfer_within_the_system(
    lifecycle, moves_job
):
    person = lifecycle.sun_member(category=Member.Category.PROBATIONARY, joined_on=D(2024, 7, 1))
    record = lifecycle.saved_development(
        id_number=person.id_number,
        applied_on=D(2023, 1, 1),
        activist_on=D(2023, 2, 1),
        candidate_on=D(2024, 3, 1),
        admitted_on=D(2024, 7, 1),
        admission_approved_by="上级党委",
        member=person,
    )  # fmt: skip — probation ends 2025-07-01: ending soon
    receiving = Scope.for_user(factories.UserFactory(unit=None, party_org=lifecycle.joint))
    ending = BY_KEY["probation_ending"]
    assert not Development.objects.for_scope(receiving).exists()
    assert worklist_counts(receiving, TODAY)["probation_ending"] == 0

    new_workplace = lifecycle.orgs[2] if moves_job else None
    transfer = services.transfer_issue(
        transfer=letter(
            person, "within", from_party_org=lifecycle.sun, to_party_org=lifecycle.joint,
            new_workplace=new_workplace,
        ),
        user=lifecycle.user,
    )  # fmt: skip
    services.transfer_accept(transfer=transfer, received_on=D(2025, 6, 10), user=lifecycle.user)

    record.refresh_from_db()
    assert record.party_org == lifecycle.joint
    assert record.workplace == (new_workplace or lifecycle.orgs[1])
    latest = record.history.order_by("-history_id").first()
    assert latest.history_user == lifecycle.user
    assert "组织关系转接" in latest.history_change_reason
    assert list(Development.objects.for_scope(receiving)) == [record]
    assert list(ending.queryset(receiving, TODAY)) == [record]
    assert worklist_counts(receiving, TODAY)["probation_ending"] == 1


# --- M4: posts and floating registrations end when a member leaves -----------------------


def test_accepting_a_transfer_ends_the_members_posts_in_the_sending_party_org(
    lifecycle, member, within
):
    received = D(2025, 6, 10)
    secretary = Post.objects.create(
        kind=Post.Kind.SECRETARY, member=member, party_org=lifecycle.sun, started_on=D(2024, 1, 1)
    )
    instructor = Post.objects.create(
        kind=Post.Kind.INSTRUCTOR,
        member=member,
        instructor_source="official",
        started_on=D(2024, 1, 1),
    )  # fmt: skip — not a post in the sending Party organization
    services.transfer_accept(transfer=within, received_on=received, user=lifecycle.user)
    secretary.refresh_from_db()
    instructor.refresh_from_db()
    assert secretary.ended_on == received
    assert secretary.history.order_by("-history_id").first().history_user == lifecycle.user
    assert instructor.ended_on is None
    # A successor can be appointed (one sitting secretary per Party organization).
    successor = Post(
        kind=Post.Kind.SECRETARY, member=lifecycle.sun_member(), party_org=lifecycle.sun,
        started_on=received,
    )  # fmt: skip
    successor.full_clean()
    successor.save()


LEFT_ON = D(2025, 6, 10)


def _take_off_the_register(lifecycle, person, how):
    user = lifecycle.user
    if how == "transfer_out":
        transfer = services.transfer_issue(
            transfer=letter(person, "out", from_party_org=lifecycle.sun, to_outside=OUTSIDE),
            user=user,
        )
        services.transfer_accept(transfer=transfer, received_on=LEFT_ON, user=user)
    elif how in ("remove", "persuade"):
        services.disposition_save(
            disposition=Disposition(
                member=person, kind=how, reason="长期不参加组织生活", decided_on=LEFT_ON,
                decision_body="支部委员会",
            ),
            user=user,
        )  # fmt: skip
    elif how == "suspend":
        case = services.lost_contact_register(
            case=LostContact(member=person, lost_since=D(2024, 12, 1), registered_on=D(2025, 6, 1)),
            user=user,
        )
        services.lost_contact_close(
            case=case, outcome="suspended", on=LEFT_ON, decision_body="支部委员会", user=user
        )
    else:  # cancel: probation stopped
        record = Development.objects.get(member=person)
        record.stopped_on, record.stop_reason = LEFT_ON, "取消预备党员资格"
        services.development_save(record=record, user=user)


@pytest.mark.parametrize(
    ("how", "status"),
    [
        ("remove", Member.Status.REMOVED),
        ("persuade", Member.Status.EXPELLED),
        ("suspend", Member.Status.SUSPENDED),
        ("transfer_out", Member.Status.TRANSFERRED_OUT),
        ("cancel", Member.Status.CANCELLED),
    ],
)
def test_a_member_who_leaves_the_register_leaves_every_post_and_floating_registration(
    lifecycle, how, status
):
    if how == "cancel":
        person = lifecycle.sun_member(
            category=Member.Category.PROBATIONARY, joined_on=D(2024, 7, 1)
        )
        lifecycle.saved_development(
            id_number=person.id_number, applied_on=D(2023, 1, 1), activist_on=D(2023, 2, 1),
            candidate_on=D(2024, 3, 1), admitted_on=D(2024, 7, 1),
            admission_approved_by="上级党委", member=person,
        )  # fmt: skip
    else:
        person = lifecycle.sun_member()
    posts = [
        Post.objects.create(
            kind=Post.Kind.SECRETARY, member=person, party_org=lifecycle.sun,
            started_on=D(2024, 1, 1),
        ),
        Post.objects.create(
            kind=Post.Kind.INSTRUCTOR, member=person, instructor_source="official",
            started_on=D(2024, 1, 1),
        ),
    ]  # fmt: skip
    away = services.floating_save(
        record=FloatingRecord(
            member=person, direction="out", place="南京市秦淮区", since=D(2025, 1, 1),
            contact_person="本人", host_party_org=lifecycle.qinhuai,
        ),
        user=None,
    )  # fmt: skip
    person.refresh_from_db()
    assert person.is_floating and list(person.attends.all()) == [lifecycle.qinhuai]

    _take_off_the_register(lifecycle, person, how)

    person.refresh_from_db()
    assert person.status == status
    assert [Post.objects.get(pk=post.pk).ended_on for post in posts] == [LEFT_ON, LEFT_ON]
    assert FloatingRecord.objects.get(pk=away.pk).ended_on == LEFT_ON
    assert not person.is_floating
    assert not person.attends.exists()
    assert not Post.objects.filter(member=person).current(TODAY).exists()


# --- M5: worklists count members on the register only --------------------------------------


def _worklist_row(lc, person, key):
    if key in ("transfers_in_transit", "transfers_overdue"):
        issued = D(2025, 6, 1) if key == "transfers_in_transit" else D(2025, 1, 1)
        return Transfer.objects.create(
            member=person, direction="within", from_party_org=lc.sun, to_party_org=lc.joint,
            letter_number="转", issued_on=issued, valid_until=issued,
        )  # fmt: skip
    if key == "floating_to_transfer":
        return FloatingRecord.objects.create(
            member=person, direction="out", place="上海", fixed_place=True, since=D(2024, 1, 1),
            contact_person="本人",
        )  # fmt: skip
    if key == "lost_contact_open":
        return LostContact.objects.create(
            member=person, lost_since=D(2024, 6, 1), registered_on=D(2025, 1, 1)
        )
    return Disposition.objects.create(
        member=person, kind="correction", reason="不参加组织生活", decided_on=D(2025, 1, 1),
        decision_body="支部", correction_until=D(2025, 7, 1),
    )  # fmt: skip


@pytest.mark.parametrize(
    "key",
    [
        "transfers_in_transit",
        "transfers_overdue",
        "floating_to_transfer",
        "lost_contact_open",
        "corrections_ending",
    ],
)
def test_worklists_leave_out_items_of_members_no_longer_on_the_register(lifecycle, key):
    worklist = BY_KEY[key]
    scope = Scope(ScopeKind.ALL)
    for status in (
        Member.Status.TRANSFERRED_OUT, Member.Status.SUSPENDED, Member.Status.REMOVED,
        Member.Status.DECEASED,
    ):  # fmt: skip
        _worklist_row(lifecycle, lifecycle.sun_member(status=status), key)
    assert worklist.queryset(scope, TODAY).count() == 0
    assert worklist_counts(scope, TODAY)[key] == 0
    on_register = _worklist_row(lifecycle, lifecycle.sun_member(), key)
    assert list(worklist.queryset(scope, TODAY)) == [on_register]
    assert worklist_counts(scope, TODAY)[key] == 1


# --- M6: steps, checks and findings keep history; a closed case's steps stay -------------


def test_a_campaign_its_findings_and_the_search_steps_keep_history_with_the_user(
    client, party_world, city_campaign
):
    world = party_world
    owner, education = world["users"]["city_two_new"], world["users"]["education"]
    (started,) = city_campaign.history.all()
    assert (started.history_type, started.history_user) == ("+", owner)

    findings = sorted(city_campaign.findings.values_list("pk", flat=True))
    rows = CheckFinding.history.all()
    assert sorted(row.id for row in rows) == findings  # one row per finding
    assert {(r.history_type, r.history_user_id, r.history_change_reason) for r in rows} == {
        ("+", owner.pk, "开始组织关系排查")
    }

    finding = city_campaign.findings.get(member=world["members"]["m_school"])
    finding.result, finding.checked_on = CheckFinding.Result.FOUND, D(2026, 5, 3)
    with at(D(2026, 5, 3)):
        services.finding_record(finding=finding, user=education)
    latest = finding.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user, latest.result) == ("~", education, "found")

    client.force_login(owner)
    with at(D(2026, 5, 3)):
        response = client.post(change_url("relationshipcheck", city_campaign), CAMPAIGN_CHANGE)
    assert response.status_code == 302
    latest = city_campaign.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user, latest.name) == ("~", owner, "改名")

    # A search step recorded with a lost-contact case through the admin.
    person = world["members"]["m_school"]
    secretary = world["users"]["secretary"]
    client.force_login(secretary)
    data = {
        "member": person.pk, "lost_since": "2025-10-01", "registered_on": "2026-04-15",
        "steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", "steps-0-taken_on": "2026-04-10",
        "steps-0-measure": "走访原工作单位",
    }  # fmt: skip
    with at(D(2026, 4, 15)):
        response = client.post(reverse("admin:members_lostcontact_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    (step,) = LostContactStep.history.all()
    assert (step.history_type, step.history_user, step.measure) == (
        "+",
        secretary,
        "走访原工作单位",
    )


def test_the_search_steps_of_a_closed_case_cannot_be_added_changed_or_deleted(rf, party_world):
    world = party_world
    request = rf.get("/")
    request.user = world["users"]["secretary"]
    inline = StepInline(LostContact, admin.site)
    open_case = LostContact.objects.create(
        member=world["members"]["m_school"], lost_since=D(2025, 1, 1), registered_on=D(2025, 8, 1)
    )
    closed_case = LostContact.objects.create(
        member=world["members"]["m_away"], lost_since=D(2025, 1, 1), registered_on=D(2025, 8, 1),
        outcome=LostContact.Outcome.RECONTACTED, outcome_on=D(2025, 9, 1),
    )  # fmt: skip

    def rights(case):
        return (
            inline.has_add_permission(request, case),
            inline.has_change_permission(request, case),
            inline.has_delete_permission(request, case),
        )

    assert rights(None) == (True, True, True)  # a case being registered
    assert rights(open_case) == (True, True, True)
    assert rights(closed_case) == (False, False, False)
    assert inline.has_view_permission(request, closed_case)


# --- M7: the transfer-destination autocomplete ------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("secretary", fixtures_admin.ALL_PARTY_ORGS),  # issues transfers: anywhere
        ("education", fixtures_admin.ALL_PARTY_ORGS),
        ("xuanwu_registration", fixtures_admin.VISIBLE_PARTY_ORGS["xuanwu_registration"]),
    ],
)
def test_the_transfer_destination_lookup_reaches_beyond_the_scope_only_for_who_issues_transfers(
    client, party_world, role, expected
):
    world = party_world
    user = world["users"][role]
    assert user.has_perm("members.add_transfer") == (role != "xuanwu_registration")
    client.force_login(user)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "members", "model_name": "transfer", "field_name": "to_party_org",
         "term": "支部"},
    )  # fmt: skip
    assert response.status_code == 200
    found = {int(row["id"]) for row in response.json()["results"]}
    assert found == {world["party_orgs"][key].pk for key in expected}


# --- L2, L3, L4, and a workplace on a letter out ------------------------------------------


def test_the_org_lists_developing_link_shows_the_records_its_cell_counts(client, party_world):
    world = party_world
    school, branch = world["orgs"]["school"], world["party_orgs"]["school"]

    def person(serial, **dates):
        return Development.objects.create(
            name=f"发展{serial}", id_number=id_number(serial, birth="19950101"),
            workplace=school, party_org=branch, **dates,
        )  # fmt: skip

    person(801, applied_on=D(2026, 1, 5))  # applicant
    person(803, applied_on=D(2025, 1, 1), activist_on=D(2025, 3, 1))  # activist
    person(805, applied_on=D(2024, 1, 1), activist_on=D(2024, 2, 1), candidate_on=D(2025, 3, 1))
    person(
        807,
        applied_on=D(2024, 1, 1),
        activist_on=D(2024, 2, 1),
        candidate_on=D(2025, 3, 1),
        admitted_on=D(2025, 6, 1),
        admission_approved_by="上级党委",
    )  # fmt: skip — probationary: not in the cell
    person(809, applied_on=D(2025, 5, 1), stopped_on=D(2025, 6, 1), stop_reason="本人撤回")

    client.force_login(world["users"]["xuanwu_two_new"])
    with at(D(2026, 6, 15)):
        page = client.get(reverse("admin:orgs_socialorg_changelist")).content.decode()
        link = re.search(
            rf'<a href="([^"]*/members/development/\?workplace={school.pk}&amp;[^"]*)">([^<]*)</a>',
            page,
        )
        assert link is not None
        href, cell = html.unescape(link.group(1)), link.group(2)
        assert "stage__in=applicant,activist,candidate" in href
        assert cell == "1/1/1"
        response = client.get(href)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 3
    assert {d.stage for d in response.context["cl"].result_list} == {
        "applicant", "activist", "candidate",
    }  # fmt: skip


def test_a_development_record_is_not_stopped_before_its_last_recorded_stage(lifecycle):
    record = services.development_save(
        record=lifecycle.development(talked_on=D(2023, 3, 15), activist_on=D(2023, 5, 1)),
        user=lifecycle.user,
    )
    record.stopped_on, record.stop_reason = D(2023, 4, 1), "本人撤回"  # after applying
    with pytest.raises(ValidationError) as excinfo:
        services.development_save(record=record, user=lifecycle.user)
    assert errors_of(excinfo) == {
        "stopped_on": ["终止日期不能早于已记录的最后一个阶段日期（2023-05-01）"]
    }
    assert Development.objects.get(pk=record.pk).stopped_on is None
    record.stopped_on = D(2023, 5, 1)
    services.development_save(record=record, user=lifecycle.user)
    assert Development.objects.get(pk=record.pk).stopped_on == D(2023, 5, 1)


def test_the_registration_date_of_a_lost_contact_case_is_fixed_once_registered(client, party_world):
    case = LostContact.objects.create(
        member=party_world["members"]["m_school"], lost_since=D(2025, 10, 1),
        registered_on=D(2026, 4, 15),
    )  # fmt: skip
    url = change_url("lostcontact", case)
    client.force_login(party_world["users"]["secretary"])
    with at(D(2026, 5, 1)):
        assert "registered_on" not in client.get(url).context["adminform"].form.fields
        response = client.post(
            url,
            {"registered_on": "2026-04-20", "steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0"},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.registered_on == D(2026, 4, 15)


def test_a_letter_out_of_the_system_is_accepted_without_a_new_workplace(lifecycle, member):
    transfer = services.transfer_issue(
        transfer=letter(member, "out", from_party_org=lifecycle.sun, to_outside=OUTSIDE),
        user=lifecycle.user,
    )
    with pytest.raises(ValidationError) as excinfo:
        services.transfer_accept(
            transfer=transfer, received_on=TODAY, user=lifecycle.user,
            new_workplace=lifecycle.orgs[2],
        )  # fmt: skip
    assert errors_of(excinfo) == {"new_workplace": ["转出本系统的，不填新工作单位"]}
    stored = Transfer.objects.get(pk=transfer.pk)
    assert (stored.status, stored.new_workplace) == (Transfer.Status.IN_TRANSIT, None)
    member.refresh_from_db()
    assert (member.status, member.party_org, member.workplace) == (
        Member.Status.ACTIVE, lifecycle.sun, lifecycle.orgs[1],
    )  # fmt: skip
    services.transfer_accept(transfer=transfer, received_on=TODAY, user=lifecycle.user)
    assert Member.objects.get(pk=member.pk).status == Member.Status.TRANSFERRED_OUT


def test_a_field_in_error_is_not_reported_again_as_a_raw_constraint(client, party_world):
    world = party_world
    member = world["members"]["m_school"]
    client.force_login(world["users"]["secretary"])
    data = {
        "member": member.pk, "direction": "within", "reason": "", "from_party_org":
        member.party_org_id, "from_outside": "", "to_party_org": world["party_orgs"]["joint"].pk,
        "to_outside": "", "letter_number": "X1", "issued_on": "2026-03-02",
        "valid_until": "2026-03-01",
    }  # fmt: skip
    with at(D(2026, 3, 2)):
        response = client.post(reverse("admin:members_transfer_add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["valid_until"] == ["有效期不能早于开具日期"]
    assert not form.non_field_errors()
    assert "约束" not in response.content.decode()


@pytest.mark.parametrize("closing", ["stopped", "full"])
def test_a_closed_development_record_is_only_viewed_and_no_field_of_it_changes(
    client, party_world, applicant, closing
):
    if closing == "stopped":
        Development.objects.filter(pk=applicant.pk).update(
            stopped_on=D(2025, 2, 1), stop_reason="本人撤回"
        )
    else:
        Development.objects.filter(pk=applicant.pk).update(full_on=D(2025, 2, 1))
    record = Development.objects.get(pk=applicant.pk)
    client.force_login(party_world["users"]["secretary"])
    with at(D(2026, 2, 1)):
        page = client.get(change_url("development", record))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert (
            client.post(change_url("development", record), development_data(record)).status_code
            == 403
        )
    record.name = "改名"
    with pytest.raises(ValidationError) as excinfo:
        services.development_save(record=record, user=None)
    assert "name" in errors_of(excinfo)
    assert Development.objects.get(pk=record.pk).name == "申请人"


def test_the_development_history_shows_a_corrected_number_masked(client, party_world, applicant):
    old = applicant.id_number
    applicant.id_number = id_number(719, birth="19990101")
    services.development_save(record=applicant, user=party_world["users"]["secretary"])
    client.force_login(party_world["users"]["secretary"])
    page = client.get(reverse("admin:members_development_history", args=[applicant.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert masked(applicant.id_number) in text or masked(old) in text
    assert old not in text and applicant.id_number not in text
    assert "19990101" not in text
