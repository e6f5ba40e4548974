"""Scope (domain.md §1): every role sees its orgs and gets 404 for the rest.

One small city with an org for every managing situation, and one user per role. Each
role's visible set is asserted for the queryset, the admin list, object and history
pages, autocomplete, choices in forms, and document downloads.
"""

import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from orgs.models import OrgDocument, OrgYearRecord, SocialOrg, Unit
from orgs.scopes import Scope
from tests import factories

PDF = b"%PDF-1.4\n%demo\n"


@pytest.fixture
def world(db):
    city = factories.CityFactory(code="320100", name="南京市")
    xuanwu = factories.DistrictFactory(parent=city, code="320102", name="玄武区")
    qinhuai = factories.DistrictFactory(parent=city, code="320104", name="秦淮区")
    xinjiekou = factories.StreetFactory(parent=xuanwu, name="新街口街道")
    meiyuan = factories.StreetFactory(parent=xuanwu, name="梅园新村街道")

    def unit(name, kind, level, region, sector=""):
        return factories.UnitFactory(
            name=name, kind=kind, level=level, region=region, sector=sector
        )

    K, L = Unit.Kind, Unit.Level
    units = {
        "city_registration": unit("南京市民政局", K.REGISTRATION, L.CITY, city),
        "xuanwu_registration": unit("南京市玄武区民政局", K.REGISTRATION, L.DISTRICT, xuanwu),
        "qinhuai_registration": unit("南京市秦淮区民政局", K.REGISTRATION, L.DISTRICT, qinhuai),
        "city_two_new": unit("中共南京市委两新工委", K.TWO_NEW, L.CITY, city),
        "xuanwu_two_new": unit("中共南京市玄武区委两新工委", K.TWO_NEW, L.DISTRICT, xuanwu),
        "organization_dept": unit("中共南京市委组织部", K.ORGANIZATION_DEPT, L.CITY, city),
        "education": unit("南京市教育局", K.SUPERVISOR, L.CITY, city),
        "justice": unit("南京市司法局", K.SUPERVISOR, L.CITY, city),
        "lawyers": unit("中共南京市律师行业委员会", K.INDUSTRY_COMMITTEE, L.CITY, city, "legal"),
        "xinjiekou": unit("新街口街道党工委", K.STREET_COMMITTEE, L.STREET, xinjiekou),
        "fallback": unit("中共南京市社会组织委员会", K.FALLBACK_COMMITTEE, L.CITY, city),
        "xuanwu_fallback": unit("玄武区社会组织党委", K.FALLBACK_COMMITTEE, L.DISTRICT, xuanwu),
    }
    Kind = SocialOrg.Kind

    def org(name, **kwargs):
        kwargs.setdefault("registration_authority", units["xuanwu_registration"])
        kwargs.setdefault("district", xuanwu)
        return factories.SocialOrgFactory(name=name, **kwargs)

    orgs = {
        # Supervised by 教育局, registered in 玄武区.
        "school": org("玄武区启明培训学校", kind=Kind.SERVICE, sector="education",
                      supervising_unit=units["education"]),
        # No supervising unit, registered by the city: the fallback committee's.
        "association": org("南京市青年志愿者协会", sector="social_service",
                           registration_authority=units["city_registration"]),
        # A law firm licensed by 司法局: the lawyers' committee's, not the fallback's.
        "law_firm": org("江苏启明律师事务所", kind=Kind.LAW_FIRM, sector="legal",
                        registration_authority=units["justice"], staff_count=40),
        # A community org in 新街口街道.
        "community": org("新街口社区读书会", kind=Kind.COMMUNITY_FILED, sector="culture",
                         street=xinjiekou),
        # A community org in another street of the same district.
        "other_street": org("梅园社区舞蹈队", kind=Kind.COMMUNITY_FILED, sector="sports",
                            street=meiyuan),
        # Registered and located in 秦淮区, no supervising unit.
        "qinhuai": org("秦淮区文化促进会", registration_authority=units["qinhuai_registration"],
                       district=qinhuai, sector="culture"),
        # Deregistered: still in the archive, still in scope.
        "deregistered": org("玄武区旧协会", status=SocialOrg.Status.DEREGISTERED,
                            supervising_unit=units["education"]),
    }  # fmt: skip
    users = {role: factories.UserFactory(username=role, unit=u) for role, u in units.items()}
    users["admin"] = factories.UserFactory(username="admin", unit=None, is_superuser=True)
    users["no_unit"] = factories.UserFactory(username="no_unit", unit=None)
    return {"units": units, "orgs": orgs, "users": users, "districts": (xuanwu, qinhuai)}


ALL = {"school", "association", "law_firm", "community", "other_street", "qinhuai", "deregistered"}
XUANWU = ALL - {"qinhuai"}

