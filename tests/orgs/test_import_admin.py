"""The admin's import flow for 社会组织名册: template download → upload → preview → confirm,
as the 玄武区 registration clerk sees it, and what other users may not do."""

import urllib.parse
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, range_boundaries

from orgs.importing.registry import get_template
from orgs.models import SocialOrg
from orgs.resources import SocialOrgResource
from tests import factories
from tests.orgs.conftest import (
    CODE_ASSOCIATION,
    ORG_HEADERS,
    csv_bytes,
    org_row,
    rows_to_matrix,
    uscc,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:orgs_socialorg_import"
TEMPLATE_URL = "admin:orgs_socialorg_import_template"
CHANGELIST_URL = "admin:orgs_socialorg_changelist"
EXPIRED = "导入已过期或已确认过，请重新上传"
SECOND_CODE = uscc("51320102MJ0000202")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clerk_client(nanjing, district_clerk):
    client = Client()
    client.force_login(district_clerk)
    return client


@pytest.fixture
def two_new_client(nanjing, two_new_user):
    client = Client()
    client.force_login(two_new_user)
    return client


def good_file(fmt="xlsx"):
    rows = [
        org_row(),
        org_row({"名称": "南京市玄武区第二协会", "统一社会信用代码": SECOND_CODE}),
    ]
    if fmt == "xlsx":
        return SimpleUploadedFile("社会组织名册.xlsx", xlsx_bytes(rows_to_matrix(rows)))
    return SimpleUploadedFile("社会组织名册.csv", csv_bytes(rows_to_matrix(rows)))


def bad_file():
    rows = [
        org_row({"从业人员数": "十二"}),
        org_row({"名称": "南京市玄武区第二协会", "统一社会信用代码": SECOND_CODE}),
        org_row({"名称": "南京市玄武区第三协会", "统一社会信用代码": uscc("51320102MJ0000303"),
                 "登记日期": "2019.05.20", "是否重点社会组织": "Y"}),
    ]  # fmt: skip
    return SimpleUploadedFile("社会组织名册.xlsx", xlsx_bytes(rows_to_matrix(rows)))


BAD_FILE_ERRORS = [
    "第2行 从业人员数: “十二”不是整数",
    "第4行 登记日期: 日期“2019.05.20”格式不对，应为YYYY-MM-DD、YYYY/MM/DD或YYYY年M月D日",
    "第4行 是否重点社会组织: 应填“是”或“否”，不是“Y”",
]


def upload(client, file):
    return client.post(reverse(IMPORT_URL), {"file": file})


def confirm(client, token):
    return client.post(reverse(IMPORT_URL), {"action": "confirm", "token": token})


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def pending_uploads(settings):
    from pathlib import Path

    folder = Path(settings.MEDIA_ROOT) / "import-uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---------------------------------------------------------------------------------------
# Links, page, permissions
# ---------------------------------------------------------------------------------------


class TestPages:
    def test_the_changelist_offers_import_and_template_to_the_clerk(self, clerk_client):
        response = clerk_client.get(reverse(CHANGELIST_URL))
        assert response.status_code == 200
        html = response.content.decode()
        assert "导入名册" in html and f'href="{reverse(IMPORT_URL)}"' in html
        assert "下载导入模板" in html and f'href="{reverse(TEMPLATE_URL)}"' in html

    def test_the_changelist_offers_neither_to_a_two_new_user(self, two_new_client):
        response = two_new_client.get(reverse(CHANGELIST_URL))
        assert response.status_code == 200
        html = response.content.decode()
        assert "导入名册" not in html and reverse(IMPORT_URL) not in html
        assert "下载导入模板" not in html and reverse(TEMPLATE_URL) not in html

    def test_the_import_page_shows_the_upload_form_and_the_template_link(self, clerk_client):
        response = clerk_client.get(reverse(IMPORT_URL))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'type="file"' in html and 'name="file"' in html
        assert 'accept=".xlsx,.csv"' in html
        assert "上传并校验" in html
        assert f'href="{reverse(TEMPLATE_URL)}"' in html
        assert "社会组织名册" in html

    def test_the_import_page_needs_at_most_12_queries(
        self, clerk_client, django_assert_max_num_queries
    ):
        clerk_client.get(reverse(IMPORT_URL))  # warm per-process caches
        with django_assert_max_num_queries(12):
            response = clerk_client.get(reverse(IMPORT_URL))
        assert response.status_code == 200

    @pytest.mark.parametrize("url", [IMPORT_URL, TEMPLATE_URL])
    def test_a_two_new_user_gets_403_on_the_import_urls(self, two_new_client, url):
        assert two_new_client.get(reverse(url)).status_code == 403

    def test_a_two_new_user_cannot_upload_or_confirm(self, two_new_client):
        assert upload(two_new_client, good_file()).status_code == 403
        assert confirm(two_new_client, "anything").status_code == 403
        assert SocialOrg.objects.count() == 0

    def test_an_anonymous_visitor_is_sent_to_the_login_page(self, nanjing, client):
        response = client.get(reverse(IMPORT_URL))
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


# ---------------------------------------------------------------------------------------
# The downloadable template
# ---------------------------------------------------------------------------------------


@pytest.fixture
def template_workbook(clerk_client):
    response = clerk_client.get(reverse(TEMPLATE_URL))
    assert response.status_code == 200
    return response, load_workbook(BytesIO(response.content))


def validations_by_column(sheet):
    """{column header: DataValidation} for the list validations of `sheet`."""
    headers = [cell.value for cell in sheet[1]]
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            min_col, min_row, max_col, _max_row = range_boundaries(str(cell_range))
            assert min_col == max_col and min_row == 2
            found[headers[min_col - 1]] = validation
    return found


def option_labels(workbook, formula):
    """The labels a validation formula like '选项'!$C$2:$C$8 refers to."""
    sheet_name, cells = formula.split("!")
    sheet = workbook[sheet_name.strip("'")]
    first, last = cells.replace("$", "").split(":")
    column = "".join(c for c in first if c.isalpha())
    assert column == "".join(c for c in last if c.isalpha())
    start, end = int(first[len(column) :]), int(last[len(column) :])
    index = column_index_from_string(column)
    return [sheet.cell(row=r, column=index).value for r in range(start, end + 1)]


class TestTemplateDownload:
    def test_the_template_is_an_xlsx_attachment_named_after_the_template(self, template_workbook):
        response, workbook = template_workbook
        assert response["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert urllib.parse.unquote(disposition.split("''", 1)[1]) == "社会组织名册.xlsx"
        assert workbook.sheetnames[0] == "社会组织名册"

    def test_the_header_is_the_resource_s_columns_and_the_published_contract(
        self, template_workbook
    ):
        _response, workbook = template_workbook
        header = [cell.value for cell in workbook.worksheets[0][1]]
        assert header == [f.column_name for f in SocialOrgResource().get_import_fields()]
        assert header == ORG_HEADERS  # templates.md, in the published order

    def test_the_template_has_the_example_row(self, template_workbook):
        _response, workbook = template_workbook
        sheet = workbook.worksheets[0]
        header = [cell.value for cell in sheet[1]]
        example = {h: cell.value for h, cell in zip(header, sheet[2], strict=True)}
        expected = get_template("orgs").example_row
        assert {h: ("" if v is None else v) for h, v in example.items()} == expected
        assert sheet.max_row == 2  # header and the example, nothing else

    @pytest.mark.parametrize(
        "column, labels",
        [
            ("组织类型", ["社会团体", "社会服务机构", "基金会", "律师事务所", "会计师事务所",
                          "税务师事务所", "社区社会组织(备案)"]),
            ("行业领域", ["教育", "卫生健康", "法律服务", "会计", "税务", "科技", "文化", "体育",
                          "社会服务", "行业协会商会", "其他"]),
            ("登记级别", ["市级", "区县级"]),
            ("状态", ["正常", "注销", "撤销"]),
            ("是否重点社会组织", ["是", "否"]),
            ("是否行业协会商会", ["是", "否"]),
            ("是否已脱钩", ["是", "否"]),
            ("是否社区社会组织", ["是", "否"]),
            ("党建入章程", ["是", "否"]),
            ("所属区县", ["玄武区", "秦淮区"]),
        ],
    )  # fmt: skip
    def test_choice_columns_have_list_validations_on_the_hidden_options_sheet(
        self, template_workbook, column, labels
    ):
        _response, workbook = template_workbook
        validation = validations_by_column(workbook.worksheets[0])[column]
        assert validation.type == "list"
        assert validation.formula1.startswith("'选项'!")
        assert option_labels(workbook, validation.formula1) == labels
        options = workbook["选项"]
        assert options.sheet_state == "hidden"
        column_cells = [
            c.value for c in next(options.iter_cols(
                min_col=column_index_from_string(validation.formula1.split("!$")[1].split("$")[0]),
                max_col=column_index_from_string(validation.formula1.split("!$")[1].split("$")[0]),
            ))
        ]  # fmt: skip
        assert column_cells[0] == column  # the options column is titled like the column
        assert [v for v in column_cells[1:] if v is not None] == labels

    def test_unit_columns_offer_the_known_unit_names(self, template_workbook, nanjing):
        _response, workbook = template_workbook
        validation = validations_by_column(workbook.worksheets[0])["登记管理机关"]
        assert set(option_labels(workbook, validation.formula1)) == {
            "南京市民政局", "南京市玄武区民政局", "南京市秦淮区民政局", "南京市教育局",
        }  # fmt: skip

    def test_free_text_columns_have_no_validation(self, template_workbook):
        _response, workbook = template_workbook
        found = validations_by_column(workbook.worksheets[0])
        for column in ("名称", "统一社会信用代码", "住所", "法定代表人", "从业人员数", "登记日期",
                       "所属街道"):  # fmt: skip
            assert column not in found

    def test_the_downloaded_template_with_its_example_row_imports_cleanly(
        self, clerk_client, template_workbook
    ):
        response, _workbook = template_workbook
        preview = upload(clerk_client, SimpleUploadedFile("模板.xlsx", response.content))
        assert preview.status_code == 200
        assert [str(e) for e in preview.context["report"].errors] == []
        assert preview.context["report"].created == 1


# ---------------------------------------------------------------------------------------
# Upload, preview, confirm
# ---------------------------------------------------------------------------------------


class TestUploadAndConfirm:
    def test_a_bad_file_redisplays_the_page_with_every_error_and_writes_nothing(
        self, clerk_client, settings
    ):
        response = upload(clerk_client, bad_file())
        assert response.status_code == 200
        html = response.content.decode()
        assert [str(e) for e in response.context["errors"]] == BAD_FILE_ERRORS
        for error in BAD_FILE_ERRORS:
            assert f"<li>{error}</li>" in html
        assert "发现 3 处问题，未写入任何数据" in html
        assert 'type="file"' in html  # the upload form is offered again
        assert 'name="token"' not in html
        assert "pending_import" not in clerk_client.session
        assert SocialOrg.objects.count() == 0
        assert pending_uploads(settings) == []  # the refused upload is not kept

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_a_good_file_shows_a_preview_and_writes_nothing_yet(self, clerk_client, fmt):
        response = upload(clerk_client, good_file(fmt))
        assert response.status_code == 200
        html = response.content.decode()
        assert "预览" in html
        assert "社会组织名册校验通过（未写入）：共2行，新增2，更新0，无变化0" in html
        assert html.count("<td>新增</td>") == 2
        assert f"南京市玄武区阳光志愿者协会（{CODE_ASSOCIATION}）" in html
        token = clerk_client.session["pending_import"]["token"]
        assert f'name="token" value="{token}"' in html
        assert "确认导入" in html
        assert SocialOrg.objects.count() == 0
        assert SocialOrg.history.count() == 0

    def test_confirming_writes_the_rows_and_returns_to_the_list(
        self, clerk_client, district_clerk, settings
    ):
        upload(clerk_client, good_file())
        token = clerk_client.session["pending_import"]["token"]
        response = confirm(clerk_client, token)
        assert response.status_code == 302
        assert response.url == reverse(CHANGELIST_URL)
        assert messages_of(response) == ["社会组织名册导入完成：共2行，新增2，更新0，无变化0"]
        assert sorted(SocialOrg.objects.values_list("name", flat=True)) == [
            "南京市玄武区第二协会", "南京市玄武区阳光志愿者协会"
        ]  # fmt: skip
        assert set(SocialOrg.history.values_list("history_user", flat=True)) == {district_clerk.pk}
        assert "pending_import" not in clerk_client.session
        assert pending_uploads(settings) == []

    def test_confirming_twice_imports_once_and_says_it_expired(self, clerk_client):
        upload(clerk_client, good_file())
        token = clerk_client.session["pending_import"]["token"]
        first = confirm(clerk_client, token)
        clerk_client.get(first.url)  # the list shows (and consumes) the success message
        history = SocialOrg.history.count()

        replay = confirm(clerk_client, token)

        assert replay.status_code == 302
        assert replay.url == reverse(IMPORT_URL)
        assert messages_of(replay) == [EXPIRED]
        assert SocialOrg.objects.count() == 2
        assert SocialOrg.history.count() == history

    def test_a_token_from_another_user_s_session_is_refused(self, clerk_client, xuanwu_registry):
        colleague = factories.UserFactory(username="colleague", unit=xuanwu_registry)
        other = Client()
        other.force_login(colleague)
        upload(clerk_client, good_file())
        token = clerk_client.session["pending_import"]["token"]

        stolen = confirm(other, token)

        assert stolen.status_code == 302
        assert messages_of(stolen) == [EXPIRED]
        assert SocialOrg.objects.count() == 0
        # The owner can still confirm their own upload.
        assert confirm(clerk_client, token).status_code == 302
        assert SocialOrg.objects.count() == 2
        assert set(SocialOrg.history.values_list("history_user__username", flat=True)) == {
            "xuanwu_clerk"
        }

    def test_a_token_from_another_user_is_refused_even_when_they_have_their_own_upload(
        self, clerk_client, xuanwu_registry
    ):
        colleague = factories.UserFactory(username="colleague", unit=xuanwu_registry)
        other = Client()
        other.force_login(colleague)
        upload(clerk_client, good_file())
        upload(other, SimpleUploadedFile(
            "另一份.xlsx",
            xlsx_bytes(rows_to_matrix([org_row({"名称": "南京市玄武区第三协会",
                                                "统一社会信用代码": uscc("51320102MJ0000303")})])),
        ))  # fmt: skip
        stolen = confirm(other, clerk_client.session["pending_import"]["token"])
        assert messages_of(stolen) == [EXPIRED]
        assert SocialOrg.objects.count() == 0

    @pytest.mark.parametrize("token", ["", "not-a-token", "../../../etc/passwd"])
    def test_a_confirm_without_a_valid_token_is_refused(self, clerk_client, token):
        upload(clerk_client, good_file())
        response = confirm(clerk_client, token)
        assert response.status_code == 302
        assert messages_of(response) == [EXPIRED]
        assert SocialOrg.objects.count() == 0

    def test_confirm_validates_again_and_writes_nothing_if_the_data_changed_meanwhile(
        self, clerk_client, make_org
    ):
        upload(clerk_client, good_file())
        token = clerk_client.session["pending_import"]["token"]
        # Between preview and confirm someone registers an org under the same name.
        make_org(name="南京市玄武区第二协会", uscc=uscc("51320102MJ0000909"))

        response = confirm(clerk_client, token)

        assert response.status_code == 200
        assert [str(e) for e in response.context["errors"]] == [
            "第3行 名称: 已有同名的正常状态社会组织"
        ]
        assert SocialOrg.objects.count() == 1

    @pytest.mark.parametrize("name", ["名册.xls", "名册.txt", "名册.pdf"])
    def test_the_upload_form_refuses_other_file_types(self, clerk_client, name, settings):
        response = upload(clerk_client, SimpleUploadedFile(name, b"whatever"))
        assert response.status_code == 200
        assert response.context["form"].errors == {"file": ["仅支持 .xlsx 和 .csv 文件"]}
        assert response.context["report"] is None
        assert pending_uploads(settings) == []

    def test_the_upload_form_refuses_a_file_over_the_size_limit(self, clerk_client, settings):
        file = good_file()
        settings.IMPORT_MAX_BYTES = file.size - 1
        response = upload(clerk_client, file)
        assert response.context["form"].errors["file"][0].startswith("文件超过")
        assert SocialOrg.objects.count() == 0

    def test_the_stored_upload_keeps_only_the_token_as_its_name(self, clerk_client, settings):
        upload(clerk_client, SimpleUploadedFile("../../evil name.xlsx", good_file().read()))
        pending = clerk_client.session["pending_import"]
        assert pending_uploads(settings) == [pending["token"] + ".xlsx"]
