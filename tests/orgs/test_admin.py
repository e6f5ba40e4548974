"""The data-entry admin: every page works, stays within 12 queries whatever the data size,
keeps the archive's history and "last updated" stamp, and guards its documents."""

import datetime
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orgs.models import OrgDocument, SocialOrg, Unit, Zone, stale_cutoff
from tests import factories

MAX_QUERIES = 12
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def office(db):
    city = factories.CityFactory(code="320100", name="南京市")
    district = factories.DistrictFactory(parent=city, code="320102", name="玄武区")
    unit = factories.UnitFactory(
        name="南京市玄武区民政局", kind=Unit.Kind.REGISTRATION, level=Unit.Level.DISTRICT,
        region=district,
    )  # fmt: skip
    return {
        "city": city,
        "district": district,
        "unit": unit,
        "clerk": factories.UserFactory(username="clerk", unit=unit),
        "admin": factories.UserFactory(username="boss", unit=None, is_superuser=True),
    }


def add_orgs(office, count):
    """Orgs with every relation filled, so no page can hide a per-row query."""
    district = office["district"]
    supervisor = factories.UnitFactory(kind=Unit.Kind.SUPERVISOR)
    orgs = []
    for _ in range(count):
        street = factories.StreetFactory(parent=district)
        org = factories.SocialOrgFactory(
            registration_authority=office["unit"],
            registration_level=Unit.Level.DISTRICT,
            district=district,
            street=street,
            zone=factories.ZoneFactory(district=district, street=street),
            supervising_unit=supervisor,
        )
        for year in (2023, 2024, 2025):
            factories.OrgYearRecordFactory(org=org, year=year)
        orgs.append(org)
    return orgs


def pages(org):
    changelist = reverse("admin:orgs_socialorg_changelist")
    return {
        "index": reverse("admin:index"),
        "org list": changelist,
        "org list filtered": f"{changelist}?q=协会&kind=association&stale=no&is_key__exact=0",
        "org add": reverse("admin:orgs_socialorg_add"),
        "org change": reverse("admin:orgs_socialorg_change", args=[org.pk]),
        "org history": reverse("admin:orgs_socialorg_history", args=[org.pk]),
        "org import": reverse("admin:orgs_socialorg_import"),
        "year records": reverse("admin:orgs_orgyearrecord_changelist"),
        "year record change": reverse(
            "admin:orgs_orgyearrecord_change", args=[org.year_records.first().pk]
        ),
        "units": reverse("admin:orgs_unit_changelist"),
        "regions": reverse("admin:orgs_region_changelist"),
        "zones": reverse("admin:orgs_zone_changelist"),
        "autocomplete": reverse("admin:autocomplete")
        + "?app_label=orgs&model_name=orgyearrecord&field_name=org&term=",
    }


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context)


@pytest.mark.parametrize("who", ["clerk", "admin"])
def test_every_admin_page_needs_at_most_12_queries_whatever_the_data_size(client, office, who):
    first = add_orgs(office, 2)[0]
    client.force_login(office[who])
    for url in pages(first).values():  # warm the per-process caches (content types)
        client.get(url)
    small = {name: count_queries(client, url) for name, url in pages(first).items()}
    add_orgs(office, 30)
    large = {name: count_queries(client, url) for name, url in pages(first).items()}
    assert large == small  # nothing grows with the number of orgs, records or streets
    assert max(large.values()) <= MAX_QUERIES, large


def test_user_admin_page_needs_at_most_12_queries(client, office, django_assert_max_num_queries):
    for index in range(20):
        factories.UserFactory(unit=office["unit"], username=f"staff{index}")
    client.force_login(office["admin"])
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(reverse("admin:orgs_user_changelist")).status_code == 200


