"""Work coverage records (issue 5, part 2 begun): mass organizations, coverage plans and
follow-up visits validate their dates and kinds, keep history, and are scoped like the
org or Party organization they belong to (404 outside the scope)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orgs.models import CoveragePlan, FollowUpVisit, MassOrganization
from orgs.scopes import Scope
from tests.members import fixtures_admin

party_world = fixtures_admin.party_world

D = datetime.date


def errors(instance):
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "other", "name": ""}, "name", "其他群团组织须填写名称"),
        ({"dissolved_on": D(2020, 1, 1)}, "dissolved_on", "撤销日期不能早于建立日期"),
        ({"founded_on": D(2999, 1, 1)}, "founded_on", "建立日期不能晚于今天"),
    ],
)
def test_a_mass_organization_needs_consistent_dates_and_a_name_when_other(
    party_world, fields, field, message
):
    values = {"org": party_world["orgs"]["school"], "kind": "union", "founded_on": D(2022, 5, 1)}
    assert errors(MassOrganization(**{**values, **fields}))[field] == [message]


def test_an_org_has_one_existing_union_but_may_have_several_others(party_world):
    school = party_world["orgs"]["school"]
    MassOrganization.objects.create(org=school, kind="union", founded_on=D(2022, 5, 1))
    second = MassOrganization(org=school, kind="union", founded_on=D(2023, 5, 1))
    assert errors(second)["__all__"] == ["该社会组织已有此类群团组织"]
    MassOrganization.objects.create(
        org=school, kind="other", name="志愿者协会", founded_on=D(2022, 1, 1)
    )
    MassOrganization(org=school, kind="other", name="读书会", founded_on=D(2022, 1, 1)).full_clean()
    # A union dissolved makes room for a new one.
    MassOrganization.objects.filter(kind="union").update(dissolved_on=D(2023, 1, 1))
    second.full_clean()


def test_existing_mass_organizations_leave_out_those_dissolved_by_today(party_world):
    school = party_world["orgs"]["school"]
    kept = MassOrganization.objects.create(org=school, kind="union", founded_on=D(2022, 5, 1))
    MassOrganization.objects.create(
        org=school, kind="women", founded_on=D(2022, 5, 1), dissolved_on=D(2024, 1, 1)
    )
    assert list(MassOrganization.objects.existing(D(2024, 6, 1))) == [kept]
    assert MassOrganization.objects.existing(D(2023, 6, 1)).count() == 2


def test_a_plan_needs_measures_and_a_responsible_person(party_world):
    plan = CoveragePlan(
        org=party_world["orgs"]["qinhuai"], target_form="joint", measures=" ",
        deadline=D(2026, 12, 31), responsible_person="　",
    )  # fmt: skip
    found = errors(plan)
    assert found["measures"] == ["请填写任务措施"]
    assert found["responsible_person"] == ["请填写责任人"]


def test_open_plans_past_their_deadline_are_overdue(party_world):
    org = party_world["orgs"]["qinhuai"]

    def plan(deadline, completed_on=None):
        return CoveragePlan.objects.create(
            org=org, target_form="joint", measures="联合组建", deadline=deadline,
            responsible_person="张三", completed_on=completed_on,
        )  # fmt: skip

    late = plan(D(2026, 6, 14))
    plan(D(2026, 6, 15))  # due today: not yet overdue
    plan(D(2026, 1, 1), completed_on=D(2026, 2, 1))
    assert list(CoveragePlan.objects.overdue(D(2026, 6, 15))) == [late]


def test_a_follow_up_visit_is_not_before_the_party_org_was_founded(party_world):
    visit = FollowUpVisit(
        party_org=party_world["party_orgs"]["school"], visited_on=D(2022, 6, 30),
        visitor="两新工委 李四", findings="指导换届准备",
    )  # fmt: skip
    assert errors(visit)["visited_on"] == ["指导日期不能早于党组织成立日期"]


def test_work_coverage_records_are_scoped_like_their_org_or_party_org(client, party_world):
    world = party_world
    plan = CoveragePlan.objects.create(
        org=world["orgs"]["qinhuai"], target_form="instructor", measures="选派指导员",
        deadline=D(2026, 12, 31), responsible_person="张三",
    )  # fmt: skip
    visit = FollowUpVisit.objects.create(
        party_org=world["party_orgs"]["qinhuai"], visited_on=D(2024, 1, 5), visitor="李四",
        findings="组织生活正常",
    )  # fmt: skip
    inside, outside = world["users"]["city_registration"], world["users"]["education"]
    for user, sees in ((inside, True), (outside, False)):
        scope = Scope.for_user(user)
        assert CoveragePlan.objects.for_scope(scope).filter(pk=plan.pk).exists() is sees
        assert FollowUpVisit.objects.for_scope(scope).filter(pk=visit.pk).exists() is sees
        client.force_login(user)
        page = client.get(reverse("admin:orgs_coverageplan_change", args=[plan.pk]))
        assert page.status_code == (200 if sees else 404)
        listing = client.get(reverse("admin:orgs_coverageplan_changelist"))
        assert [p.pk for p in listing.context["cl"].result_list] == ([plan.pk] if sees else [])


def test_plans_and_visits_keep_history(party_world):
    plan = CoveragePlan.objects.create(
        org=party_world["orgs"]["qinhuai"], target_form="joint", measures="联合组建",
        deadline=D(2026, 12, 31), responsible_person="张三",
    )  # fmt: skip
    plan.completed_on = D(2026, 3, 1)
    plan.save()
    assert [h.completed_on for h in plan.history.order_by("history_id")] == [None, D(2026, 3, 1)]


def test_a_secretary_reads_but_does_not_write_plans_or_visits(party_world):
    secretary = party_world["users"]["secretary"]
    assert secretary.has_perm("orgs.view_coverageplan")
    assert not secretary.has_perm("orgs.add_coverageplan")
    assert not secretary.has_perm("orgs.add_followupvisit")
    assert secretary.has_perm("orgs.add_massorganization")
    assert party_world["users"]["xuanwu_two_new"].has_perm("orgs.add_followupvisit")
    assert not party_world["users"]["organization_dept"].has_perm("orgs.add_coverageplan")


@pytest.mark.parametrize(
    "url", ["admin:orgs_massorganization_changelist", "admin:orgs_coverageplan_changelist",
            "admin:orgs_followupvisit_changelist"],
)  # fmt: skip
def test_work_coverage_lists_stay_within_the_query_budget(
    client, party_world, url, django_assert_max_num_queries
):
    world = party_world
    for key, org in world["orgs"].items():
        MassOrganization.objects.create(org=org, kind="union", founded_on=D(2022, 5, 1))
        CoveragePlan.objects.create(
            org=org, target_form="joint", measures="联合组建", deadline=D(2026, 12, 31),
            responsible_person=key,
        )  # fmt: skip
    for party_org in world["party_orgs"].values():
        FollowUpVisit.objects.create(
            party_org=party_org, visited_on=D(2024, 1, 5), visitor="李四", findings="正常"
        )
    client.force_login(world["users"]["xuanwu_two_new"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse(url))
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0
