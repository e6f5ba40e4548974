"""The Party-organization admin: the tree with its covered orgs, secretary and member
counts, the committee and 换届 flags, coverage checks in the form, every role's scope,
and query counts that do not grow with the data. Also the member counts on the org list
and secretary accounts in the user admin."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Member, Post
from orgs.models import PartyOrganization, SocialOrg, User, Workstation
from orgs.permissions import PARTY_SECRETARY, ROLE_PERMISSIONS
from orgs.scopes import Scope
from tests import factories
from tests.members import fixtures_admin
from tests.members.fixtures_admin import (
    VISIBLE_PARTY_ORGS,
    MemberFactory,
    PartyOrganizationFactory,
    PostFactory,
    make_members,
)

party_world = fixtures_admin.party_world  # the fixture, shared with the member admin tests

MAX_QUERIES = 12
CHANGELIST = "admin:orgs_partyorganization_changelist"
ROLES = sorted(VISIBLE_PARTY_ORGS)


def names(world, keys):
    return {world["party_orgs"][key].name for key in keys}


def listed(client, url=None, **params):
    response = client.get(reverse(url or CHANGELIST), params)
    assert response.status_code == 200
    return response.context["cl"].result_list


def row(client, party_org):
    """The list's row of `party_org`."""
    return next(p for p in listed(client, q=party_org.name) if p.pk == party_org.pk)


def admin_row_html(client, party_org):
    response = client.get(reverse(CHANGELIST), {"q": party_org.name})
    return response.content.decode()


# --- scope -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_the_party_organizations_of_its_scope(client, party_world, role):
    user = party_world["users"][role]
    expected = names(party_world, VISIBLE_PARTY_ORGS[role])
    scope = Scope.for_user(user)
    assert set(PartyOrganization.objects.for_scope(scope).values_list("name", flat=True)) == (
        expected
    )
    client.force_login(user)
    assert {p.name for p in listed(client)} == expected


@pytest.mark.parametrize("role", ROLES)
def test_party_organization_pages_are_404_outside_the_scope(client, party_world, role):
    client.force_login(party_world["users"][role])
    for key, party_org in party_world["party_orgs"].items():
        expected = 200 if key in VISIBLE_PARTY_ORGS[role] else 404
        for view in ("change", "history"):
            url = reverse(f"admin:orgs_partyorganization_{view}", args=[party_org.pk])
            assert client.get(url).status_code == expected, (role, key, view)


def test_a_historical_version_of_a_party_organization_is_404_outside_the_scope(client, party_world):
    law = party_world["party_orgs"]["law"]
    url = reverse(
        "admin:orgs_partyorganization_simple_history", args=[law.pk, law.history.first().pk]
    )
    client.force_login(party_world["users"]["secretary"])
    assert client.get(url).status_code == 404
    client.force_login(party_world["users"]["lawyers"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", ["secretary", "education", "xinjiekou", "city_two_new"])
def test_party_organization_autocomplete_returns_only_the_scope(client, party_world, role):
    client.force_login(party_world["users"][role])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "members", "model_name": "member", "field_name": "party_org", "term": ""},
    )
    assert response.status_code == 200
    found = {item["text"] for item in json.loads(response.content)["results"]}
    assert found == names(party_world, VISIBLE_PARTY_ORGS[role])


def test_a_user_with_neither_unit_nor_party_organization_is_refused(client, party_world):
    client.force_login(party_world["users"]["no_unit"])
    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_a_secretary_sees_the_orgs_their_party_organization_covers(party_world):
    scope = Scope.for_user(party_world["users"]["secretary"])
    seen = set(SocialOrg.objects.for_scope(scope).values_list("name", flat=True))
    assert seen == {party_world["orgs"]["school"].name}


def test_the_secretary_scope_lists_an_org_once_however_many_party_orgs_cover_it(party_world):
    # The school is covered twice (its branch and a secondary one); a member there is held
    # by the secretary's organization: one row each, not one per covering organization.
    scope = Scope.for_user(party_world["users"]["secretary"])
    assert SocialOrg.objects.for_scope(scope).count() == 1
    assert Member.objects.for_scope(scope).count() == 2


# --- permissions -------------------------------------------------------------------