@pytest.mark.parametrize("model", ["region", "zone", "unit", "user", "socialorg", "orgyearrecord"])
def test_admin_smoke_changelist_search_add_and_change(client, office, model):
    org = add_orgs(office, 1)[0]
    objects = {
        "region": office["district"],
        "zone": Zone.objects.first(),
        "unit": office["unit"],
        "user": office["clerk"],
        "socialorg": org,
        "orgyearrecord": org.year_records.first(),
    }
    client.force_login(office["admin"])
    changelist = reverse(f"admin:orgs_{model}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "玄武"}).status_code == 200
    assert client.get(reverse(f"admin:orgs_{model}_add")).status_code == 200
    change = reverse(f"admin:orgs_{model}_change", args=[objects[model].pk])
    assert client.get(change).status_code == 200


def test_admin_speaks_chinese(client, office):
    client.force_login(office["clerk"])
    response = client.get(reverse("admin:orgs_socialorg_changelist"))
    text = response.content.decode()
    for phrase in ("社会组织（一社一档）", "组织类型", "超过12个月未更新", "导入名册", "搜索"):
        assert phrase in text, phrase


def test_reference_data_is_read_only_for_offices(client, office):
    client.force_login(office["clerk"])
    assert client.get(reverse("admin:orgs_unit_changelist")).status_code == 200
    assert client.get(reverse("admin:orgs_unit_add")).status_code == 403
    assert client.get(reverse("admin:orgs_unit_import")).status_code == 403
    assert client.get(reverse("admin:orgs_user_changelist")).status_code == 403


def _change_form_data(org, **overrides):
    data = {
        "name": org.name,
        "uscc": org.uscc,
        "kind": org.kind,
        "sector": org.sector,
        "status": org.status,
        "registration_authority": org.registration_authority_id,
        "registration_level": org.registration_level,
        "registered_on": org.registered_on.isoformat(),
        "supervising_unit": org.supervising_unit_id or "",
        "district": org.district_id,
        "street": org.street_id or "",
        "zone": org.zone_id or "",
        "address": org.address,
        "legal_representative": org.legal_representative,
        "head_name": org.head_name,
        "head_is_party_member": "unknown",
        "staff_count": org.staff_count,
        "commitment_signed_on": "",
        "survey_filed_on": "",
    }
    records = list(org.year_records.order_by("pk"))
    data.update(
        {
            "year_records-TOTAL_FORMS": str(len(records)),
            "year_records-INITIAL_FORMS": str(len(records)),
            "year_records-MIN_NUM_FORMS": "0",
            "year_records-MAX_NUM_FORMS": "1000",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
            "documents-MIN_NUM_FORMS": "0",
            "documents-MAX_NUM_FORMS": "1000",
        }
    )
    for index, record in enumerate(records):
        data.update(
            {
                f"year_records-{index}-id": record.pk,
                f"year_records-{index}-org": org.pk,
                f"year_records-{index}-year": record.year,
                f"year_records-{index}-inspection_result": record.inspection_result,
                f"year_records-{index}-inspection_party_notes": "",
                f"year_records-{index}-evaluation_grade": "",
                f"year_records-{index}-evaluation_date": "",
                f"year_records-{index}-party_building_score": "",
                f"year_records-{index}-notes": "",
            }
        )
    data.update(overrides)
    return data


def test_editing_an_org_records_who_changed_what_in_its_history(client, office):
    org = add_orgs(office, 1)[0]
    client.force_login(office["clerk"])
    url = reverse("admin:orgs_socialorg_change", args=[org.pk])
    response = client.post(url, _change_form_data(org, legal_representative="赵六", staff_count=31))
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = org.history.first()
    assert latest.history_user == office["clerk"]
    assert latest.legal_representative == "赵六"
    delta = latest.diff_against(latest.prev_record)
    assert {change.field for change in delta.changes} == {"legal_representative", "staff_count"}
    history_page = client.get(reverse("admin:orgs_socialorg_history", args=[org.pk]))
    assert "clerk" in history_page.content.decode()


def test_an_invalid_edit_redisplays_the_form_with_chinese_errors_naming_the_field(client, office):
    org = add_orgs(office, 1)[0]
    client.force_login(office["clerk"])
    url = reverse("admin:orgs_socialorg_change", args=[org.pk])
    bad_code = org.uscc[:-1] + ("0" if org.uscc[-1] != "0" else "1")
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(url, _change_form_data(org, uscc=bad_code, registered_on=future))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "校验位错误" in errors["uscc"][0]
    assert "登记日期不能晚于今天" in errors["registered_on"][0]
    org.refresh_from_db()
    assert org.uscc != bad_code


def _document_post(org, upload, kind="commitment"):
    return _change_form_data(
        org,
        **{
            "documents-TOTAL_FORMS": "1",
            "documents-0-kind": kind,
            "documents-0-title": "承诺书扫描件",
            "documents-0-file": upload,
        },
    )


def test_uploading_a_document_records_it_and_updates_the_archive(
    client, office, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    org = add_orgs(office, 1)[0]
    SocialOrg.objects.filter(pk=org.pk).update(
        archive_updated_at=timezone.now() - datetime.timedelta(days=500)
    )
    client.force_login(office["clerk"])
    url = reverse("admin:orgs_socialorg_change", args=[org.pk])
    upload = SimpleUploadedFile("承诺书.pdf", PDF, content_type="application/pdf")
    response = client.post(url, _document_post(org, upload))
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    document = OrgDocument.objects.get(org=org)
    assert (document.original_name, document.size) == ("承诺书.pdf", len(PDF))
    assert document.uploaded_by == office["clerk"]
    assert document.file.name.startswith(f"archive/{org.pk}/")
    assert "承诺书" not in document.file.name  # the stored name is ours, not the upload's
    org.refresh_from_db()
    assert not org.is_stale
    download = client.get(reverse("orgs:document_download", args=[document.pk]))
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("scan.pdf", b"MZ\x90\x00 not a pdf", "文件内容与扩展名"),
        ("photo.png", PDF, "文件内容与扩展名"),
    ],
)
def test_a_document_of_the_wrong_type_is_refused_and_nothing_is_saved(
    client, office, settings, tmp_path, filename, content, message
):
    settings.MEDIA_ROOT = tmp_path
    org = add_orgs(office, 1)[0]
    client.force_login(office["clerk"])
    url = reverse("admin:orgs_socialorg_change", args=[org.pk])
    response = client.post(url, _document_post(org, SimpleUploadedFile(filename, content)))
    assert response.status_code == 200
    formset = next(
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "documents"
    )
    assert message in str(formset.formset.errors)
    assert not OrgDocument.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_a_document_over_the_size_limit_is_refused(client, office, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ARCHIVE_DOCUMENT_MAX_BYTES = 1024
    org = add_orgs(office, 1)[0]
    client.force_login(office["clerk"])
    url = reverse("admin:orgs_socialorg_change", args=[org.pk])
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)
    response = client.post(url, _document_post(org, big))
    assert response.status_code == 200
    assert "文件超过" in response.content.decode()
    assert not OrgDocument.objects.exists()


