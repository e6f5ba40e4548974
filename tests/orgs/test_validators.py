"""Codes (domain.md §3), the social org's model rules, and the archive document check."""

import csv
import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidFormat

from orgs.models import SocialOrg
from orgs.validators import normalize_code, uscc_problem, validate_document_file, validate_uscc
from tests.orgs.conftest import uscc, uscc_check, wrong_check

FOUNDATIONS = Path(settings.BASE_DIR).parent / "shared" / "reference" / "foundations.tsv"

# One valid code of each kind of issuer this project meets.
VALID_CODES = {
    "51 社会团体": uscc("51320102MJ5678901"),
    "52 社会服务机构（民办非企业单位）": uscc("52320104MJ1234567"),
    "53 基金会": uscc("53320000MJ0000012"),
    "31 律师事务所": uscc("31320000MD0194830"),
    "91 企业（会计师/税务师事务所）": uscc("91320102MA1N2P3Q4"),
    "python-stdnum's own example": "91110000600037341L",
    "a real foundation (foundations.tsv)": "531000005000185302",
    "a real foundation with X check": "5310000071784151X7",
}


class TestUsccCheck:
    @pytest.mark.parametrize("code", VALID_CODES.values(), ids=VALID_CODES.keys())
    def test_valid_codes_have_no_problem_and_pass_validate_uscc(self, code):
        assert uscc_problem(code) is None
        validate_uscc(code)  # does not raise

    def test_the_check_character_follows_the_published_weights(self):
        # Independent of python-stdnum: domain.md §3's weights and alphabet.
        for code in VALID_CODES.values():
            assert code[17] == uscc_check(code[:17])

    @pytest.mark.parametrize(
        "code, length",
        [
            ("", 0),
            ("51320102MJ567890", 16),
            ("51320102MJ5678901", 17),
            (VALID_CODES["51 社会团体"] + "0", 19),
            (VALID_CODES["51 社会团体"] * 2, 36),
        ],
    )
    def test_code_of_wrong_length_is_refused_naming_its_length(self, code, length):
        assert uscc_problem(code) == f"统一社会信用代码应为18位，当前为{length}位"
        with pytest.raises(ValidationError) as raised:
            validate_uscc(code)
        assert raised.value.code == "invalid_uscc"
        assert raised.value.messages == [f"统一社会信用代码应为18位，当前为{length}位"]

    @pytest.mark.parametrize("letter", list("IOSVZ"))
    def test_each_letter_outside_the_alphabet_is_refused_by_name(self, letter):
        code = "51320102MJ" + letter + "678901E"
        assert uscc_problem(code) == (
            f"统一社会信用代码含有不允许的字符“{letter}”（不使用I、O、S、V、Z）"
        )

    def test_several_forbidden_characters_are_all_named_once_in_order(self):
        code = "51320102ZOISVO01E"[:17] + "I"
        assert len(code) == 18
        assert uscc_problem(code) == (
            "统一社会信用代码含有不允许的字符“IOSVZ”（不使用I、O、S、V、Z）"
        )

    def test_punctuation_is_not_a_code_character(self):
        assert uscc_problem("51320102MJ56789#1E") == (
            "统一社会信用代码含有不允许的字符“#”（不使用I、O、S、V、Z）"
        )

    @pytest.mark.parametrize("code", VALID_CODES.values(), ids=VALID_CODES.keys())
    def test_uscc_with_wrong_check_character_is_refused_naming_the_expected_one(self, code):
        bad = wrong_check(code)
        message = f"统一社会信用代码校验位错误，应为“{code[17]}”"
        assert uscc_problem(bad) == message
        with pytest.raises(ValidationError) as raised:
            validate_uscc(bad)
        assert raised.value.messages == [message]

    @pytest.mark.parametrize(
        "typed",
        [
            "51320102mj5678901",  # lower case
            "５１３２０１０２ＭＪ５６７８９０１",  # full-width digits and letters
            "５１３２０１０２ｍｊ５６７８９０１",  # full-width lower case
            " 51320102 MJ5678901 ",  # spaces
            "\u300051320102\u3000MJ5678901\u3000",  # ideographic spaces
            "51320102-MJ567890-1",  # hyphens
            "5132 0102\tMJ56\u00a078901",  # tab and no-break space
        ],
    )
    def test_lower_case_full_width_and_spaces_are_normalized(self, typed):
        expected = VALID_CODES["51 社会团体"]
        check = expected[17]
        full = typed + (check.lower() if typed.strip().islower() else check)
        assert normalize_code(full) == expected
        assert uscc_problem(normalize_code(full)) is None
        validate_uscc(full)  # normalizes before it checks

    @pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
    def test_normalize_code_of_nothing_is_empty(self, value):
        assert normalize_code(value) == ""

    @pytest.mark.parametrize(
        "body",
        [
            "N1320102MA1N2P3Q4",  # registering department N (农业)
            "Y1320102MA1N2P3Q4",  # registering department Y (其他)
            "9132010AMA1N2P3Q4",  # a letter inside the first eight characters
        ],
    )
    def test_codes_with_letters_in_the_first_eight_characters_pass_when_the_check_is_right(
        self, body
    ):
        code = uscc(body)
        assert uscc_problem(code) is None
        validate_uscc(code)
        assert uscc_problem(wrong_check(code)) == (f"统一社会信用代码校验位错误，应为“{code[17]}”")
        # The gap our wrapper closes: python-stdnum's own validate refuses these codes.
        with pytest.raises(InvalidFormat):
            stdnum_uscc.validate(code)
        assert not stdnum_uscc.is_valid(code)

    def test_real_foundation_codes_fail_exactly_four_times_on_the_check_character(self):
        with FOUNDATIONS.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        assert len(rows) == 387
        failures = []
        for row in rows:
            problem = uscc_problem(normalize_code(row["uscc"]))
            if problem:
                failures.append((row["inst_nm"], row["uscc"], problem))
        for name, code, problem in failures:
            print(f"{name}\t{code}\t{problem}")
        assert len(failures) == 4
        assert all("校验位错误" in problem for _name, _code, problem in failures)
        assert sorted((name, code) for name, code, _problem in failures) == sorted(
            [
                ("新乡市环卫爱心基金会", "534100000689155970"),
                ("河南省平煤医疗风险救助基金会", "534100005516025980"),
                ("河南省关心下一代基金会", "534100005724737020"),
                ("河南省浙鑫助残救孤基金会", "534100005724553980"),
            ]
        )
        # Every code that passes is a 基金会 code: 5 (民政) then 3.
        passing = [row["uscc"] for row in rows if not uscc_problem(normalize_code(row["uscc"]))]
        assert all(normalize_code(code).startswith("53") for code in passing)


