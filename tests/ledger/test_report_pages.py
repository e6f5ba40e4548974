"""The reports page (报表下载) and the dossier download: what each user may ask for,
direct downloads against background jobs, and the denials (a scope that is not the
user's is a form error or 404, never a file)."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from ledger.exporters import Exporter
from ledger.models import ExportJob
from ledger.reports import summary_json
from ledger.targets import district_target
from members.privacy import REVEAL_PERMISSION
from tests.ledger.conftest import TODAY

URL = "/ledger/reports/"
XUANWU, QINHUAI = "district:320102", "district:320104"


def login(client, user):
    client.force_login(user)
    return client


def post(client, **data):
    return client.post(URL, {"year": TODAY.year, **data})


def test_the_page_offers_only_the_users_scopes(client, city, users, django_assert_max_num_queries):
    login(client, users["xuanwu_two_new"])
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200
    keys = [key for key, _label in response.context["form"].fields["target"].choices]
    assert XUANWU in keys and QINHUAI not in keys and "city" not in keys


@pytest.mark.parametrize("role", ["xuanwu_two_new", "education", "secretary"])
def test_the_reveal_box_is_offered_only_to_who_may_reveal_id_numbers(client, city, users, role):
    user = users[role]
    form = login(client, user).get(URL).context["form"]
    assert ("reveal_ids" in form.fields) is user.has_perm(REVEAL_PERMISSION)


def test_a_user_with_no_report_gets_404(client, city, users):
    from tests import factories

    nobody = factories.UserFactory(username="nobody", unit=None)
    assert login(client, nobody).get(URL).status_code == 404


def test_the_summary_downloads_as_json_equal_to_the_summary_report(client, city, users):
    response = post(login(client, users["xuanwu_two_new"]), report="summary", target=XUANWU,
                    fmt="json")  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(b"".join(response))
    target = district_target(city.xuanwu)
    expected = summary_json(target.scopes[0], TODAY, year=TODAY.year, scope_kind="district",
                            scope_code="320102")  # fmt: skip
    assert data["totals"] == expected["totals"]


@pytest.mark.parametrize(
    ("role", "report", "target"),
    [
        ("xuanwu_two_new", "summary", QINHUAI),
        ("xuanwu_two_new", "ledger", "city"),
        ("xuanwu_two_new", "ledger", QINHUAI),
        ("education", "ledger", XUANWU),
        ("education", "summary", "own"),
        ("secretary", "budget", "own"),
    ],
)
def test_a_scope_that_is_not_the_users_is_a_form_error_not_a_file(
    client, city, users, role, report, target
):
    response = post(login(client, users[role]), report=report, target=target, fmt="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors
    assert not ExportJob.objects.exists()


def test_a_format_the_report_lacks_is_named_in_the_error(client, city, users):
    response = post(login(client, users["xuanwu_two_new"]), report="summary", target=XUANWU,
                    fmt="csv")  # fmt: skip
    assert "只能导出为" in str(response.context["form"].errors["fmt"])


def test_a_small_ledger_downloads_at_once_as_a_workbook(client, city, users):
    response = post(login(client, users["education"]), report="ledger", target="own",
                    fmt="xlsx")  # fmt: skip
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response)), read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    column = next(rows).index("社会组织名称")
    orgs = [row[column] for row in rows]
    assert city.orgs["G"].name in orgs
    assert city.orgs["A"].name not in orgs  # 南京市教育局 supervises G only


def test_a_large_export_goes_to_a_background_job_of_the_requester(client, city, users, monkeypatch):
    monkeypatch.setattr(Exporter, "background_rows", 0)
    user = users["xuanwu_two_new"]
    response = post(login(client, user), report="ledger", target=XUANWU, fmt="xlsx")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:export_job", args=[job.pk])
    assert (job.requester, job.report, job.target_key, job.fmt) == (user, "ledger", XUANWU,
                                                                   "xlsx")  # fmt: skip


@pytest.mark.parametrize(
    ("role", "letter", "status"),
    [
        ("xuanwu_two_new", "A", 200),
        ("xuanwu_two_new", "C", 404),
        ("education", "G", 200),
        ("education", "A", 404),
        ("secretary", "A", 200),
        ("secretary", "I", 404),
    ],
)
def test_the_dossier_downloads_only_for_an_org_of_the_users_scope(
    client, city, users, role, letter, status
):
    org = city.orgs[letter]
    response = login(client, users[role]).get(reverse("ledger:dossier", args=[org.pk]))
    assert response.status_code == status
    if status == 200:
        text = PdfReader(io.BytesIO(b"".join(response))).pages[0].extract_text()
        assert org.name in text


def test_the_dossier_of_an_org_with_many_members_goes_to_a_background_job(
    client, city, users, monkeypatch
):
    monkeypatch.setattr(Exporter, "background_rows", 0)
    org, user = city.orgs["A"], users["xuanwu_two_new"]
    response = login(client, user).get(reverse("ledger:dossier", args=[org.pk]))
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:export_job", args=[job.pk])
    assert (job.requester, job.report, job.target_key, job.fmt, job.status) == (
        user, "dossier", f"org:{org.pk}", "pdf", ExportJob.Status.QUEUED,
    )  # fmt: skip


def test_following_a_large_dossier_link_again_joins_the_job_it_started(
    client, city, users, monkeypatch
):
    monkeypatch.setattr(Exporter, "background_rows", 0)
    url = reverse("ledger:dossier", args=[city.orgs["A"].pk])
    user_client = login(client, users["xuanwu_two_new"])
    first, again = user_client.get(url), user_client.get(url)
    job = ExportJob.objects.get()
    assert first["Location"] == again["Location"] == reverse("ledger:export_job", args=[job.pk])
    job.status = ExportJob.Status.DONE
    job.save()
    user_client.get(url)
    assert ExportJob.objects.count() == 2  # a finished one is not joined: a new one starts


def test_a_dossier_outside_the_scope_starts_no_job_even_when_large(
    client, city, users, monkeypatch
):
    monkeypatch.setattr(Exporter, "background_rows", 0)
    response = login(client, users["education"]).get(
        reverse("ledger:dossier", args=[city.orgs["A"].pk])
    )
    assert response.status_code == 404
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("query", ["?format=xlsx", "?year=1999", "?year=x"])
def test_a_dossier_in_a_format_or_year_it_lacks_is_404(client, city, users, query):
    org = city.orgs["A"]
    url = reverse("ledger:dossier", args=[org.pk]) + query
    assert login(client, users["admin"]).get(url).status_code == 404


def test_the_org_page_links_to_its_dossier(client, city, users):
    org = city.orgs["A"]
    page = login(client, users["xuanwu_two_new"]).get(
        reverse("admin:orgs_socialorg_change", args=[org.pk])
    )
    assert reverse("ledger:dossier", args=[org.pk]) in page.content.decode()