def test_adding_a_year_record_in_the_inline_updates_the_archive_stamp(client, office):
    org = add_orgs(office, 1)[0]
    long_ago = timezone.now() - datetime.timedelta(days=800)
    SocialOrg.objects.filter(pk=org.pk).update(archive_updated_at=long_ago)
    org.refresh_from_db()
    assert org.is_stale
    client.force_login(office["clerk"])
    data = _change_form_data(org)
    total = int(data["year_records-TOTAL_FORMS"])
    data.update(
        {
            "year_records-TOTAL_FORMS": str(total + 1),
            f"year_records-{total}-org": org.pk,
            f"year_records-{total}-year": "2022",
            f"year_records-{total}-inspection_result": "passed",
            f"year_records-{total}-inspection_party_checked": "on",
            f"year_records-{total}-inspection_party_notes": "党建工作已同步检查",
            f"year_records-{total}-evaluation_grade": "",
            f"year_records-{total}-evaluation_date": "",
            f"year_records-{total}-party_building_score": "",
            f"year_records-{total}-notes": "",
        }
    )
    response = client.post(reverse("admin:orgs_socialorg_change", args=[org.pk]), data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.year_records.filter(year=2022, inspection_party_checked=True).exists()
    assert not org.is_stale


def test_saving_an_unchanged_form_does_not_refresh_the_archive_stamp(client, office):
    org = add_orgs(office, 1)[0]
    long_ago = timezone.now() - datetime.timedelta(days=800)
    SocialOrg.objects.filter(pk=org.pk).update(archive_updated_at=long_ago)
    org.refresh_from_db()
    client.force_login(office["clerk"])
    response = client.post(
        reverse("admin:orgs_socialorg_change", args=[org.pk]), _change_form_data(org)
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.archive_updated_at == long_ago


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        ("2026-11-27 10:00", "2025-11-27 10:00"),
        ("2026-03-31 10:00", "2025-03-31 10:00"),
        ("2024-02-29 10:00", "2023-02-28 10:00"),  # no 29 February in 2023
        ("2026-01-15 00:00", "2025-01-15 00:00"),
    ],
)
def test_an_archive_is_stale_when_not_updated_for_12_months(now, cutoff):
    tz = timezone.get_current_timezone()
    moment = datetime.datetime.fromisoformat(now).replace(tzinfo=tz)
    assert stale_cutoff(moment) == datetime.datetime.fromisoformat(cutoff).replace(tzinfo=tz)


