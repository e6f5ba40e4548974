"""一社一档 (ledger.dossier.Dossier): the PDF of one org's archive read back (its name,
its Party organizations, masked ID and phone numbers, the year's activities, a CJK font),
the JSON's keys, a fixed number of queries, the year's records only, and scope denial.

The city (tests/ledger/conftest.py): 玄武区甲协会 (A) is covered by its own branch P_A
and by the joint J; three members work there, a1 the secretary of P_A.
"""

import datetime
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from pypdf import PdfReader

from assessments.models import Activity
from ledger import catalog, targets
from ledger import dossier as ledger_dossier
from ledger.dossier import Dossier, labelled, shown
from ledger.exporters import export
from members.models import Member, Post
from orgs.models import MassOrganization, OrgDocument, SocialOrg
from tests import factories
from tests.ledger.conftest import TODAY

D = datetime.date
YEAR = TODAY.year
TOPIC = "学习贯彻党章专题组织生活会"
OLD_TOPIC = "二〇二五年度主题党日旧活动"
PHONE = "13812345678"
MAX_QUERIES = 25
JSON_KEYS = {
    "year", "as_of", "org", "year_record", "documents", "mass_organizations", "instructors",
    "coverage_plans", "party_organizations", "members", "activities", "assessments",
    "member_reviews",
}  # fmt: skip


def written(exporter, fmt):
    out = io.BytesIO()
    export(exporter, fmt, out)
    return out.getvalue()


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def embedded_fonts(reader):
    names = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            for descendant in font.get_object().get("/DescendantFonts", [font]):
                descendant = descendant.get_object()
                descriptor = descendant.get("/FontDescriptor")
                if descriptor is not None and (
                    "/FontFile2" in descriptor.get_object()
                    or "/FontFile3" in descriptor.get_object()
                ):
                    names.append(str(descendant["/BaseFont"]))
    return names


@pytest.fixture
def org(city, settings, tmp_path):
    """A, with this year's record, a document, a mass organization, an activity of this
    year and one of last year, an assessment and reviews of this year."""
    settings.MEDIA_ROOT = tmp_path
    a = city.orgs["A"]
    p_a = city.party_orgs["A"]
    a1 = city.m["a1"]
    Member.objects.filter(pk=a1.pk).update(phone=PHONE)
    factories.OrgYearRecordFactory(
        org=a, year=YEAR, inspection_result="passed", inspection_party_notes="党建检查合格"
    )
    factories.OrgYearRecordFactory(org=a, year=YEAR - 1, inspection_party_notes="去年的记录")
    document = OrgDocument(
        org=a, kind=OrgDocument.Kind.COMMITMENT, title="党建工作承诺书（2026）",
        original_name="承诺书.pdf", size=3,
    )  # fmt: skip
    document.file.save("承诺书.pdf", ContentFile(b"%PD"), save=True)
    MassOrganization.objects.create(org=a, kind="youth_league", founded_on=D(2024, 5, 4))
    Activity.objects.create(
        party_org=p_a, kind=Activity.Kind.LIFE_MEETING, held_on=D(YEAR, 4, 20), topic=TOPIC
    )
    Activity.objects.create(
        party_org=p_a, kind=Activity.Kind.THEME_DAY, held_on=D(YEAR - 1, 9, 1), topic=OLD_TOPIC
    )
    factories.PartyOrgAssessmentFactory(party_org=p_a, year=YEAR, grade="excellent")
    factories.MemberReviewFactory(member=a1, year=YEAR, reviewed_on=D(YEAR, 1, 10))
    factories.MemberReviewFactory(member=city.m["a2"], year=YEAR, reviewed_on=D(YEAR, 1, 10))
    Post.objects.create(
        kind=Post.Kind.COMMITTEE_MEMBER, member=city.m["a2"], party_org=p_a,
        started_on=D(2024, 7, 1),
    )  # fmt: skip
    return a


def dossier(org, year=YEAR):
    return Dossier(targets.org_target(org), year, today=TODAY)


# --- the PDF ------------------------------------------------------------------------------