# ---------------------------------------------------------------------------------------
# SocialOrg.full_clean
# ---------------------------------------------------------------------------------------


def org(nanjing, **fields):
    """An unsaved, valid 玄武区 association; `fields` change it."""
    values = dict(
        name="南京市玄武区规则测试协会",
        uscc=uscc("51320102MJ0000101"),
        kind=SocialOrg.Kind.ASSOCIATION,
        sector="social_service",
        registration_authority=nanjing.xuanwu_registry,
        registration_level=SocialOrg.RegistrationLevel.DISTRICT,
        registered_on=datetime.date(2019, 5, 20),
        district=nanjing.xuanwu,
        legal_representative="王某某",
        staff_count=3,
    )
    values.update(fields)
    return SocialOrg(**values)


def errors_of(instance):
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    return raised.value.message_dict


KIND_PREFIX = [
    # kind, code prefix, error or None
    (SocialOrg.Kind.ASSOCIATION, "51", None),
    (SocialOrg.Kind.ASSOCIATION, "52", "社会团体的统一社会信用代码应以51开头"),
    (SocialOrg.Kind.ASSOCIATION, "91", "社会团体的统一社会信用代码应以51开头"),
    (SocialOrg.Kind.SERVICE, "52", None),
    (SocialOrg.Kind.SERVICE, "51", "社会服务机构的统一社会信用代码应以52开头"),
    (SocialOrg.Kind.FOUNDATION, "53", None),
    (SocialOrg.Kind.FOUNDATION, "51", "基金会的统一社会信用代码应以53开头"),
    (SocialOrg.Kind.LAW_FIRM, "31", None),
    (SocialOrg.Kind.LAW_FIRM, "91", "律师事务所的统一社会信用代码应以31开头"),
    (SocialOrg.Kind.ACCOUNTING_FIRM, "91", None),
    (SocialOrg.Kind.ACCOUNTING_FIRM, "31", None),
    (SocialOrg.Kind.TAX_FIRM, "91", None),
    (SocialOrg.Kind.TAX_FIRM, "52", None),
]