def test_stale_filter_lists_archives_untouched_for_more_than_12_months(client, office):
    fresh, stale = add_orgs(office, 2)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=400)):
        SocialOrg.objects.filter(pk=stale.pk).update(archive_updated_at=timezone.now())
    client.force_login(office["clerk"])
    changelist = reverse("admin:orgs_socialorg_changelist")
    listed = client.get(changelist, {"stale": "yes"}).context["cl"].result_list
    assert [o.pk for o in listed] == [stale.pk]
    listed = client.get(changelist, {"stale": "no"}).context["cl"].result_list
    assert [o.pk for o in listed] == [fresh.pk]


def _export_bytes(client):
    url = reverse("admin:orgs_socialorg_export")
    form = client.get(url).context["form"]
    data = {
        name: True
        for name, field in form.fields.items()
        if getattr(field.widget, "input_type", "") == "checkbox"
    }
    data.update({"format": 0, "resource": form.fields["resource"].initial or 0})
    response = client.post(url, data)
    assert response.status_code == 200
    return response.content


def _export(client):
    sheet = load_workbook(BytesIO(_export_bytes(client))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return rows[0], rows[1:]


def test_export_writes_only_the_users_scope_in_the_template_columns(client, office):
    mine = add_orgs(office, 2)
    other_office = factories.UnitFactory(kind=Unit.Kind.REGISTRATION, level=Unit.Level.CITY)
    foreign = factories.SocialOrgFactory(
        registration_authority=other_office, district=office["district"]
    )
    client.force_login(office["clerk"])
    header, rows = _export(client)
    assert header[:3] == ["名称", "统一社会信用代码", "组织类型"]
    exported = {row[header.index("统一社会信用代码")] for row in rows}
    assert exported == {org.uscc for org in mine}
    assert foreign.uscc not in exported
    kinds = {row[header.index("组织类型")] for row in rows}
    assert kinds == {"社会团体"}  # labels, as the template takes them back


def test_export_writes_cells_that_look_like_formulas_as_text(client, office):
    org = add_orgs(office, 1)[0]
    SocialOrg.objects.filter(pk=org.pk).update(address='=HYPERLINK("http://x")')
    client.force_login(office["clerk"])
    header, rows = _export(client)
    # Kept as typed, but stored as a text cell: Excel will not run it.
    assert rows[0][header.index("住所")] == '=HYPERLINK("http://x")'
    raw = _export_bytes(client)
    from zipfile import ZipFile

    with ZipFile(BytesIO(raw)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_a_read_only_role_may_export_its_scope(client, office):
    add_orgs(office, 1)
    reader = factories.UserFactory(
        unit=factories.UnitFactory(
            kind=Unit.Kind.TWO_NEW, level=Unit.Level.DISTRICT, region=office["district"]
        )
    )
    client.force_login(reader)
    page = client.get(reverse("admin:orgs_socialorg_changelist")).content.decode()
    assert reverse("admin:orgs_socialorg_export") in page
    assert "导入名册" not in page
    _header, rows = _export(client)
    assert len(rows) == 1