CHANNELS = ["city_two_new", "xuanwu_two_new", "education", "lawyers", "xinjiekou", "fallback"]
VIEW_ONLY = ["city_registration", "xuanwu_registration", "organization_dept"]
KEEPER_PERMISSIONS = (
    "orgs.add_partyorganization",
    "orgs.change_partyorganization",
    "orgs.import_partyorganization",
    "members.add_member",
    "members.change_member",
    "members.import_member",
    "members.add_post",
    "members.change_post",
    "members.add_approval",
    "members.change_approval",
)
VIEW_PERMISSIONS = (
    "orgs.view_partyorganization",
    "members.view_member",
    "members.view_post",
    "members.view_approval",
)


WORKSTATION_KEEPERS = {"city_two_new", "xuanwu_two_new", "xinjiekou"}
# A secretary keeps their own organization's record, members and posts, but does not
# found Party organizations or review appointments (their own included).
SECRETARY_LACKS = {
    "orgs.add_partyorganization",
    "orgs.import_partyorganization",
    "members.add_approval",
    "members.change_approval",
}


@pytest.mark.parametrize("role", [*CHANNELS, "secretary"])
def test_managing_channels_and_the_secretary_keep_party_organizations_and_members(
    party_world, role
):
    user = party_world["users"][role]
    expected = set(KEEPER_PERMISSIONS) - (SECRETARY_LACKS if role == "secretary" else set())
    for perm in expected | set(VIEW_PERMISSIONS):
        assert user.has_perm(perm), perm
    for perm in set(KEEPER_PERMISSIONS) - expected:
        assert not user.has_perm(perm), perm
    keeps_workstations = role in WORKSTATION_KEEPERS
    assert user.has_perm("orgs.add_workstation") is keeps_workstations
    assert user.has_perm("orgs.change_workstation") is keeps_workstations
    assert not user.has_perm("orgs.delete_partyorganization")
    assert not user.has_perm("members.delete_member")


@pytest.mark.parametrize("role", VIEW_ONLY)
def test_organization_department_and_registration_offices_only_read_the_party_registers(
    party_world, role
):
    user = party_world["users"][role]
    for perm in VIEW_PERMISSIONS:
        assert user.has_perm(perm), perm
    for perm in KEEPER_PERMISSIONS:
        assert not user.has_perm(perm), perm


@pytest.mark.parametrize(
    ("role", "may_reveal"),
    [
        ("city_two_new", True),
        ("organization_dept", True),
        ("secretary", True),
        ("city_registration", False),
        ("education", False),
        ("lawyers", False),
        ("xinjiekou", False),
        ("fallback", False),
    ],
)
def test_only_two_new_organization_department_and_secretaries_may_reveal_id_numbers(
    party_world, role, may_reveal
):
    assert party_world["users"][role].has_perm("members.reveal_id_number") is may_reveal


def test_a_secretary_account_takes_its_role_from_the_party_organization(party_world):
    secretary = party_world["users"]["secretary"]
    assert secretary.unit is None
    assert secretary.get_all_permissions() >= ROLE_PERMISSIONS[PARTY_SECRETARY]


def test_the_role_permissions_of_a_user_come_with_one_query(party_world):
    user = User.objects.get(username="secretary")
    with CaptureQueriesContext(connection) as context:
        user.has_perm("members.view_member")
        user.has_perm("orgs.change_partyorganization")
    assert len(context) == 1


@pytest.mark.parametrize(
    ("role", "can_import"), [("city_two_new", True), ("organization_dept", False)]
)
def test_import_buttons_show_for_those_who_keep_the_register(client, party_world, role, can_import):
    client.force_login(party_world["users"][role])
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert (reverse("admin:orgs_partyorganization_import") in page) is can_import
    template = client.get(reverse("admin:orgs_partyorganization_import_template"))
    assert template.status_code == (200 if can_import else 403)


# --- the list: tree, covered orgs, secretary, counts, flags -------------------------