@pytest.mark.django_db
class TestSocialOrgRules:
    @pytest.mark.parametrize("kind, prefix, error", KIND_PREFIX)
    def test_uscc_prefix_must_agree_with_the_kind_except_for_accounting_and_tax_firms(
        self, nanjing, justice_bureau, kind, prefix, error
    ):
        civil = SocialOrg.Kind(kind).registered_by_civil_affairs
        instance = org(
            nanjing,
            kind=kind,
            uscc=uscc(prefix + "320102MJ0000101"),
            registration_authority=nanjing.xuanwu_registry if civil else justice_bureau,
            registration_level="district" if civil else "city",
        )
        if error is None:
            instance.full_clean()
        else:
            assert errors_of(instance) == {"uscc": [error]}

    @pytest.mark.parametrize(
        "typed",
        [
            lambda code: code.lower(),
            lambda code: code[:8] + "ｍｊ" + code[10:],
            lambda code: code.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        ],
        ids=["lower case", "full-width lower-case letters", "full-width digits"],
    )
    def test_uscc_of_eighteen_characters_is_normalized_by_clean(self, nanjing, typed):
        code = uscc("51320102MJ0000101")
        instance = org(nanjing, uscc=typed(code))
        instance.full_clean()
        assert instance.uscc == code

    @pytest.mark.parametrize(
        "typed",
        [
            lambda code: code[:8] + " " + code[8:],
            lambda code: "\u3000" + code + "\u3000",
            lambda code: code[:8] + "-" + code[8:],
        ],
        ids=["inner space", "ideographic spaces around", "hyphen"],
    )
    def test_uscc_with_spaces_is_normalized_by_clean_not_refused_as_too_long(self, nanjing, typed):
        # SocialOrg.clean normalizes the code, but Django's max_length=18 check runs first
        # (clean_fields before clean) and refuses the 19- or 20-character input.
        code = uscc("51320102MJ0000101")
        instance = org(nanjing, uscc=typed(code))
        instance.full_clean()
        assert instance.uscc == code

    def test_a_bad_uscc_is_refused_with_the_wrapper_s_message(self, nanjing):
        code = uscc("51320102MJ0000101")
        assert errors_of(org(nanjing, uscc=wrong_check(code)))["uscc"] == [
            f"统一社会信用代码校验位错误，应为“{code[17]}”"
        ]

    @pytest.mark.parametrize(
        "kind",
        [k for k in SocialOrg.Kind if k != SocialOrg.Kind.COMMUNITY_FILED],
    )
    @pytest.mark.parametrize("empty", [None, "", "  "])
    def test_uscc_is_required_unless_the_org_is_a_filed_community_org(
        self, nanjing, justice_bureau, kind, empty
    ):
        civil = SocialOrg.Kind(kind).registered_by_civil_affairs
        instance = org(
            nanjing,
            kind=kind,
            uscc=empty,
            registration_authority=nanjing.xuanwu_registry if civil else justice_bureau,
            registration_level="district" if civil else "city",
        )
        assert "除备案的社区社会组织外，统一社会信用代码必填" in errors_of(instance)["uscc"]

    @pytest.mark.parametrize("empty", [None, ""])
    def test_a_filed_community_org_needs_no_code_and_is_flagged_community(self, nanjing, empty):
        instance = org(nanjing, kind=SocialOrg.Kind.COMMUNITY_FILED, uscc=empty, is_community=False)
        instance.full_clean()
        assert instance.uscc is None
        assert instance.is_community is True

    def test_a_filed_community_org_with_a_code_is_still_flagged_community(self, nanjing):
        instance = org(nanjing, kind=SocialOrg.Kind.COMMUNITY_FILED, is_community=False)
        instance.full_clean()
        assert instance.is_community is True

    @pytest.mark.parametrize(
        "field, label",
        [
            ("registered_on", "登记日期"),
            ("commitment_signed_on", "承诺书签订日期"),
            ("survey_filed_on", "党员情况调查表填报日期"),
        ],
    )
    def test_a_date_in_the_future_is_refused_naming_the_field(self, nanjing, field, label):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        assert errors_of(org(nanjing, **{field: tomorrow})) == {field: [f"{label}不能晚于今天"]}
        org(nanjing, **{field: timezone.localdate()}).full_clean()  # today is fine

    def test_a_street_outside_the_district_is_refused(self, nanjing):
        instance = org(nanjing, street=nanjing.qinhuai_street)
        assert errors_of(instance) == {"street": ["所属街道不在所属区县内"]}
        org(nanjing, street=nanjing.xuanwu_street).full_clean()

    @pytest.mark.parametrize(
        "kind, authority, level, error",
        [
            ("association", "xuanwu_registry", "district", None),
            ("foundation", "city_registry", "city", None),
            ("community_filed", "xuanwu_registry", "district", None),
            (
                "association",
                "education_bureau",
                "city",
                (
                    "registration_authority",
                    "社会团体的登记管理机关应为登记机关（民政部门），“南京市教育局”不是",
                ),
            ),
            (
                "service",
                "education_bureau",
                "city",
                (
                    "registration_authority",
                    "社会服务机构的登记管理机关应为登记机关（民政部门），“南京市教育局”不是",
                ),
            ),
            (
                "community_filed",
                "education_bureau",
                "city",
                (
                    "registration_authority",
                    "社区社会组织(备案)的登记管理机关应为登记机关（民政部门），“南京市教育局”不是",
                ),
            ),
            (
                "association",
                "xuanwu_registry",
                "city",
                (
                    "registration_level",
                    "登记级别应与登记管理机关“南京市玄武区民政局”的级别（区县级）一致",
                ),
            ),
            (
                "foundation",
                "city_registry",
                "district",
                ("registration_level", "登记级别应与登记管理机关“南京市民政局”的级别（市级）一致"),
            ),
        ],
    )
    def test_civil_affairs_kinds_need_a_registration_office_of_the_registration_level(
        self, nanjing, kind, authority, level, error
    ):
        prefix = {"association": "51", "service": "52", "foundation": "53"}.get(kind, "51")
        instance = org(
            nanjing,
            kind=kind,
            uscc=uscc(prefix + "320102MJ0000101"),
            registration_authority=getattr(nanjing, authority),
            registration_level=level,
        )
        if error is None:
            instance.full_clean()
        else:
            field, message = error
            assert errors_of(instance) == {field: [message]}

    def test_a_law_firm_may_be_licensed_by_a_non_registration_unit(self, nanjing, justice_bureau):
        org(
            nanjing,
            kind=SocialOrg.Kind.LAW_FIRM,
            uscc=uscc("31320000MD0194830"),
            sector="legal",
            registration_authority=justice_bureau,
            registration_level="district",  # not compared for professional firms
        ).full_clean()

    @pytest.mark.parametrize("count, ok", [(-1, False), (-100, False), (0, True), (5000, True)])
    def test_staff_count_must_not_be_negative(self, nanjing, count, ok):
        instance = org(nanjing, staff_count=count)
        if ok:
            instance.full_clean()
        else:
            assert "staff_count" in errors_of(instance)