def test_the_pdf_shows_the_archive_its_party_organizations_and_masked_members(org, city):
    text, reader = pdf_text(written(dossier(org), "pdf"))
    flat = " ".join(text.split())
    assert "一社一档：玄武区甲协会" in flat
    assert "玄武区甲协会" in flat and org.uscc in flat
    # Both Party organizations covering it, the secretary and a committee member.
    assert "中共玄武区甲协会支部委员会" in flat
    assert "中共秦淮玄武社会组织联合支部委员会" in flat
    assert f"书记 {city.m['a1'].name}" in flat
    assert f"委员 {city.m['a2'].name}" in flat
    # Members: masked ID numbers and phones, never the full ones.
    a1 = city.m["a1"]
    assert a1.id_number_masked in flat
    for member in Member.objects.filter(workplace=org):
        assert member.id_number not in flat
    assert "138****5678" in flat and PHONE not in flat
    # The year's activity, not last year's; the documents listed; the year's record.
    assert TOPIC in flat and OLD_TOPIC not in flat
    assert "党建工作承诺书（2026）" in flat and "承诺书.pdf" in flat
    assert "党建检查合格" in flat and "去年的记录" not in flat
    assert "共青团" in flat
    # Chinese labels of the archive's fields.
    assert "统一社会信用代码" in flat and "法定代表人" in flat and "管理体制" in flat
    assert any("CJK" in name or "Noto" in name for name in embedded_fonts(reader))


def test_every_field_of_the_archive_is_printed_under_its_chinese_label(org):
    org = SocialOrg.objects.get(pk=org.pk)
    labels = [label for label, _value in labelled(org)]
    expected = [str(f.verbose_name) for f in SocialOrg._meta.concrete_fields if not f.primary_key]
    assert labels == expected
    text, _reader = pdf_text(written(dossier(org), "pdf"))
    flat = "".join(text.split())
    missing = [label for label in expected if "".join(label.split()) not in flat]
    assert missing == []


@pytest.mark.parametrize(
    ("field", "value", "printed"),
    [
        ("kind", SocialOrg.Kind.ASSOCIATION, "社会团体"),
        ("is_key", True, "是"),
        ("is_key", False, "否"),
        ("head_is_party_member", None, "未填写"),
        ("address", "", "—"),
        ("registered_on", D(2015, 6, 1), "2015-06-01"),
    ],
    ids=[
        "a choice prints its label",
        "yes",
        "no",
        "an unknown yes-or-no says so",
        "an empty text is a dash",
        "a date is ISO",
    ],
)
def test_a_field_prints_as_a_person_reads_it(org, field, value, printed):
    setattr(org, field, value)
    assert shown(org, SocialOrg._meta.get_field(field)) == printed


def test_a_past_year_s_dossier_has_that_year_s_activities_and_record(org):
    text, _reader = pdf_text(written(dossier(org, YEAR - 1), "pdf"))
    flat = " ".join(text.split())
    assert OLD_TOPIC in flat and TOPIC not in flat
    assert "去年的记录" in flat and "党建检查合格" not in flat
    assert "尚未考核" in flat  # the assessment is of this year


# --- JSON -----------------------------------------------------------------------------------


def test_the_json_has_its_keys_and_masks_the_members(org, city):
    data = json.loads(written(dossier(org), "json"))
    assert set(data) == JSON_KEYS
    assert data["org"]["name"] == "玄武区甲协会" and data["org"]["uscc"] == org.uscc
    assert data["org"]["district"] == "玄武区"
    assert {p["name"] for p in data["party_organizations"]} == {
        city.party_orgs["A"].name, city.party_orgs["J"].name,
    }  # fmt: skip
    members = {m["name"]: m for m in data["members"]}
    a1 = city.m["a1"]
    assert members[a1.name]["id_number"] == a1.id_number_masked != a1.id_number
    assert members[a1.name]["phone"] == "138****5678"
    assert [a["topic"] for a in data["activities"] if a["topic"] == TOPIC] == [TOPIC]
    assert OLD_TOPIC not in {a["topic"] for a in data["activities"]}
    assert data["assessments"][0]["grade"] == "excellent"
    assert data["member_reviews"] == [
        {"party_org": city.party_orgs["A"].name, "excellent": 0, "pass": 2, "basic": 0,
         "fail": 0},
    ]  # fmt: skip
    assert data["documents"][0]["file_name"] == "承诺书.pdf"
    assert "file" not in data["documents"][0]  # listed, not attached
    assert data["year_record"]["year"] == YEAR


# --- queries ---------------------------------------------------------------------------------


