"""Holes found in review, each pinned by a test: history pages are read-only, the channel
rules reach every org, searches respect filters, blank cells keep stored values."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from orgs.history import CREATED, record_history
from orgs.importing.widgets import ChoiceWidget
from orgs.models import SocialOrg, Unit
from orgs.scoped_admin import HistoryAdmin
from orgs.scopes import Scope
from tests import factories


def test_every_history_admin_has_read_only_history_pages():
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, SimpleHistoryAdmin):
            assert isinstance(model_admin, HistoryAdmin), model


@pytest.mark.parametrize("model", ["unit", "socialorg", "orgyearrecord"])
def test_posting_to_a_history_version_page_is_refused(client, db, model):
    city = factories.CityFactory()
    district = factories.DistrictFactory(parent=city)
    unit = factories.UnitFactory(kind=Unit.Kind.TWO_NEW, level=Unit.Level.DISTRICT, region=district)
    org = factories.SocialOrgFactory(district=district)
    record = factories.OrgYearRecordFactory(org=org)
    target = {"unit": unit, "socialorg": org, "orgyearrecord": record}[model]
    record_history(
        type(target), [target.pk], history_type=CREATED, user=None, reason="测试",
        date=timezone.now(),
    )  # fmt: skip
    version = type(target).history.filter(id=target.pk).first()
    client.force_login(factories.UserFactory(unit=unit))
    url = reverse(f"admin:orgs_{model}_simple_history", args=[target.pk, version.history_id])
    assert client.get(url).status_code == 200  # reading history is fine
    assert client.post(url, {"name": "改过的名字", "kind": "two_new"}).status_code == 403
    unit.refresh_from_db()
    assert unit.kind == Unit.Kind.TWO_NEW and unit.level == Unit.Level.DISTRICT


def test_a_community_org_without_a_street_falls_to_the_fallback_committee(db):
    city = factories.CityFactory()
    district = factories.DistrictFactory(parent=city)
    fallback = factories.UnitFactory(
        kind=Unit.Kind.FALLBACK_COMMITTEE, level=Unit.Level.CITY, region=city
    )
    homeless = factories.SocialOrgFactory(
        kind=SocialOrg.Kind.COMMUNITY_FILED, district=district, street=None
    )
    housed = factories.SocialOrgFactory(
        kind=SocialOrg.Kind.COMMUNITY_FILED, district=district,
        street=factories.StreetFactory(parent=district),
    )  # fmt: skip
    seen = set(SocialOrg.objects.for_scope(Scope.for_unit(fallback)))
    assert homeless in seen
    assert housed not in seen  # its street committee manages it


def test_only_a_supervising_unit_can_supervise_an_org(db):
    org = factories.SocialOrgFactory.build(
        registration_authority=factories.UnitFactory(),
        district=factories.DistrictFactory(),
        supervising_unit=factories.UnitFactory(kind=Unit.Kind.TWO_NEW),
    )
    with pytest.raises(Exception) as raised:
        org.full_clean()
    assert "不是业务主管单位" in str(raised.value)


def test_a_pasted_code_search_keeps_the_list_filters(client, db):
    district = factories.DistrictFactory()
    unit = factories.UnitFactory(
        kind=Unit.Kind.REGISTRATION, level=Unit.Level.DISTRICT, region=district
    )
    active = factories.SocialOrgFactory(
        registration_authority=unit, registration_level="district", district=district
    )
    client.force_login(factories.UserFactory(unit=unit))
    spaced = f"{active.uscc[:8]} {active.uscc[8:]}"
    response = client.get(
        reverse("admin:orgs_socialorg_changelist"), {"q": spaced, "status__exact": "deregistered"}
    )
    assert list(response.context["cl"].result_list) == []
    response = client.get(reverse("admin:orgs_socialorg_changelist"), {"q": spaced})
    assert list(response.context["cl"].result_list) == [active]


@pytest.mark.parametrize(
    "typed", ["社区社会组织(备案)", "社区社会组织（备案）", " 社区社会组织（备案）　"]
)
def test_a_choice_typed_with_full_width_brackets_is_recognised(typed):
    assert ChoiceWidget(SocialOrg.Kind).clean(typed) == SocialOrg.Kind.COMMUNITY_FILED


def test_a_read_only_user_gets_no_link_to_the_stored_file(client, db, settings, tmp_path):
    from django.core.files.base import ContentFile

    from orgs.models import OrgDocument

    settings.MEDIA_ROOT = tmp_path
    district = factories.DistrictFactory()
    org = factories.SocialOrgFactory(district=district)
    OrgDocument.objects.create(
        org=org, kind="other", file=ContentFile(b"%PDF-1.4\n", name="a.pdf"), original_name="a.pdf"
    )
    reader = factories.UserFactory(
        unit=factories.UnitFactory(
            kind=Unit.Kind.TWO_NEW, level=Unit.Level.DISTRICT, region=district
        )
    )
    client.force_login(reader)
    page = client.get(reverse("admin:orgs_socialorg_change", args=[org.pk])).content.decode()
    assert "/media/" not in page and "archive/" not in page
    assert reverse("orgs:document_download", args=[org.documents.get().pk]) in page


def test_an_account_added_by_an_administrator_can_use_the_admin(client, db):
    client.force_login(factories.UserFactory(unit=None, is_superuser=True))
    unit = factories.UnitFactory()
    response = client.post(
        reverse("admin:orgs_user_add"),
        {"username": "newclerk", "unit": unit.pk, "password1": "A-long-pass-2026",
         "password2": "A-long-pass-2026", "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:500]
    from orgs.models import User

    assert User.objects.get(username="newclerk").is_staff


def test_blank_cells_with_defaults_keep_a_stored_orgs_values(db):
    import io

    from orgs.importing.service import import_file

    city = factories.CityFactory(code="320100", name="南京市")
    district = factories.DistrictFactory(parent=city, code="320102", name="玄武区")
    office = factories.UnitFactory(
        name="南京市玄武区民政局", kind=Unit.Kind.REGISTRATION, level=Unit.Level.DISTRICT,
        region=district,
    )  # fmt: skip
    org = factories.SocialOrgFactory(
        registration_authority=office, registration_level="district", district=district,
        status=SocialOrg.Status.DEREGISTERED, is_key=True,
    )  # fmt: skip
    header = (
        "名称,统一社会信用代码,组织类型,行业领域,登记管理机关,登记级别,登记日期,"
        "所属区县,法定代表人,从业人员数,是否重点社会组织,状态"
    )
    row = (
        f"{org.name},{org.uscc},社会团体,其他,南京市玄武区民政局,区县级,2015-06-01,玄武区,"
        f"新代表,{org.staff_count},,"
    )
    report = import_file(
        template_name="orgs",
        file=io.BytesIO(f"{header}\n{row}\n".encode()),
        filename="orgs.csv",
        user=factories.UserFactory(unit=None, is_superuser=True),
    )
    assert report.ok, [str(e) for e in report.errors]
    org.refresh_from_db()
    assert org.legal_representative == "新代表"
    assert org.status == SocialOrg.Status.DEREGISTERED  # a blank 状态 did not revive it
    assert org.is_key is True  # a blank 是/否 kept the flag


def test_one_upload_names_every_problem_of_every_row_in_row_order(db):
    import io

    from orgs.importing.service import import_file

    city = factories.CityFactory()
    district = factories.DistrictFactory(parent=city, code="320102", name="玄武区")
    office = factories.UnitFactory(
        name="南京市玄武区民政局", level=Unit.Level.DISTRICT, region=district
    )
    taken = factories.SocialOrgFactory(
        registration_authority=office, district=district, registration_level="district"
    )
    good = factories.SocialOrgFactory.build().uscc
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    head = (
        "名称,统一社会信用代码,组织类型,行业领域,登记管理机关,登记级别,登记日期,"
        "所属区县,法定代表人,从业人员数"
    )
    rows = [
        # a bad date cell AND a wrong check character (a model rule) in the same row
        f"甲协会,{bad_check},社会团体,其他,南京市玄武区民政局,区县级,2019-13-01,玄武区,张,1",
        # the name of an existing active org (a check across rows and the database)
        f"{taken.name},{factories.SocialOrgFactory.build().uscc},社会团体,其他,"
        "南京市玄武区民政局,区县级,2019-01-01,玄武区,张,1",
    ]
    report = import_file(
        template_name="orgs",
        file=io.BytesIO(("\n".join([head, *rows]) + "\n").encode()),
        filename="orgs.csv",
        user=factories.UserFactory(unit=None, is_superuser=True),
        dry_run=True,
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "登记日期"),
        (2, "统一社会信用代码"),
        (3, "名称"),
    ]
    assert report.rows == []  # no preview of a file that will not import