# role -> the orgs it sees (domain.md §1)
VISIBLE = {
    "admin": ALL,
    "no_unit": set(),
    "city_registration": {"association"},
    "xuanwu_registration": {"school", "community", "other_street", "deregistered"},
    "qinhuai_registration": {"qinhuai"},
    "city_two_new": ALL,
    "xuanwu_two_new": XUANWU,
    "organization_dept": ALL,
    "education": {"school", "deregistered"},
    "justice": {"law_firm"},  # §八: the sector's authority manages the firms it licensed
    "lawyers": {"law_firm"},
    "xinjiekou": {"community"},
    "fallback": {"association", "qinhuai"},
    "xuanwu_fallback": {"association"},
}


def names(world, keys):
    return {world["orgs"][key].name for key in keys}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_each_role_sees_exactly_the_orgs_of_its_scope(world, role):
    scope = Scope.for_user(world["users"][role])
    seen = set(SocialOrg.objects.for_scope(scope).values_list("name", flat=True))
    assert seen == names(world, VISIBLE[role])


def test_inactive_user_sees_nothing(world):
    user = world["users"]["city_two_new"]
    user.is_active = False
    assert not SocialOrg.objects.for_scope(Scope.for_user(user)).exists()


def test_scope_reaches_year_records_and_documents_through_their_org(world):
    school, qinhuai = world["orgs"]["school"], world["orgs"]["qinhuai"]
    factories.OrgYearRecordFactory(org=school, year=2024)
    factories.OrgYearRecordFactory(org=qinhuai, year=2024)
    scope = Scope.for_user(world["users"]["education"])
    assert list(OrgYearRecord.objects.for_scope(scope).values_list("org__name", flat=True)) == [
        school.name
    ]