def test_the_dossier_takes_a_fixed_number_of_queries(org, city, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES) as context:
        written(dossier(org), "pdf")
    small = len(context.captured_queries)
    # More of everything the dossier lists: the same number of queries.
    p_a = city.party_orgs["A"]
    for index in range(6):
        member = city.member(org, p_a)
        Activity.objects.create(
            party_org=p_a, kind=Activity.Kind.THEME_DAY, held_on=D(YEAR, 5, index + 1),
            topic=f"扩充活动{index}",
        ).attendees.set([member])  # fmt: skip
        OrgDocument.objects.create(org=org, kind="other", title=f"材料{index}", file="x.pdf")
    with django_assert_max_num_queries(MAX_QUERIES) as context:
        written(dossier(org), "pdf")
    assert len(context.captured_queries) == small


# --- scope and refusals ----------------------------------------------------------------------


def test_only_a_user_whose_scope_holds_the_org_gets_its_dossier(org, city, users, client):
    key = f"org:{org.pk}"
    own = catalog.exporter_for(users["xuanwu_two_new"], "dossier", key, YEAR, today=TODAY)
    assert isinstance(own, Dossier)
    for role in ("qinhuai_two_new", "education"):
        assert catalog.exporter_for(users[role], "dossier", key, YEAR, today=TODAY) is None
    url = reverse("ledger:dossier", args=[org.pk])
    client.force_login(users["qinhuai_two_new"])
    assert client.get(url).status_code == 404
    client.force_login(users["xuanwu_two_new"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_a_dossier_needs_an_org(city):
    with pytest.raises(ValueError, match="一社一档须指定一个社会组织"):
        Dossier(targets.city_target(), YEAR, today=TODAY)


def test_title_and_scope(org):
    exporter = dossier(org)
    assert exporter.title == "一社一档：玄武区甲协会"
    assert exporter.scope_label == "玄武区甲协会"


def test_an_org_of_hundreds_of_members_goes_to_the_background(org, city, django_assert_num_queries):
    exporter = dossier(org)
    activities = Activity.objects.filter(party_org=city.party_orgs["A"], held_on__year=YEAR)
    expected = 3 + activities.count()  # the members working there and this year's activities
    with django_assert_num_queries(2):
        assert exporter.size() == expected
    assert not exporter.runs_in_background("pdf")
    Member.objects.bulk_create(
        [
            Member(
                name=f"批量党员{n}", id_number=f"32010219800101{n:04d}", gender="male",
                birth_date=D(1980, 1, 1), workplace=org, category="probationary",
                joined_on=D(2025, 1, 1),
            )
            for n in range(260)
        ]
    )  # fmt: skip
    assert dossier(org).runs_in_background("pdf")


def test_a_party_organization_of_hundreds_of_activities_goes_to_the_background_too(org, city):
    Activity.objects.bulk_create(
        [
            Activity(party_org=city.party_orgs["A"], kind=Activity.Kind.THEME_DAY,
                     held_on=D(YEAR, 1 + n % 12, 1 + n % 28), topic=f"主题党日{n}")
            for n in range(260)
        ]
    )  # fmt: skip
    assert dossier(org).runs_in_background("pdf")
    assert not dossier(org, YEAR - 1).runs_in_background("pdf")  # another year's


def test_a_long_dossier_renders_in_parts_numbered_as_one(org, city, monkeypatch):
    monkeypatch.setattr(ledger_dossier, "PART_ROWS", 2)
    exporter = dossier(org)
    parts = exporter.pdf_parts()
    # Three members in two pieces, eight activities of P_A this year in four.
    assert [p.context["sections"] for p in parts] == [
        ("archive", "party_orgs"), ("members",), ("members",), ("activities",),
        ("activities",), ("activities",), ("activities", "assessments"),
    ]  # fmt: skip
    text, reader = pdf_text(written(exporter, "pdf"))
    flat = " ".join(text.split())
    pages = len(reader.pages)
    assert pages >= len(parts)
    assert f"第 {pages} 页 / 共 {pages} 页" in flat
    for key in ("a1", "a2", "a3"):
        assert city.m[key].id_number_masked in flat
    assert "六、党员（续）" in flat and "七、2026年度组织生活（续）" in flat
    # In order: the archive, the members, the activities, the assessments.
    order = [flat.index(word) for word in ("一、基本信息", "六、党员", TOPIC, "八、")]
    assert order == sorted(order)