def test_the_list_is_a_tree_with_each_party_organization_after_its_parent(client, party_world):
    school = party_world["party_orgs"]["school"]
    committee = PartyOrganizationFactory(
        name="A学校党委", kind=PartyOrganization.Kind.COMMITTEE,
        covers=[party_world["orgs"]["school"]],
    )  # fmt: skip
    general = PartyOrganizationFactory(
        name="Z学校党总支", kind=PartyOrganization.Kind.GENERAL_BRANCH, parent=committee,
        covers=[party_world["orgs"]["school"]],
    )  # fmt: skip
    PartyOrganization.objects.filter(pk=school.pk).update(parent=general)
    client.force_login(party_world["users"]["education"])
    rows = list(listed(client))
    order = [p.name for p in rows]
    assert order == ["A学校党委", "Z学校党总支", school.name, "启明培训学校教师第一党小组支部"]
    assert [p.tree_depth for p in rows] == [0, 1, 2, 3]
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "padding-left:4.5em" in page  # the deepest one is indented three levels


def test_the_list_shows_covered_orgs_and_the_current_secretary(client, party_world):
    joint = party_world["party_orgs"]["joint"]
    secretary = party_world["members"]["m_association"]
    PostFactory(member=secretary, party_org=joint)
    community = party_world["orgs"]["community"]
    old = MemberFactory(name="前任书记", workplace=community, party_org=joint)
    PostFactory(
        member=old,
        party_org=joint,
        started_on=datetime.date(2019, 1, 1),
        ended_on=datetime.date(2021, 12, 31),
    )
    client.force_login(party_world["users"]["city_two_new"])
    page = admin_row_html(client, joint)
    assert "南京市青年志愿者协会、新街口社区读书会" in page
    assert secretary.name in page
    assert "前任书记" not in page


def test_member_counts_count_members_on_the_register_and_full_members(client, party_world):
    law = party_world["party_orgs"]["law"]
    firm = party_world["orgs"]["law_firm"]
    make_members(3, workplace=firm, party_org=law)
    make_members(2, workplace=firm, party_org=law, category=Member.Category.PROBATIONARY)
    make_members(1, workplace=firm, party_org=law, status=Member.Status.TRANSFERRED_OUT)
    client.force_login(party_world["users"]["lawyers"])
    found = row(client, law)
    # 钱律师 + 3 full + 2 probationary on the register; the transferred one is not.
    assert (found.members_count, found.full_members_count) == (6, 4)


@pytest.mark.parametrize(
    ("full", "probationary", "committee_post", "flagged"),
    [
        (7, 0, None, True),  # ≥ 7 full members and no committee
        (6, 3, None, False),  # probationary members do not count
        (7, 0, Post.Kind.COMMITTEE_MEMBER, False),
        (7, 0, Post.Kind.DEPUTY_SECRETARY, False),
        (7, 0, Post.Kind.SECRETARY, True),  # a secretary alone is not a committee
    ],
)
def test_a_party_organization_with_seven_full_members_and_no_committee_is_flagged(
    client, party_world, full, probationary, committee_post, flagged
):
    firm = party_world["orgs"]["law_firm"]
    branch = PartyOrganizationFactory(name="被检查的党支部", covers=[firm])
    members = make_members(full, workplace=firm, party_org=branch)
    make_members(
        probationary, workplace=firm, party_org=branch, category=Member.Category.PROBATIONARY
    )
    if committee_post:
        PostFactory(member=members[0], kind=committee_post)
    client.force_login(party_world["users"]["lawyers"])
    assert row(client, branch).full_members_count == full
    response = client.get(reverse(CHANGELIST), {"needs_committee": "yes"})
    flagged_names = {p.name for p in response.context["cl"].result_list}
    assert ("被检查的党支部" in flagged_names) is flagged
    cell = 'class="field-needs_committee"><img src="/static/admin/img/icon-{}.svg"'
    page = admin_row_html(client, branch)
    assert cell.format("yes" if flagged else "no") in page


def test_a_committee_member_who_left_office_no_longer_counts(client, party_world):
    firm = party_world["orgs"]["law_firm"]
    branch = PartyOrganizationFactory(name="委员离任的党支部", covers=[firm])
    members = make_members(7, workplace=firm, party_org=branch)
    PostFactory(
        member=members[0],
        kind=Post.Kind.COMMITTEE_MEMBER,
        started_on=datetime.date(2020, 1, 1),
        ended_on=datetime.date(2023, 1, 1),
    )
    client.force_login(party_world["users"]["lawyers"])
    assert row(client, branch).has_committee is False


def _years_ago(years, days=0):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


