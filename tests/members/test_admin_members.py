"""The member admin: every role sees exactly its members; the 身份证号 is masked in every
response (list, search, change form, history, export) unless a user with the right
revealed it, and every reveal is on record; search by the full number works, a partial
number finds nothing; posts and approvals are scoped; pages stay within 12 queries."""

import datetime
import json
import zipfile
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members.models import Approval, IdNumberReveal, Member, Post
from orgs.scopes import Scope
from tests import factories
from tests.members import fixtures_admin
from tests.members.fixtures_admin import (
    VISIBLE_MEMBERS,
    VISIBLE_PARTY_ORGS,
    MemberFactory,
    PostFactory,
    id_number,
    make_members,
)

party_world = fixtures_admin.party_world  # the fixture, shared with the Party-org tests

MAX_QUERIES = 12
CHANGELIST = "admin:members_member_changelist"
ROLES = sorted(VISIBLE_MEMBERS)
REVEALERS = ["city_two_new", "organization_dept", "secretary"]
NON_REVEALERS = ["city_registration", "education", "lawyers", "xinjiekou", "fallback"]


def names(world, keys):
    return {world["members"][key].name for key in keys}


def member_url(view, member, *extra):
    return reverse(f"admin:members_member_{view}", args=[member.pk, *extra])


def listed(client, **params):
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return response, {m.name for m in response.context["cl"].result_list}


def assert_hidden(member, *responses):
    """Neither the full number nor the birth date (the masked digits) is in a response."""
    for response in responses:
        text = response.content.decode()
        assert member.id_number not in text
        assert member.id_number[6:14] not in text
        assert member.birth_date.isoformat() not in text
        assert f"{member.birth_date.year}年{member.birth_date.month}月" not in text


# --- scope -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_the_members_of_its_scope(client, party_world, role):
    user = party_world["users"][role]
    expected = names(party_world, VISIBLE_MEMBERS[role])
    seen = Member.objects.for_scope(Scope.for_user(user)).values_list("name", flat=True)
    assert sorted(seen) == sorted(expected)  # and each once
    client.force_login(user)
    assert listed(client)[1] == expected


@pytest.mark.parametrize("role", ROLES)
def test_member_pages_are_404_outside_the_scope(client, party_world, role):
    client.force_login(party_world["users"][role])
    for key, member in party_world["members"].items():
        expected = 200 if key in VISIBLE_MEMBERS[role] else 404
        for view in ("change", "history"):
            assert client.get(member_url(view, member)).status_code == expected, (key, view)


def test_a_historical_version_of_a_member_is_404_outside_the_scope(client, party_world):
    member = party_world["members"]["m_law"]
    url = member_url("simple_history", member, member.history.first().pk)
    client.force_login(party_world["users"]["secretary"])
    assert client.get(url).status_code == 404
    client.force_login(party_world["users"]["lawyers"])
    response = client.get(url)
    assert response.status_code == 200
    assert_hidden(member, response)


@pytest.mark.parametrize("role", ["secretary", "education", "xinjiekou", "fallback"])
def test_member_autocomplete_returns_only_the_scope(client, party_world, role):
    client.force_login(party_world["users"][role])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "members", "model_name": "post", "field_name": "member", "term": ""},
    )
    assert response.status_code == 200
    found = {item["text"] for item in json.loads(response.content)["results"]}
    assert found == names(party_world, VISIBLE_MEMBERS[role])