# ---------------------------------------------------------------------------------------
# validate_document_file
# ---------------------------------------------------------------------------------------


def minimal_pdf():
    """A real one-page PDF, offsets and all."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
ZIP = b"PK\x03\x04" + b"\x00" * 32
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 32


def check(name, content):
    upload = SimpleUploadedFile(name, content)
    try:
        validate_document_file(upload)
    except ValidationError as exc:
        return exc.code, exc.messages[0]
    finally:
        assert upload.tell() == 0  # the file is left ready to be saved
    return None, None


class TestDocumentFile:
    @pytest.mark.parametrize(
        "name, content",
        [
            ("承诺书.pdf", minimal_pdf()),
            ("SCAN.PDF", minimal_pdf()),
            ("调查表.png", PNG),
            ("photo.jpg", JPEG),
            ("photo.jpeg", JPEG),
            ("报告.docx", ZIP),
            ("台账.xlsx", ZIP),
            ("电子证照.ofd", ZIP),
            ("旧报告.doc", OLE),
            ("旧台账.xls", OLE),
        ],
    )
    def test_allowed_type_with_matching_content_is_accepted(self, name, content):
        assert check(name, content) == (None, None)

    @pytest.mark.parametrize(
        "name, shown",
        [
            ("setup.exe", "exe"),
            ("page.html", "html"),
            ("archive.zip", "zip"),
            ("script.pdf.js", "js"),
            ("no_extension", "无扩展名"),
        ],
    )
    def test_extension_outside_the_whitelist_is_refused_naming_it(self, name, shown):
        code, message = check(name, minimal_pdf())
        assert code == "file_type"
        assert message.startswith(f"不支持的文件类型“{shown}”，允许：")
        for ext in settings.ARCHIVE_DOCUMENT_EXTENSIONS:
            assert ext in message

    @pytest.mark.parametrize(
        "name, content",
        [
            ("承诺书.pdf", EXE),  # an executable renamed .pdf
            ("承诺书.pdf", b"<html><script>alert(1)</script></html>"),
            ("调查表.png", JPEG),
            ("photo.jpg", PNG),
            ("报告.docx", OLE),
            ("旧报告.doc", ZIP),
            ("空文件.pdf", b""),
        ],
    )
    def test_content_not_matching_the_extension_is_refused(self, name, content):
        ext = name.rsplit(".", 1)[-1]
        assert check(name, content) == ("file_content", f"文件内容与扩展名“{ext}”不符")

    def test_a_file_over_the_size_limit_is_refused(self, settings):
        pdf = minimal_pdf()
        settings.ARCHIVE_DOCUMENT_MAX_BYTES = len(pdf) - 1
        code, _message = check("承诺书.pdf", pdf)
        assert code == "file_size"
        settings.ARCHIVE_DOCUMENT_MAX_BYTES = len(pdf)
        assert check("承诺书.pdf", pdf) == (None, None)

    def test_the_size_message_names_the_limit_in_megabytes(self, settings):
        settings.ARCHIVE_DOCUMENT_MAX_BYTES = 2 * 2**20
        code, message = check("大文件.pdf", b"%PDF-" + b"0" * (2 * 2**20))
        assert (code, message) == ("file_size", "文件超过2MB")