@pytest.mark.parametrize(
    ("kind", "founded", "term_started", "dissolved", "due"),
    [
        (PartyOrganization.Kind.BRANCH, _years_ago(3), None, None, True),  # 3 years: due
        (PartyOrganization.Kind.BRANCH, _years_ago(3, days=-1), None, None, False),
        (PartyOrganization.Kind.GENERAL_BRANCH, _years_ago(4), None, None, True),
        (PartyOrganization.Kind.COMMITTEE, _years_ago(4), None, None, False),  # 5 years
        (PartyOrganization.Kind.COMMITTEE, _years_ago(5), None, None, True),
        (PartyOrganization.Kind.BRANCH, _years_ago(8), _years_ago(1), None, False),  # re-elected
        (PartyOrganization.Kind.BRANCH, _years_ago(8), None, _years_ago(1), False),  # dissolved
    ],
)
def test_a_party_organization_past_its_term_is_flagged_term_due(
    client, party_world, kind, founded, term_started, dissolved, due
):
    party_org = PartyOrganizationFactory(
        name="届期检查党组织", kind=kind, founded_on=founded, term_started_on=term_started,
        dissolved_on=dissolved, covers=[party_world["orgs"]["law_firm"]],
    )  # fmt: skip
    client.force_login(party_world["users"]["lawyers"])
    cell = 'class="field-term_due"><img src="/static/admin/img/icon-{}.svg"'
    assert cell.format("yes" if due else "no") in admin_row_html(client, party_org)
    due_list = {p.name for p in listed(client, term_due="yes")}
    assert ("届期检查党组织" in due_list) is due
    not_due = {p.name for p in listed(client, term_due="no")}
    assert ("届期检查党组织" in not_due) is not due


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind__exact": "committee"}, {"学校党委"}),
        ({"formation__exact": "joint"}, {"新街口社会组织联合党支部"}),
        ({"is_secondary__exact": "1"}, {"启明培训学校教师第一党小组支部"}),
        ({"dissolved": "yes"}, {"已撤销党支部"}),
    ],
)
def test_the_list_filters_by_kind_formation_secondary_and_dissolved(
    client, party_world, params, expected
):
    school = party_world["orgs"]["school"]
    committee = PartyOrganization.Kind.COMMITTEE
    PartyOrganizationFactory(name="学校党委", kind=committee, covers=[school])
    PartyOrganizationFactory(
        name="已撤销党支部", dissolved_on=datetime.date(2024, 1, 1), covers=[school]
    )
    client.force_login(party_world["users"]["admin"])
    assert {p.name for p in listed(client, **params)} == expected
    dissolved_excluded = {p.name for p in listed(client, dissolved="no")}
    assert "已撤销党支部" not in dissolved_excluded


def test_search_finds_party_organizations_by_name_within_the_scope(client, party_world):
    client.force_login(party_world["users"]["education"])
    assert {p.name for p in listed(client, q="启明")} == names(
        party_world, {"school", "school_branch"}
    )  # not the law firm's, outside the scope


# --- the change form ---------------------------------------------------------------


def _form_data(party_org=None, **overrides):
    data = {
        "name": "新建党支部",
        "kind": "branch",
        "formation": "standalone",
        "parent": "",
        "covered_orgs": [],
        "over_limit_reason": "",
        "workstation": "",
        "founded_on": "2024-07-01",
        "term_started_on": "",
        "dissolved_on": "",
        "approving_unit": "",
        "approval_number": "",
        "posts-TOTAL_FORMS": "0",
        "posts-INITIAL_FORMS": "0",
        "posts-MIN_NUM_FORMS": "0",
        "posts-MAX_NUM_FORMS": "1000",
    }
    if party_org is not None:
        data.update(
            {
                "name": party_org.name,
                "kind": party_org.kind,
                "formation": party_org.formation,
                "founded_on": party_org.founded_on.isoformat(),
                "covered_orgs": [o.pk for o in party_org.covered_orgs.all()],
            }
        )
        current = party_org.posts.current().count()
        data["posts-TOTAL_FORMS"] = data["posts-INITIAL_FORMS"] = str(current)
    data.update(overrides)
    return data


def _errors(response):
    assert response.status_code == 200, response
    return response.context["adminform"].form.errors