ADMIN_ROLES = sorted(set(VISIBLE) - {"no_unit"})


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_admin_list_shows_only_the_scope(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(reverse("admin:orgs_socialorg_changelist"))
    assert response.status_code == 200
    listed = {obj.name for obj in response.context["cl"].result_list}
    assert listed == names(world, VISIBLE[role])


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_object_and_history_pages_are_404_outside_the_scope(client, world, role):
    client.force_login(world["users"][role])
    for key, org in world["orgs"].items():
        expected = 200 if key in VISIBLE[role] else 404
        for view in ("change", "history"):
            url = reverse(f"admin:orgs_socialorg_{view}", args=[org.pk])
            assert client.get(url).status_code == expected, (role, key, view)


def test_unknown_id_and_out_of_scope_id_get_the_same_404(client, world):
    client.force_login(world["users"]["education"])
    outside = world["orgs"]["qinhuai"].pk
    unknown = SocialOrg.objects.order_by("-pk").first().pk + 100
    responses = [
        client.get(reverse("admin:orgs_socialorg_change", args=[pk])) for pk in (outside, unknown)
    ]
    assert [r.status_code for r in responses] == [404, 404]
    assert responses[0].content == responses[1].content


def test_history_of_a_historical_version_is_404_outside_the_scope(client, world):
    qinhuai = world["orgs"]["qinhuai"]
    version = qinhuai.history.first()
    client.force_login(world["users"]["education"])
    url = reverse("admin:orgs_socialorg_simple_history", args=[qinhuai.pk, version.history_id])
    assert client.get(url).status_code == 404
    client.force_login(world["users"]["admin"])
    assert client.get(url).status_code == 200


def test_search_does_not_reach_outside_the_scope(client, world):
    client.force_login(world["users"]["education"])
    target = world["orgs"]["qinhuai"]
    for term in (target.name, target.uscc, target.uscc.lower()):
        response = client.get(reverse("admin:orgs_socialorg_changelist"), {"q": term})
        assert list(response.context["cl"].result_list) == []


def test_search_by_full_uscc_finds_the_org_in_scope_even_with_spaces(client, world):
    client.force_login(world["users"]["education"])
    school = world["orgs"]["school"]
    spaced = f" {school.uscc[:6]} {school.uscc[6:]} ".lower()
    response = client.get(reverse("admin:orgs_socialorg_changelist"), {"q": spaced})
    assert [o.pk for o in response.context["cl"].result_list] == [school.pk]


def test_autocomplete_of_orgs_returns_only_the_scope(client, world):
    client.force_login(world["users"]["xuanwu_registration"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "orgs", "model_name": "orgyearrecord", "field_name": "org", "term": ""},
    )
    assert response.status_code == 200
    found = {item["text"] for item in json.loads(response.content)["results"]}
    assert found == names(world, VISIBLE["xuanwu_registration"])


def test_org_choices_in_the_year_record_form_are_scoped(client, world):
    client.force_login(world["users"]["xuanwu_registration"])
    response = client.get(reverse("admin:orgs_orgyearrecord_add"))
    queryset = response.context["adminform"].form.fields["org"].queryset
    assert set(queryset.values_list("name", flat=True)) == names(
        world, VISIBLE["xuanwu_registration"]
    )


def test_posting_a_year_record_for_an_org_outside_the_scope_is_refused(client, world):
    client.force_login(world["users"]["xuanwu_registration"])
    outside = world["orgs"]["qinhuai"]
    response = client.post(
        reverse("admin:orgs_orgyearrecord_add"), {"org": outside.pk, "year": 2024}
    )
    assert response.status_code == 200  # the form re-displays with an error
    assert "org" in response.context["adminform"].form.errors
    assert not outside.year_records.exists()


def test_registration_clerk_can_only_register_orgs_with_its_own_office(client, world):
    clerk = world["users"]["xuanwu_registration"]
    client.force_login(clerk)
    response = client.get(reverse("admin:orgs_socialorg_add"))
    form = response.context["adminform"].form
    assert list(form.fields["registration_authority"].queryset) == [clerk.unit]
    assert form.initial["registration_authority"] == clerk.unit.pk
    assert form.initial["registration_level"] == Unit.Level.DISTRICT
    assert form.initial["district"] == clerk.unit.region_id
    assert set(form.fields["district"].queryset) == {clerk.unit.region}


def _district_filter(response):
    specs = response.context["cl"].filter_specs
    return next((f for f in specs if getattr(f, "field_path", "") == "district"), None)


def test_district_filter_lists_only_districts_in_the_scope(client, world):
    client.force_login(world["users"]["city_two_new"])
    response = client.get(reverse("admin:orgs_socialorg_changelist"))
    choices = _district_filter(response).lookup_choices
    assert [label for _pk, label in choices] == ["玄武区", "秦淮区"]

    # A district committee has one district: the filter would offer nothing, so it hides.
    client.force_login(world["users"]["xuanwu_two_new"])
    response = client.get(reverse("admin:orgs_socialorg_changelist"))
    assert _district_filter(response) is None


@pytest.mark.parametrize("role", ["xuanwu_registration", "education", "city_two_new"])
def test_document_download_is_404_outside_the_scope(client, world, role, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    documents = {
        key: OrgDocument.objects.create(
            org=org,
            kind=OrgDocument.Kind.COMMITMENT,
            file=ContentFile(PDF, name="commitment.pdf"),
            original_name=f"{key}.pdf",
        )
        for key, org in world["orgs"].items()
    }
    client.force_login(world["users"][role])
    for key, document in documents.items():
        response = client.get(reverse("orgs:document_download", args=[document.pk]))
        expected = 200 if key in VISIBLE[role] else 404
        assert response.status_code == expected, key
        if expected == 200:
            assert b"".join(response.streaming_content) == PDF
            assert f"{key}.pdf" in response["Content-Disposition"]


def test_document_download_needs_login(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = OrgDocument.objects.create(
        org=world["orgs"]["school"],
        kind=OrgDocument.Kind.OTHER,
        file=ContentFile(PDF, name="a.pdf"),
    )
    response = client.get(reverse("orgs:document_download", args=[document.pk]))
    assert response.status_code == 302


def test_user_without_a_unit_sees_no_orgs_in_the_admin(client, world):
    client.force_login(world["users"]["no_unit"])
    response = client.get(reverse("admin:orgs_socialorg_changelist"))
    assert response.status_code == 403  # no role, so no view permission at all


@pytest.mark.parametrize(
    ("role", "can_change"),
    [
        ("xuanwu_registration", True),
        ("city_two_new", False),
        ("organization_dept", False),
        ("education", False),
        ("lawyers", False),
        ("xinjiekou", False),
        ("fallback", False),
    ],
)
def test_only_registration_offices_edit_the_archive(client, world, role, can_change):
    user = world["users"][role]
    assert user.has_perm("orgs.change_socialorg") is can_change
    assert user.has_perm("orgs.import_socialorg") is can_change
    assert user.has_perm("orgs.view_socialorg")
    assert not user.has_perm("orgs.delete_socialorg")
    assert not user.has_perm("orgs.change_unit")


def test_saving_an_org_in_the_admin_keeps_it_in_the_clerks_scope(client, world):
    clerk = world["users"]["xuanwu_registration"]
    client.force_login(clerk)
    xuanwu, _qinhuai = world["districts"]
    data = {
        "name": "玄武区新成立协会",
        "uscc": factories.make_uscc("51", 900001),
        "kind": SocialOrg.Kind.ASSOCIATION,
        "sector": "other",
        "status": SocialOrg.Status.ACTIVE,
        # Another office's id is not a valid choice for this clerk.
        "registration_authority": world["units"]["qinhuai_registration"].pk,
        "registration_level": Unit.Level.DISTRICT,
        "registered_on": "2024-01-02",
        "district": xuanwu.pk,
        "legal_representative": "李四",
        "staff_count": 3,
        **_empty_inlines(),
    }
    response = client.post(reverse("admin:orgs_socialorg_add"), data)
    assert response.status_code == 200
    assert "registration_authority" in response.context["adminform"].form.errors
    assert not SocialOrg.objects.filter(name="玄武区新成立协会").exists()

    data["registration_authority"] = clerk.unit.pk
    response = client.post(reverse("admin:orgs_socialorg_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = SocialOrg.objects.get(name="玄武区新成立协会")
    assert created.registration_authority == clerk.unit
    assert created.history.first().history_user == clerk


def _empty_inlines():
    data = {}
    for prefix in ("year_records", "documents"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data