def test_filtering_by_an_org_outside_the_scope_names_and_finds_nothing(client, party_world):
    client.force_login(party_world["users"]["education"])
    qinhuai = party_world["orgs"]["qinhuai"]
    response, found = listed(client, workplace=qinhuai.pk)
    assert found == set()
    assert qinhuai.name not in response.content.decode()
    response, found = listed(client, workplace=party_world["orgs"]["school"].pk)
    assert found == {"王启明"}
    assert party_world["orgs"]["school"].name in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"party_org": "school"}, {"m_school", "m_away"}),
        ({"category__exact": "probationary"}, {"probationary"}),
        ({"status__exact": "transferred_out"}, {"transferred"}),
        ({"is_floating__exact": "1"}, {"floating"}),
        ({"held": "outside"}, {"outside"}),
    ],
)
def test_members_filter_by_party_organization_category_status_floating_and_holder(
    client, party_world, params, expected
):
    school = party_world["orgs"]["school"]
    extra = {
        "probationary": MemberFactory(
            workplace=school, category=Member.Category.PROBATIONARY, full_member_on=None
        ),
        "transferred": MemberFactory(workplace=school, status=Member.Status.TRANSFERRED_OUT),
        "floating": MemberFactory(workplace=school, is_floating=True),
        "outside": MemberFactory(workplace=school, outside_holder="某大学党委"),
    }
    for member in extra.values():
        if member.party_org_id is None and member.outside_holder == "":
            member.party_org = party_world["party_orgs"]["school_branch"]
            member.save()
    if "party_org" in params:
        params = {"party_org": party_world["party_orgs"][params["party_org"]].pk}
    client.force_login(party_world["users"]["admin"])
    found = listed(client, **params)[1]
    everyone = {**party_world["members"], **extra}
    assert found == {everyone[key].name for key in expected}


def test_members_filter_by_district_of_the_workplace(client, party_world):
    client.force_login(party_world["users"]["city_two_new"])
    _xuanwu, qinhuai = party_world["districts"]
    assert listed(client, workplace__district__id__exact=qinhuai.pk)[1] == names(
        party_world, {"m_qinhuai", "m_away"}
    )


# --- the ID number stays masked ------------------------------------------------------


def test_the_list_shows_the_masked_number_and_never_the_full_one(client, party_world):
    member = party_world["members"]["m_school"]
    client.force_login(party_world["users"]["education"])
    response, _found = listed(client)
    assert "320102********" + member.id_number[-4:] in response.content.decode()
    assert_hidden(member, response, listed(client, q=member.name)[0])


@pytest.mark.parametrize("role", ["education", "city_two_new", "organization_dept", "admin"])
def test_no_admin_page_shows_the_full_number_before_a_reveal(client, party_world, role):
    member = party_world["members"]["m_school"]
    # A corrected number: the history now holds two numbers, both to be hidden.
    old_number = member.id_number
    member.id_number = id_number(99, birth="19851123")
    member.save()
    client.force_login(party_world["users"][role])
    pages = [
        client.get(reverse(CHANGELIST)),
        client.get(reverse(CHANGELIST), {"q": member.name}),
        client.get(reverse(CHANGELIST), {"q": member.id_number}),
        client.get(member_url("change", member)),
        client.get(member_url("history", member)),
        client.get(member_url("simple_history", member, member.history.last().pk)),
        client.get(member_url("simple_history", member, member.history.first().pk)),
    ]
    assert all(page.status_code == 200 for page in pages)
    assert_hidden(member, *pages)
    for page in pages:
        assert old_number not in page.content.decode()
    history = pages[4].content.decode()
    assert f"{old_number[:6]}********{old_number[-4:]}" in history  # the change, masked


def test_searching_by_the_full_number_does_not_repeat_it_on_the_page(client, party_world):
    member = party_world["members"]["m_school"]
    # Searching by number is for roles that may reveal (see test_privacy_review_fixes).
    client.force_login(party_world["users"]["city_two_new"])
    response, found = listed(client, q=member.id_number)
    assert found == {member.name}
    change_link = member_url("change", member)
    assert change_link in response.content.decode()
    assert_hidden(member, response)


def test_the_change_form_shows_the_age_and_masked_number_read_only(client, party_world):
    member = party_world["members"]["m_school"]
    client.force_login(party_world["users"]["city_two_new"])
    response = client.get(member_url("change", member))
    form = response.context["adminform"].form
    assert "id_number" not in form.fields
    text = response.content.decode()
    assert member.id_number_masked in text
    assert "年龄" in text
    assert_hidden(member, response)


