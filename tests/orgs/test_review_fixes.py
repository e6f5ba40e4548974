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


def test_a_duplicate_code_in_the_admin_says_so_in_chinese(client, db):
    district = factories.DistrictFactory()
    office = factories.UnitFactory(
        kind=Unit.Kind.REGISTRATION, level=Unit.Level.DISTRICT, region=district
    )
    existing = factories.SocialOrgFactory(
        registration_authority=office, registration_level="district", district=district
    )
    client.force_login(factories.UserFactory(unit=office))
    data = {
        "name": "另一个协会", "uscc": existing.uscc, "kind": "association", "sector": "other",
        "status": "active", "registration_authority": office.pk,
        "registration_level": "district", "registered_on": "2020-01-01",
        "district": district.pk, "legal_representative": "王五", "staff_count": 1,
    }  # fmt: skip
    for prefix in ("year_records", "documents"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(reverse("admin:orgs_socialorg_add"), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "统一社会信用代码已被另一个社会组织使用" in text
    assert "org_uscc_unique" not in text


def test_a_score_above_100_is_named_on_its_field(db):
    from django.core.exceptions import ValidationError

    record = factories.OrgYearRecordFactory.build(
        org=factories.SocialOrgFactory(), party_building_score=150
    )
    with pytest.raises(ValidationError) as raised:
        record.full_clean()
    assert raised.value.message_dict["party_building_score"] == ["党建指标得分应在0至100之间"]


def test_deleting_or_replacing_a_document_removes_its_file_from_disk(
    client, db, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.orgs.test_admin import _change_form_data

    settings.MEDIA_ROOT = tmp_path
    district = factories.DistrictFactory()
    office = factories.UnitFactory(
        kind=Unit.Kind.REGISTRATION, level=Unit.Level.DISTRICT, region=district
    )
    org = factories.SocialOrgFactory(
        registration_authority=office, registration_level="district", district=district
    )
    client.force_login(factories.UserFactory(unit=office))
    url = reverse("admin:orgs_socialorg_change", args=[org.pk])
    pdf = b"%PDF-1.4\n%%EOF\n"

    def post(**document_fields):
        data = _change_form_data(org)
        data.update(document_fields)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 302, response.context["inline_admin_formsets"]

    post(**{"documents-TOTAL_FORMS": "1", "documents-0-kind": "other",
            "documents-0-file": SimpleUploadedFile("a.pdf", pdf)})  # fmt: skip
    document = org.documents.get()
    first = tmp_path / document.file.name
    assert first.exists()

    replacement = SimpleUploadedFile("b.pdf", pdf)
    post(**{"documents-TOTAL_FORMS": "1", "documents-INITIAL_FORMS": "1",
            "documents-0-id": document.pk, "documents-0-org": org.pk,
            "documents-0-kind": "other", "documents-0-file": replacement})  # fmt: skip
    document.refresh_from_db()
    second = tmp_path / document.file.name
    assert second.exists() and not first.exists()  # the replaced scan is gone

    post(**{"documents-TOTAL_FORMS": "1", "documents-INITIAL_FORMS": "1",
            "documents-0-id": document.pk, "documents-0-org": org.pk,
            "documents-0-kind": "other", "documents-0-DELETE": "on"})  # fmt: skip
    assert not org.documents.exists()
    assert not second.exists()


def test_an_xlsx_that_inflates_past_the_limit_is_refused_by_what_comes_out(settings):
    import io
    import zipfile

    from orgs.importing.readers import ImportFileError, read_table

    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (3 * 1024 * 1024))
    assert len(buffer.getvalue()) < 20_000  # a small file …
    with pytest.raises(ImportFileError, match="解压后过大"):
        read_table(io.BytesIO(buffer.getvalue()), "bomb.xlsx")  # … that unpacks to 3 MB