def test_a_standalone_party_organization_covers_exactly_one_org(client, party_world):
    client.force_login(party_world["users"]["city_two_new"])
    orgs = party_world["orgs"]
    url = reverse("admin:orgs_partyorganization_add")
    response = client.post(url, _form_data(covered_orgs=[orgs["school"].pk, orgs["law_firm"].pk]))
    assert "单独组建的党组织只覆盖一个社会组织" in _errors(response)["covered_orgs"][0]
    response = client.post(url, _form_data(covered_orgs=[]))
    assert "covered_orgs" in _errors(response)
    response = client.post(url, _form_data(covered_orgs=[orgs["school"].pk]))
    assert response.status_code == 302
    created = PartyOrganization.objects.get(name="新建党支部")
    assert list(created.covered_orgs.all()) == [orgs["school"]]
    assert created.history.first().history_user == party_world["users"]["city_two_new"]


def test_a_joint_party_organization_over_five_orgs_needs_a_reason(client, party_world):
    client.force_login(party_world["users"]["admin"])
    orgs = list(party_world["orgs"].values()) + [factories.SocialOrgFactory()]
    data = _form_data(formation="joint", covered_orgs=[o.pk for o in orgs])
    url = reverse("admin:orgs_partyorganization_add")
    assert "须填写理由" in _errors(client.post(url, data))["covered_orgs"][0]
    data["over_limit_reason"] = "同一楼宇内6家小型社会组织"
    assert client.post(url, data).status_code == 302
    assert PartyOrganization.objects.get(name="新建党支部").covered_orgs.count() == 6


def test_a_party_organization_cannot_be_its_own_ancestor(client, party_world):
    client.force_login(party_world["users"]["admin"])
    school = party_world["party_orgs"]["school"]
    branch = party_world["party_orgs"]["school_branch"]
    url = reverse("admin:orgs_partyorganization_change", args=[school.pk])
    response = client.post(url, _form_data(school, parent=branch.pk))
    assert "不能成环" in _errors(response)["parent"][0]


def test_covering_an_org_outside_the_scope_is_refused(client, party_world):
    client.force_login(party_world["users"]["education"])
    url = reverse("admin:orgs_partyorganization_add")
    response = client.post(url, _form_data(covered_orgs=[party_world["orgs"]["qinhuai"].pk]))
    assert "covered_orgs" in _errors(response)
    assert not PartyOrganization.objects.filter(name="新建党支部").exists()


def test_saving_a_joint_party_organization_keeps_the_orgs_outside_the_editors_scope(
    client, party_world
):
    # 新街口街道党工委 sees the joint branch through its community org only.
    joint = party_world["party_orgs"]["joint"]
    client.force_login(party_world["users"]["xinjiekou"])
    url = reverse("admin:orgs_partyorganization_change", args=[joint.pk])
    form = client.get(url).context["adminform"].form
    assert set(form.fields["covered_orgs"].queryset) == {
        party_world["orgs"]["community"],
        party_world["orgs"]["association"],
    }
    response = client.post(url, _form_data(joint, approval_number="玄新党〔2024〕3号"))
    assert response.status_code == 302, _errors(response)
    joint.refresh_from_db()
    assert joint.approval_number == "玄新党〔2024〕3号"
    assert set(joint.covered_orgs.all()) == {
        party_world["orgs"]["community"],
        party_world["orgs"]["association"],
    }
    # …but it cannot add another office's org.
    qinhuai = party_world["orgs"]["qinhuai"].pk
    data = _form_data(joint, covered_orgs=[*_form_data(joint)["covered_orgs"], qinhuai])
    assert "covered_orgs" in _errors(client.post(url, data))


def test_the_change_form_shows_the_current_secretary_and_committee(client, party_world):
    school = party_world["party_orgs"]["school"]
    secretary = party_world["members"]["m_school"]
    PostFactory(member=secretary, party_org=school)
    PostFactory(member=party_world["members"]["m_away"], kind=Post.Kind.COMMITTEE_MEMBER)
    PostFactory(
        member=MemberFactory(name="离任委员", party_org=school),
        kind=Post.Kind.COMMITTEE_MEMBER,
        ended_on=datetime.date(2023, 1, 1),
    )
    client.force_login(party_world["users"]["secretary"])
    response = client.get(reverse("admin:orgs_partyorganization_change", args=[school.pk]))
    page = response.content.decode()
    assert secretary.name in page and "周外出" in page
    assert "离任委员" not in page
    assert f"{reverse('admin:members_post_add')}?party_org={school.pk}" in page