def test_the_number_of_an_existing_member_cannot_be_changed_in_the_form(client, party_world):
    member = party_world["members"]["m_law"]
    client.force_login(party_world["users"]["lawyers"])
    data = _member_data(member, id_number=id_number(555), phone="13800000000")
    response = client.post(member_url("change", member), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.phone == "13800000000"
    assert member.id_number == id_number(17, birth="19851123")


def test_the_export_has_the_masked_number_and_no_birth_date(client, party_world):
    member = party_world["members"]["m_school"]
    client.force_login(party_world["users"]["city_two_new"])
    url = reverse("admin:members_member_export")
    form = client.get(url).context["form"]
    data = {
        name: True
        for name, field in form.fields.items()
        if getattr(field.widget, "input_type", "") == "checkbox"
    }
    data.update({"format": 0, "resource": form.fields["resource"].initial or 0})
    response = client.post(url, data)
    assert response.status_code == 200
    with zipfile.ZipFile(BytesIO(response.content)) as archive:
        raw = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert member.id_number not in raw
    assert member.id_number[6:14] not in raw
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert "出生日期" not in header
    exported = {row[header.index("姓名")]: row for row in rows[1:]}
    assert set(exported) == names(party_world, VISIBLE_MEMBERS["city_two_new"])
    assert exported[member.name][header.index("身份证号（脱敏）")] == member.id_number_masked
    assert exported[member.name][header.index("党员类别")] == "正式党员"


@pytest.mark.parametrize(
    "lookup",
    ["id_number__startswith", "id_number__contains", "id_number", "birth_date__year", "birth_date"],
)
def test_filtering_on_the_hidden_digits_through_the_address_is_refused(client, party_world, lookup):
    member = party_world["members"]["m_school"]
    value = {
        "id_number__startswith": member.id_number[:10],
        "id_number__contains": member.id_number[6:12],
        "id_number": member.id_number,
        "birth_date__year": str(member.birth_date.year),
        "birth_date": member.birth_date.isoformat(),
    }[lookup]
    client.force_login(party_world["users"]["admin"])
    response = client.get(reverse(CHANGELIST), {lookup: value})
    assert response.status_code == 400


# --- search by number ----------------------------------------------------------------


def _with_x_check():
    """A number whose check character is X, and its serial."""
    return next(
        id_number(serial, birth="19770511")
        for serial in range(1, 999)
        if id_number(serial, birth="19770511").endswith("X")
    )


def test_search_by_the_full_number_finds_the_member(client, party_world):
    member = party_world["members"]["m_school"]
    client.force_login(party_world["users"]["city_two_new"])
    assert listed(client, q=member.id_number)[1] == {member.name}


def test_search_by_the_full_number_accepts_spaces_full_width_digits_and_lower_case_x(
    client, party_world
):
    number = _with_x_check()
    member = MemberFactory(
        name="带X号码", id_number=number, workplace=party_world["orgs"]["school"]
    )
    client.force_login(party_world["users"]["city_two_new"])
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    for term in (number.lower(), f" {number[:6]} {number[6:14]} {number[14:]} ", full_width):
        assert listed(client, q=term)[1] == {member.name}, term


@pytest.mark.parametrize(
    "partial",
    [
        lambda n: n[:6],
        lambda n: n[:14],
        lambda n: n[:17],  # all but the check digit
        lambda n: n[-4:],
        lambda n: n[6:14],  # the birth date: the masked digits
        lambda n: n[:6] + "********" + n[-4:],  # the masked form itself
        lambda n: n[:-1] + ("0" if n[-1] != "0" else "1"),  # one character off
    ],
)
def test_search_by_a_partial_number_finds_nothing(client, party_world, partial):
    member = party_world["members"]["m_school"]
    client.force_login(party_world["users"]["admin"])
    assert listed(client, q=partial(member.id_number))[1] == set()


def test_search_by_number_stays_inside_the_scope(client, party_world):
    outside = party_world["members"]["m_law"]
    client.force_login(party_world["users"]["education"])
    assert listed(client, q=outside.id_number)[1] == set()


def test_search_by_name_finds_members(client, party_world):
    client.force_login(party_world["users"]["city_two_new"])
    assert listed(client, q="启明")[1] == {"王启明"}


# --- reveal ----------------------------------------------------------------------------


def reveal_url(member):
    return member_url("reveal", member)


@pytest.mark.parametrize("role", REVEALERS)
def test_a_reveal_is_recorded_and_shows_the_number_once(client, party_world, role):
    user = party_world["users"][role]
    member = party_world["members"]["m_school"]
    client.force_login(user)
    change = client.get(member_url("change", member))
    assert reveal_url(member) in change.content.decode()  # the button
    assert_hidden(member, change)
    form_page = client.get(reveal_url(member))
    assert form_page.status_code == 200
    assert_hidden(member, form_page)
    assert not IdNumberReveal.objects.exists()  # asking is not seeing

    response = client.post(reveal_url(member), {"reason": "办理组织关系转接"})
    assert response.status_code == 200
    assert member.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    reveal = IdNumberReveal.objects.get()
    assert (reveal.user, reveal.member, reveal.reason) == (user, member, "办理组织关系转接")
    assert abs((reveal.revealed_at - member.history.first().history_date).days) < 1
    # Nothing else shows it afterwards: the number was shown once.
    assert_hidden(member, client.get(member_url("change", member)))


def test_a_reveal_needs_a_reason(client, party_world):
    member = party_world["members"]["m_school"]
    client.force_login(party_world["users"]["city_two_new"])
    response = client.post(reveal_url(member), {"reason": "  "})
    assert response.status_code == 200
    assert_hidden(member, response)
    assert not IdNumberReveal.objects.exists()


@pytest.mark.parametrize("role", NON_REVEALERS)
def test_a_user_without_the_reveal_permission_gets_403(client, party_world, role):
    client.force_login(party_world["users"][role])
    member = party_world["members"]["m_school"]
    change = client.get(member_url("change", member))
    assert reveal_url(member) not in change.content.decode()
    assert client.get(reveal_url(member)).status_code == 403
    assert client.post(reveal_url(member), {"reason": "好奇"}).status_code == 403
    assert not IdNumberReveal.objects.exists()


@pytest.mark.parametrize(
    ("role", "outside"), [("secretary", "m_law"), ("xuanwu_two_new", "m_qinhuai")]
)
def test_a_reveal_outside_the_scope_is_404_and_records_nothing(client, party_world, role, outside):
    if role == "xuanwu_two_new":
        assert party_world["users"][role].has_perm("members.reveal_id_number")
    member = party_world["members"][outside]
    client.force_login(party_world["users"][role])
    assert client.get(reveal_url(member)).status_code == 404
    assert client.post(reveal_url(member), {"reason": "核对"}).status_code == 404
    unknown = Member.objects.order_by("-pk").first().pk + 100
    assert client.get(reverse("admin:members_member_reveal", args=[unknown])).status_code == 404
    assert not IdNumberReveal.objects.exists()


def test_the_reveal_log_is_for_administrators_only_and_read_only(client, party_world):
    member = party_world["members"]["m_school"]
    for role, reason in (("city_two_new", "转接"), ("secretary", "核对")):
        client.force_login(party_world["users"][role])
        client.post(reveal_url(member), {"reason": reason})
    changelist = reverse("admin:members_idnumberreveal_changelist")
    client.force_login(party_world["users"]["city_two_new"])
    assert client.get(changelist).status_code == 403
    client.force_login(party_world["users"]["admin"])
    response = client.get(changelist)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2
    assert_hidden(member, response)
    secretary = party_world["users"]["secretary"]
    response = client.get(changelist, {"user__id__exact": secretary.pk})
    assert [r.reason for r in response.context["cl"].result_list] == ["核对"]
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    response = client.get(changelist, {"revealed_at__gte": str(midnight)})
    assert len(response.context["cl"].result_list) == 2
    reveal = IdNumberReveal.objects.first()
    assert client.get(reverse("admin:members_idnumberreveal_add")).status_code == 403
    url = reverse("admin:members_idnumberreveal_change", args=[reveal.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "_save" not in page.content.decode()
    assert client.post(url, {"reason": "改"}).status_code == 403
    url = reverse("admin:members_idnumberreveal_delete", args=[reveal.pk])
    assert client.get(url).status_code == 403


# --- adding and editing --------------------------------------------------------------


def _member_data(member=None, **overrides):
    data = {
        "name": "新党员",
        "id_number": id_number(321, birth="19920415"),
        "ethnicity": "汉族",
        "education": "本科",
        "phone": "",
        "workplace": "",
        "workplace_role": "staff",
        "category": "full",
        "joined_on": "2015-06-01",
        "full_member_on": "2016-06-01",
        "status": "active",
        "party_org": "",
        "outside_holder": "",
        "attends": [],
        "is_floating": "",
        "last_contact_on": "",
    }
    if member is not None:
        data.update(
            {
                "name": member.name,
                "workplace": member.workplace_id,
                "category": member.category,
                "joined_on": member.joined_on.isoformat(),
                "full_member_on": member.full_member_on.isoformat(),
                "status": member.status,
                "party_org": member.party_org_id or "",
                "attends": [p.pk for p in member.attends.all()],
            }
        )
        del data["id_number"]
    data.update(overrides)
    return data


def test_the_add_form_takes_the_full_number_and_derives_gender_and_birth_date(client, party_world):
    client.force_login(party_world["users"]["secretary"])
    school = party_world["orgs"]["school"]
    data = _member_data(
        workplace=school.pk,
        party_org=party_world["party_orgs"]["school"].pk,
        id_number=" " + id_number(321, birth="19920415").lower() + " ",
    )
    response = client.post(reverse("admin:members_member_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member = Member.objects.get(name="新党员")
    assert member.id_number == id_number(321, birth="19920415")
    assert member.birth_date == datetime.date(1992, 4, 15)
    assert member.gender == (Member.Gender.MALE if int("321"[-1]) % 2 else Member.Gender.FEMALE)
    assert member.history.first().history_user == party_world["users"]["secretary"]


def test_a_second_active_record_with_the_same_number_is_refused(client, party_world):
    existing = party_world["members"]["m_school"]
    client.force_login(party_world["users"]["admin"])
    data = _member_data(workplace=party_world["orgs"]["school"].pk, id_number=existing.id_number)
    response = client.post(reverse("admin:members_member_add"), data)
    assert response.status_code == 200
    assert Member.objects.filter(id_number=existing.id_number).count() == 1


def test_a_member_cannot_be_added_to_an_org_outside_the_scope(client, party_world):
    client.force_login(party_world["users"]["education"])
    data = _member_data(workplace=party_world["orgs"]["law_firm"].pk)
    response = client.post(reverse("admin:members_member_add"), data)
    assert "workplace" in response.context["adminform"].form.errors
    assert not Member.objects.filter(name="新党员").exists()


def test_saving_a_member_keeps_a_holder_outside_the_editors_scope(client, party_world):
    # The secretary sees 周外出 through the relationship; 周外出 works in 秦淮区, outside.
    away = party_world["members"]["m_away"]
    client.force_login(party_world["users"]["secretary"])
    response = client.post(member_url("change", away), _member_data(away, phone="025-1"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    away.refresh_from_db()
    assert (away.phone, away.workplace) == ("025-1", party_world["orgs"]["qinhuai"])


def test_read_only_roles_cannot_add_or_change_members(client, party_world):
    member = party_world["members"]["m_school"]
    client.force_login(party_world["users"]["organization_dept"])
    assert client.get(reverse("admin:members_member_add")).status_code == 403
    response = client.post(member_url("change", member), _member_data(member, phone="1"))
    assert response.status_code == 403
    client.force_login(party_world["users"]["education"])
    assert client.get(reverse("admin:members_member_delete", args=[member.pk])).status_code == 403


# --- posts and approvals -------------------------------------------------------------


def _posts(world):
    posts = {}
    for key in ("school", "joint", "law", "qinhuai"):
        holder = {
            "school": "m_school",
            "joint": "m_association",
            "law": "m_law",
            "qinhuai": "m_qinhuai",
        }[key]
        posts[key] = PostFactory(member=world["members"][holder])
    posts["instructor"] = Post.objects.create(
        kind=Post.Kind.INSTRUCTOR,
        person_name="吴指导",
        instructor_source=Post.InstructorSource.OFFICIAL,
        started_on=datetime.date(2023, 1, 1),
    )
    posts["instructor"].guided_orgs.set([world["orgs"]["law_firm"], world["orgs"]["qinhuai"]])
    return posts


# The instructor guides the law firm and the 秦淮区 org: roles that see either see them.
SEE_INSTRUCTOR = {
    "admin", "city_registration", "city_two_new", "xuanwu_two_new", "organization_dept",
    "lawyers", "fallback", "justice",
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_posts_of_its_party_organizations_and_orgs(client, party_world, role):
    posts = _posts(party_world)
    expected = VISIBLE_PARTY_ORGS[role] & set(posts)
    if role in SEE_INSTRUCTOR:
        expected = expected | {"instructor"}
    org_scope = Scope.for_user(party_world["users"][role])
    seen = Post.objects.for_scope(org_scope)
    assert sorted(seen.values_list("pk", flat=True)) == sorted(posts[k].pk for k in expected)
    client.force_login(party_world["users"][role])
    response = client.get(reverse("admin:members_post_changelist"))
    assert {p.pk for p in response.context["cl"].result_list} == {posts[k].pk for k in expected}
    for key, post in posts.items():
        status = 200 if key in expected else 404
        url = reverse("admin:members_post_change", args=[post.pk])
        assert client.get(url).status_code == status, key


def test_approvals_are_scoped_through_their_post_or_org(client, party_world):
    posts = _posts(party_world)
    body = party_world["units"]["city_two_new"]
    secretary_review = Approval.objects.create(
        subject=Approval.Subject.SECRETARY, post=posts["school"], candidate_name="王启明",
        reviewing_body=body, decided_on=datetime.date(2024, 3, 1),
        decision=Approval.Decision.APPROVED,
    )  # fmt: skip
    head_review = Approval.objects.create(
        subject=Approval.Subject.ORG_HEAD, org=party_world["orgs"]["law_firm"],
        candidate_name="钱主任", reviewing_body=body, decided_on=datetime.date(2024, 3, 2),
        decision=Approval.Decision.APPROVED,
    )  # fmt: skip
    expected = {
        "education": {secretary_review},
        "secretary": {secretary_review},
        "lawyers": {head_review},
        "xinjiekou": set(),
        "city_two_new": {secretary_review, head_review},
    }
    for role, approvals in expected.items():
        client.force_login(party_world["users"][role])
        response = client.get(reverse("admin:members_approval_changelist"))
        assert set(response.context["cl"].result_list) == approvals, role
        for approval in (secretary_review, head_review):
            url = reverse("admin:members_approval_change", args=[approval.pk])
            assert client.get(url).status_code == (200 if approval in approvals else 404)


def test_a_secretary_records_a_committee_member_for_their_party_organization(client, party_world):
    school = party_world["party_orgs"]["school"]
    client.force_login(party_world["users"]["secretary"])
    add = reverse("admin:members_post_add")
    assert client.get(add, {"party_org": school.pk}).context["adminform"].form.initial[
        "party_org"
    ] == str(school.pk)
    data = {
        "kind": "committee_member",
        "party_org": school.pk,
        "member": party_world["members"]["m_away"].pk,
        "person_name": "",
        "started_on": "2024-07-01",
        "ended_on": "",
        "selection": "",
        "instructor_source": "",
        "guided_orgs": [],
    }
    response = client.post(add, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # A member of another Party organization, outside the scope, is not a choice.
    data["member"] = party_world["members"]["m_law"].pk
    response = client.post(add, data)
    assert "member" in response.context["adminform"].form.errors


# --- history ---------------------------------------------------------------------------


def test_history_lists_changes_to_attended_organizations_without_a_query_per_version(
    client, party_world
):
    member = party_world["members"]["m_school"]
    branch = party_world["party_orgs"]["school_branch"]
    member.attends.add(branch)
    client.force_login(party_world["users"]["secretary"])
    url = member_url("history", member)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(6):
        member.phone = f"1380000000{index}"
        member.save()
        if index % 2:
            member.attends.add(branch)
        else:
            member.attends.remove(branch)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert branch.name in response.content.decode()
    assert len(many) == len(few) <= MAX_QUERIES
    assert_hidden(member, response)


# --- query counts ------------------------------------------------------------------


def add_members(world, count):
    """Members with every column filled: workplace, Party organization, attended ones,
    posts, approvals, reveals."""
    school, branch = world["party_orgs"]["school"], world["party_orgs"]["school_branch"]
    created = make_members(count, workplace=world["orgs"]["school"], party_org=school)
    for member in created:
        member.attends.set([branch])
        post = PostFactory(member=member, kind=Post.Kind.COMMITTEE_MEMBER)
        Approval.objects.create(
            subject=Approval.Subject.SECRETARY, post=post, candidate_name=member.name,
            reviewing_body=world["units"]["education"], decided_on=datetime.date(2024, 1, 1),
            decision=Approval.Decision.APPROVED,
        )  # fmt: skip
        IdNumberReveal.objects.create(user=world["users"]["admin"], member=member, reason="核对")
    return created


def member_pages(world):
    member = world["members"]["m_school"]
    post = PostFactory(member=member)
    approval = Approval.objects.create(
        subject=Approval.Subject.SECRETARY, post=post, candidate_name=member.name,
        reviewing_body=world["units"]["education"], decided_on=datetime.date(2024, 1, 1),
        decision=Approval.Decision.APPROVED,
    )  # fmt: skip
    reveal = IdNumberReveal.objects.create(user=world["users"]["admin"], member=member)
    changelist = reverse(CHANGELIST)
    return {
        "list": changelist,
        "list filtered": f"{changelist}?q=党员&category__exact=full&status__exact=active"
        f"&party_org={world['party_orgs']['school'].pk}&workplace={member.workplace_id}",
        "search by number": f"{changelist}?q={member.id_number}",
        "add": reverse("admin:members_member_add"),
        "change": member_url("change", member),
        "history": member_url("history", member),
        "version": member_url("simple_history", member, member.history.first().pk),
        "reveal": member_url("reveal", member),
        "export": reverse("admin:members_member_export"),
        "import": reverse("admin:members_member_import"),
        "autocomplete": reverse("admin:autocomplete")
        + "?app_label=members&model_name=post&field_name=member&term=",
        "post autocomplete": reverse("admin:autocomplete")
        + "?app_label=members&model_name=approval&field_name=post&term=",
        "posts": reverse("admin:members_post_changelist"),
        "post change": reverse("admin:members_post_change", args=[post.pk]),
        "approvals": reverse("admin:members_approval_changelist"),
        "approval change": reverse("admin:members_approval_change", args=[approval.pk]),
        "reveal log": reverse("admin:members_idnumberreveal_changelist"),
        "reveal log entry": reverse("admin:members_idnumberreveal_change", args=[reveal.pk]),
    }


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    return response.status_code, len(context)


@pytest.mark.parametrize("role", ["admin", "secretary", "education", "city_two_new"])
def test_member_pages_need_at_most_12_queries_whatever_the_data_size(client, party_world, role):
    add_members(party_world, 2)
    pages = member_pages(party_world)
    client.force_login(party_world["users"][role])
    for url in pages.values():  # warm the per-process caches (content types)
        client.get(url)
    small = {name: count_queries(client, url) for name, url in pages.items()}
    add_members(party_world, 25)
    factories.SocialOrgFactory.create_batch(5)
    large = {name: count_queries(client, url) for name, url in pages.items()}
    assert large == small
    ok = {name: queries for name, (status, queries) in large.items() if status == 200}
    assert max(ok.values()) <= MAX_QUERIES, ok
    assert large["list"][0] == 200


# --- history versions are read only ------------------------------------------------


@pytest.mark.parametrize("role", ["organization_dept", "city_two_new", "admin"])
def test_posting_to_a_historical_version_rewrites_nothing(client, party_world, role):
    member = party_world["members"]["m_school"]
    url = member_url("simple_history", member, member.history.first().pk)
    client.force_login(party_world["users"][role])
    response = client.post(url, _member_data(member, name="被改写"))
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.name == "王启明"


# --- import ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "can_import"),
    [("secretary", True), ("city_two_new", True), ("organization_dept", False)],
)
def test_member_import_buttons_show_for_those_who_keep_the_register(
    client, party_world, role, can_import
):
    client.force_login(party_world["users"][role])
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert (reverse("admin:members_member_import") in page) is can_import
    template = client.get(reverse("admin:members_member_import_template"))
    assert template.status_code == (200 if can_import else 403)
    if can_import:
        assert template["Content-Type"].startswith("application/vnd.openxmlformats")


def test_on_a_handover_day_only_the_successor_is_the_current_secretary(party_world):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    post = PostFactory(member=party_world["members"]["m_school"])
    post.ended_on = today
    post.started_on = min(post.started_on, today - dt.timedelta(days=1))
    post.save()
    assert not post.is_current
    assert not Post.objects.filter(pk=post.pk).current().exists()
