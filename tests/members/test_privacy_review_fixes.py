"""Holes found in review of the registers, each pinned: no number recovered by searching
or by the joining-age check, a secretary kept to their own Party organization,
workstations scoped, and import messages that describe no out-of-scope record."""

import datetime

import pytest
from django.urls import reverse

from members.models import IdNumberReveal, Member
from orgs.models import PartyOrganization, Workstation
from tests import factories
from tests.members.fixtures_admin import party_world  # noqa: F401 (fixture)


def _search(client, term):
    response = client.get(reverse("admin:members_member_changelist"), {"q": term})
    return [m.pk for m in response.context["cl"].result_list]


def test_only_roles_that_may_reveal_search_by_a_full_number_and_each_hit_is_recorded(
    client,
    party_world,  # noqa: F811
):
    target = party_world["members"]["m_school"]
    client.force_login(party_world["users"]["education"])  # sees the member, may not reveal
    assert _search(client, target.id_number) == []
    assert not IdNumberReveal.objects.exists()

    revealer = party_world["users"]["city_two_new"]
    client.force_login(revealer)
    assert _search(client, target.id_number) == [target.pk]
    (record,) = IdNumberReveal.objects.all()
    assert (record.user, record.member, record.reason) == (revealer, target, "按完整身份证号检索")


def test_a_role_that_may_not_reveal_cannot_probe_the_birth_date_through_the_joining_date(
    client,
    party_world,  # noqa: F811
):
    member = party_world["members"]["m_school"]
    url = reverse("admin:members_member_change", args=[member.pk])
    client.force_login(party_world["users"]["education"])
    form = client.get(url).context["adminform"].form
    assert "joined_on" not in form.fields  # shown read-only: no check to answer

    client.force_login(party_world["users"]["city_two_new"])  # may reveal anyway
    assert "joined_on" in client.get(url).context["adminform"].form.fields


def test_a_branch_secretary_keeps_their_own_party_org_not_its_parent(
    client,
    party_world,  # noqa: F811
):
    branch = party_world["party_orgs"]["school_branch"]
    parent = party_world["party_orgs"]["school"]
    secretary = factories.UserFactory(username="branch_secretary", unit=None, party_org=branch)
    client.force_login(secretary)
    listed = client.get(reverse("admin:orgs_partyorganization_changelist")).context["cl"]
    assert [p.pk for p in listed.result_list] == [branch.pk]
    url = reverse("admin:orgs_partyorganization_change", args=[parent.pk])
    assert client.get(url).status_code == 404
    for perm in (
        "orgs.add_partyorganization",
        "orgs.import_partyorganization",
        "members.add_approval",
        "orgs.change_workstation",
    ):
        assert not secretary.has_perm(perm), perm
    assert secretary.has_perm("members.change_member")


@pytest.fixture
def stations(party_world):  # noqa: F811
    xuanwu, qinhuai = party_world["districts"]
    xinjiekou = party_world["units"]["xinjiekou"].region
    return {
        "xinjiekou": Workstation.objects.create(
            name="新街口商圈党建工作站",
            zone=factories.ZoneFactory(district=xuanwu, street=xinjiekou, name="新街口商圈"),
        ),
        "qinhuai": Workstation.objects.create(
            name="夫子庙党建工作站", zone=factories.ZoneFactory(district=qinhuai, name="夫子庙")
        ),
    }


def test_workstations_are_scoped_and_kept_by_the_two_new_committee_and_streets(
    client,
    party_world,  # noqa: F811
    stations,  # noqa: F811
):
    street = party_world["users"]["xinjiekou"]
    client.force_login(street)
    own = reverse("admin:orgs_workstation_change", args=[stations["xinjiekou"].pk])
    other = reverse("admin:orgs_workstation_change", args=[stations["qinhuai"].pk])
    assert client.get(own).status_code == 200
    assert client.get(other).status_code == 404
    assert street.has_perm("orgs.change_workstation")
    assert not party_world["users"]["education"].has_perm("orgs.change_workstation")
    assert party_world["users"]["city_two_new"].has_perm("orgs.change_workstation")


def test_a_member_import_names_nothing_of_an_out_of_scope_party_org(party_world):  # noqa: F811
    import csv
    import io

    from members.models import Post
    from orgs.importing.service import import_file

    qinhuai_party_org = party_world["party_orgs"]["qinhuai"]
    Post.objects.create(
        kind=Post.Kind.SECRETARY, member=party_world["members"]["m_qinhuai"],
        party_org=qinhuai_party_org, started_on=datetime.date(2024, 1, 1),
    )  # fmt: skip
    school = party_world["orgs"]["school"]
    from tests.members.fixtures_admin import id_number

    row = {
        "姓名": "新党员", "身份证号": id_number(31), "工作单位": school.uscc,
        "党员类别": "预备党员", "入党日期": "2025-06-01",
        "组织关系所在党组织": qinhuai_party_org.name, "党内职务": "书记",
    }  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    report = import_file(
        template_name="members",
        file=io.BytesIO(buffer.getvalue().encode()),
        filename="members.csv",
        user=party_world["users"]["education"],
        dry_run=True,
    )
    text = " ".join(str(e) for e in report.errors)
    assert f"未找到“{qinhuai_party_org.name}”" in text
    assert "孙文化" not in text and "现任书记" not in text and "管理范围" not in text
    assert not Member.objects.filter(name="新党员").exists()


def test_adding_a_member_whose_number_is_taken_says_so_in_chinese(
    client,
    party_world,  # noqa: F811
):
    taken = party_world["members"]["m_qinhuai"]  # outside the education bureau's scope
    client.force_login(party_world["users"]["education"])
    school = party_world["orgs"]["school"]
    data = {
        "name": "重复", "id_number": taken.id_number, "workplace": school.pk,
        "category": "probationary", "joined_on": "2025-06-01", "status": "active",
        "party_org": party_world["party_orgs"]["school"].pk,
    }  # fmt: skip
    response = client.post(reverse("admin:members_member_add"), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "该身份证号已被占用" in text
    assert "member_active_id_unique" not in text and taken.name not in text
    assert PartyOrganization.objects.count() == 5


def test_a_reveal_without_a_reason_is_refused_by_the_model_too(party_world):  # noqa: F811
    from django.core.exceptions import ValidationError

    from members.privacy import id_number_reveal

    with pytest.raises(ValidationError):
        id_number_reveal(
            user=party_world["users"]["city_two_new"],
            member=party_world["members"]["m_school"],
            reason="   ",
        )
    assert not IdNumberReveal.objects.exists()


def test_a_secretary_picks_among_the_districts_of_the_orgs_they_cover(party_world):  # noqa: F811
    from orgs.models import Region
    from orgs.scopes import Scope

    xuanwu, _qinhuai = party_world["districts"]
    regions = Scope.for_user(party_world["users"]["secretary"]).regions()
    assert set(regions.filter(level=Region.Level.DISTRICT)) == {xuanwu}


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("13912345678", "139****5678"),  # a mobile number: its network and last four
        (" 13912345678 ", "139****5678"),
        ("025-84561234", "********1234"),  # a landline: the last four only
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_phone_number_is_masked_to_at_most_its_network_and_last_four_digits(phone, shown):
    from members.privacy import mask_phone

    assert mask_phone(phone) == shown