def test_history_shows_changes_of_covered_orgs_without_a_query_per_version(client, party_world):
    joint = party_world["party_orgs"]["joint"]
    orgs = party_world["orgs"]
    client.force_login(party_world["users"]["city_two_new"])
    url = reverse("admin:orgs_partyorganization_history", args=[joint.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(6):
        joint.approval_number = f"宁两新〔2024〕{index}号"
        joint.save()
        if index % 2:
            joint.covered_orgs.add(orgs["school"])
        else:
            joint.covered_orgs.remove(orgs["school"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    page = response.content.decode()
    assert "南京市青年志愿者协会、新街口社区读书会" in page  # before
    assert "南京市青年志愿者协会、新街口社区读书会、玄武区启明培训学校" in page  # after
    assert len(many) == len(few) <= MAX_QUERIES


@pytest.mark.parametrize(
    ("url_name", "key"),
    [("orgs_partyorganization", "party_org"), ("orgs_socialorg", "org")],
)
def test_a_read_only_role_cannot_rewrite_a_record_through_its_history_page(
    client, party_world, url_name, key
):
    record = (
        party_world["party_orgs"]["school"] if key == "party_org" else party_world["orgs"]["school"]
    )
    url = reverse(f"admin:{url_name}_simple_history", args=[record.pk, record.history.first().pk])
    client.force_login(party_world["users"]["organization_dept"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "被改写的名称"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.name != "被改写的名称"


# --- workstations, secretary accounts ----------------------------------------------


def test_workstations_are_kept_by_the_managing_channels(client, party_world):
    zone = factories.ZoneFactory(district=party_world["districts"][0])
    client.force_login(party_world["users"]["xinjiekou"])
    response = client.post(
        reverse("admin:orgs_workstation_add"),
        {"name": "新街口商务楼宇党建工作站", "zone": zone.pk, "address": "", "founded_on": ""},
    )
    assert response.status_code == 302
    assert Workstation.objects.filter(name="新街口商务楼宇党建工作站").exists()
    client.force_login(party_world["users"]["organization_dept"])
    assert client.get(reverse("admin:orgs_workstation_add")).status_code == 403


def _user_data(user, **overrides):
    data = {
        "username": user.username,
        "last_name": "",
        "first_name": "",
        "email": "",
        "unit": "",
        "party_org": "",
        "is_active": "on",
        "is_staff": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "08:00:00",
    }
    data.update(overrides)
    return data


def test_an_administrator_makes_a_secretary_account_by_setting_its_party_organization(
    client, party_world
):
    person = factories.UserFactory(username="new_secretary", unit=None)
    school = party_world["party_orgs"]["school"]
    client.force_login(party_world["users"]["admin"])
    url = reverse("admin:orgs_user_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    assert "party_org" in form.fields
    response = client.post(url, _user_data(person, party_org=school.pk))
    assert response.status_code == 302, _errors(response)
    person.refresh_from_db()
    assert person.party_org == school
    assert {p.name for p in PartyOrganization.objects.for_scope(Scope.for_user(person))} == (
        names(party_world, VISIBLE_PARTY_ORGS["secretary"])
    )
    response = client.post(
        url, _user_data(person, party_org=school.pk, unit=party_world["units"]["education"].pk)
    )
    assert "书记账号只填所在党组织" in _errors(response)["party_org"][0]


def test_party_organization_autocomplete_in_the_user_form_is_scoped_too(client, party_world):
    params = {"app_label": "orgs", "model_name": "user", "field_name": "party_org", "term": "启明"}
    client.force_login(party_world["users"]["admin"])
    response = client.get(reverse("admin:autocomplete"), params)
    found = {item["text"] for item in json.loads(response.content)["results"]}
    assert found == names(party_world, {"school", "school_branch", "law"})
    client.force_login(party_world["users"]["education"])
    response = client.get(reverse("admin:autocomplete"), params)
    found = {item["text"] for item in json.loads(response.content)["results"]}
    assert found == names(party_world, {"school", "school_branch"})


# --- member counts on the org list ---------------------------------------------------


def test_the_org_list_counts_members_working_there_and_full_members(client, party_world):
    firm = party_world["orgs"]["law_firm"]
    make_members(2, workplace=firm)
    make_members(3, workplace=firm, category=Member.Category.PROBATIONARY)
    make_members(4, workplace=firm, status=Member.Status.DECEASED)
    client.force_login(party_world["users"]["lawyers"])
    response = client.get(reverse("admin:orgs_socialorg_changelist"))
    (found,) = response.context["cl"].result_list
    assert (found.members_count, found.full_members_count) == (6, 3)
    link = f"{reverse('admin:members_member_changelist')}?workplace={firm.pk}"
    assert link in response.content.decode()


def _org_list_queries(client):
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("admin:orgs_socialorg_changelist"))
    assert response.status_code == 200
    return len(context), len(response.context["cl"].result_list)


def test_member_counts_on_the_org_list_add_no_query_per_row(client, party_world):
    client.force_login(party_world["users"]["city_two_new"])
    _org_list_queries(client)
    small, small_rows = _org_list_queries(client)
    for _ in range(15):
        org = factories.SocialOrgFactory(
            registration_authority=party_world["units"]["city_registration"],
            district=party_world["districts"][0],
        )
        make_members(3, workplace=org)
    large, large_rows = _org_list_queries(client)
    assert large_rows == small_rows + 15
    assert large == small <= MAX_QUERIES


# --- query counts ------------------------------------------------------------------


def add_party_orgs(world, count):
    """Party organizations with every column filled: parent, covered orgs, secretary,
    committee, members."""
    parent = world["party_orgs"]["school"]
    created = []
    for index in range(count):
        org = factories.SocialOrgFactory(
            registration_authority=world["units"]["xuanwu_registration"],
            district=world["districts"][0],
            supervising_unit=world["units"]["education"],
        )
        party_org = PartyOrganizationFactory(
            parent=parent,
            formation=PartyOrganization.Formation.JOINT,
            covers=[org, world["orgs"]["school"]],
        )
        members = make_members(3, workplace=org, party_org=party_org)
        PostFactory(member=members[0])
        PostFactory(member=members[1], kind=Post.Kind.COMMITTEE_MEMBER)
        created.append(party_org)
        parent = party_org if index % 2 else parent
    return created


def party_pages(world):
    school = world["party_orgs"]["school"]
    PostFactory(member=world["members"]["m_school"])
    return {
        "list": reverse(CHANGELIST),
        "list filtered": reverse(CHANGELIST) + "?q=党&kind__exact=branch&term_due=no&dissolved=no",
        "needs committee": reverse(CHANGELIST) + "?needs_committee=yes",
        "add": reverse("admin:orgs_partyorganization_add"),
        "change": reverse("admin:orgs_partyorganization_change", args=[school.pk]),
        "history": reverse("admin:orgs_partyorganization_history", args=[school.pk]),
        "import": reverse("admin:orgs_partyorganization_import"),
        "autocomplete": reverse("admin:autocomplete")
        + "?app_label=members&model_name=member&field_name=party_org&term=",
        "workstations": reverse("admin:orgs_workstation_changelist"),
        "org list": reverse("admin:orgs_socialorg_changelist"),
    }


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context)


@pytest.mark.parametrize("role", ["admin", "secretary", "education", "city_two_new"])
def test_party_organization_pages_need_at_most_12_queries_whatever_the_data_size(
    client, party_world, role
):
    add_party_orgs(party_world, 2)
    pages = party_pages(party_world)
    client.force_login(party_world["users"][role])
    if role == "secretary":
        # A secretary founds and imports no Party organizations.
        for name in ("add", "import"):
            assert client.get(pages.pop(name)).status_code == 403
    for url in pages.values():  # warm the per-process caches (content types)
        client.get(url)
    small = {name: count_queries(client, url) for name, url in pages.items()}
    add_party_orgs(party_world, 20)
    large = {name: count_queries(client, url) for name, url in pages.items()}
    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large


def test_the_user_list_with_secretaries_needs_at_most_12_queries(
    client, party_world, django_assert_max_num_queries
):
    for index in range(20):
        factories.UserFactory(
            username=f"secretary{index}", unit=None, party_org=party_world["party_orgs"]["law"]
        )
    client.force_login(party_world["users"]["admin"])
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(reverse("admin:orgs_user_changelist")).status_code == 200
