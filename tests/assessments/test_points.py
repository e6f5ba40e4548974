"""积分考核 (§六): members' points under the city's point rules (assessments.points.score),
their ranking (points.rank), the rules and entries the models refuse
(PointRule.clean, PointEntry.clean), the ranking of a Party organization gathered from the
database (selectors.point_ranking), and who may see the ranking page and keep rules and
entries in the admin.

The world is tests/members/fixtures_admin.party_world: the secretary holds 启明培训学校党支部
("school", founded 1 July 2022), whose members on the register are 王启明 ("m_school") and
周外出 ("m_away"). The clock is frozen on 15 June 2025 (Asia/Shanghai); the ranking is of 2024.
"""

import datetime
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import points, selectors
from assessments.models import Activity, PointEntry, PointRule
from assessments.models.points import SERVICE_KINDS
from assessments.points import ABSENCE, ATTENDANCE, ENTRY, REVIEW, SERVICE, Facts, Rule
from members.models import Member
from orgs.models import Unit
from tests import factories
from tests.factories import ActivityFactory, MemberReviewFactory
from tests.members import fixtures_admin
from tests.members.fixtures_admin import MemberFactory, PartyOrganizationFactory, id_number

party_world = fixtures_admin.party_world

D = datetime.date
TODAY = D(2025, 6, 15)
YEAR = 2024
# Birth day of this module's members: no other fixture's ID numbers use it.
BIRTH = "19860606"
SERIALS = itertools.count(1)

K = Activity.Kind
B = PointRule.Basis
LIFE_KINDS = frozenset(kind for kind in K.values if kind not in SERVICE_KINDS)
SERVICE_KIND_SET = frozenset(SERVICE_KINDS)

POINTS_PAGE = "assessments:points"
ENTRY_ADD = "admin:assessments_pointentry_add"
RULE_ADD = "admin:assessments_pointrule_add"


@pytest.fixture(autouse=True)
def frozen_clock():
    moment = datetime.datetime.combine(TODAY, datetime.time(12), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


def member(name="", **kwargs):
    kwargs.setdefault("id_number", id_number(next(SERIALS), birth=BIRTH))
    if name:
        kwargs["name"] = name
    return MemberFactory(**kwargs)


# --- points.score, rule by rule ---------------------------------------------------------


def rule(basis, value, *, key="r", kind="", grade="", cap=None):
    return Rule(
        key=key,
        name=str(key),
        basis=basis,
        points=Decimal(value),
        activity_kind=kind,
        review_grade=grade,
        cap=None if cap is None else Decimal(cap),
    )


def score(rules, **facts):
    return points.score(
        rules, Facts(**facts), service_kinds=SERVICE_KIND_SET, life_kinds=LIFE_KINDS
    )


def lines_of(result):
    """{rule key: (times, points)} of a score's lines."""
    _total, lines = result
    return {line.rule.key: (line.times, line.points) for line in lines}


@pytest.mark.parametrize(
    ("attended", "times", "expected"),
    [
        ({}, 0, "0"),
        ({K.GENERAL_MEETING: 1}, 1, "2"),
        ({K.GENERAL_MEETING: 3}, 3, "6"),
        # Other kinds of organizational life and service do not count for this rule.
        ({K.GENERAL_MEETING: 2, K.THEME_DAY: 5, K.VOLUNTEER: 4}, 2, "4"),
        ({K.THEME_DAY: 5}, 0, "0"),
    ],
)
def test_attending_a_general_meeting_scores_the_rule_s_points_each_time(attended, times, expected):
    meeting = rule(ATTENDANCE, "2", key="meeting", kind=K.GENERAL_MEETING)
    result = score([meeting], attended=attended)
    assert result[0] == Decimal(expected)
    assert lines_of(result) == ({"meeting": (times, Decimal(expected))} if times else {})


@pytest.mark.parametrize(
    ("attended", "times"),
    [
        ({K.GENERAL_MEETING: 1, K.THEME_DAY: 2, K.OBSERVATION: 1}, 4),
        # Service is not organizational life.
        ({K.GENERAL_MEETING: 1, K.VOLUNTEER: 3, K.PIONEER: 1}, 1),
        ({K.VOLUNTEER: 3}, 0),
    ],
)
def test_an_attendance_rule_without_kind_counts_every_kind_of_organizational_life(attended, times):
    life = rule(ATTENDANCE, "1.5", key="life")
    result = score([life], attended=attended)
    assert result[0] == Decimal("1.5") * times
    assert lines_of(result) == ({"life": (times, Decimal("1.5") * times)} if times else {})


@pytest.mark.parametrize(
    ("attended", "times", "expected"),
    [
        (1, 1, "2"),
        (2, 2, "4"),
        (3, 3, "5"),  # 6 capped at 5
        (10, 10, "5"),  # the line still tells how many times
    ],
)
def test_a_yearly_cap_limits_the_points_of_a_rule(attended, times, expected):
    meeting = rule(ATTENDANCE, "2", key="meeting", kind=K.GENERAL_MEETING, cap="5")
    result = score([meeting], attended={K.GENERAL_MEETING: attended})
    assert result == (Decimal(expected), result[1])
    assert lines_of(result) == {"meeting": (times, Decimal(expected))}


@pytest.mark.parametrize(
    ("absent", "times", "expected"),
    [
        (1, 1, "-2"),
        (2, 2, "-4"),
        (3, 3, "-5"),  # -6 limited to -5
        (7, 7, "-5"),
    ],
)
def test_a_negative_cap_limits_deductions(absent, times, expected):
    missing = rule(ABSENCE, "-2", key="absent", cap="5")
    result = score([missing], absent={K.THEME_DAY: absent})
    assert result[0] == Decimal(expected)
    assert lines_of(result) == {"absent": (times, Decimal(expected))}


def test_a_cap_of_zero_keeps_the_line_at_zero_points():
    meeting = rule(ATTENDANCE, "2", key="meeting", cap="0")
    result = score([meeting], attended={K.GENERAL_MEETING: 3})
    assert result[0] == Decimal(0)
    assert lines_of(result) == {"meeting": (3, Decimal(0))}


@pytest.mark.parametrize(
    ("rule_kind", "absent", "times"),
    [
        # A rule without kind counts the absences from organizational life.
        ("", {K.GENERAL_MEETING: 1, K.THEME_DAY: 2}, 3),
        # A service kind is no required organizational life: never an absence.
        ("", {K.GENERAL_MEETING: 1, K.VOLUNTEER: 4}, 1),
        # A rule of one kind counts only that kind.
        (K.THEME_DAY, {K.GENERAL_MEETING: 1, K.THEME_DAY: 2}, 2),
        (K.PARTY_LECTURE, {K.GENERAL_MEETING: 1, K.THEME_DAY: 2}, 0),
    ],
)
def test_absence_counts_only_required_kinds(rule_kind, absent, times):
    missing = rule(ABSENCE, "-1", key="absent", kind=rule_kind)
    result = score([missing], absent=absent)
    assert result[0] == Decimal(-times)
    assert lines_of(result) == ({"absent": (times, Decimal(-times))} if times else {})


def test_absence_and_attendance_are_counted_from_their_own_facts():
    attended = rule(ATTENDANCE, "1", key="attended")
    missing = rule(ABSENCE, "-1", key="absent")
    result = score([attended, missing], attended={K.THEME_DAY: 4}, absent={K.GENERAL_MEETING: 1})
    assert lines_of(result) == {"attended": (4, Decimal(4)), "absent": (1, Decimal(-1))}
    assert result[0] == Decimal(3)


@pytest.mark.parametrize(
    ("grade", "lines"),
    [
        ("excellent", {"excellent": (1, Decimal(10))}),
        ("fail", {"fail": (1, Decimal(-10))}),
        ("pass", {}),
        ("", {}),  # no review held this year
    ],
)
def test_review_grade_scores_once(grade, lines):
    rules = [
        rule(REVIEW, "10", key="excellent", grade="excellent"),
        rule(REVIEW, "-10", key="fail", grade="fail"),
    ]
    result = score(rules, review_grade=grade)
    assert lines_of(result) == lines
    assert result[0] == sum((p for _t, p in lines.values()), Decimal(0))


def test_a_review_rule_without_grade_never_scores():
    # PointRule.clean refuses it; the pure function does not score an empty grade.
    result = score([rule(REVIEW, "5", key="none")], review_grade="")
    assert result == (Decimal(0), ())


@pytest.mark.parametrize(
    ("given", "cap", "times", "expected"),
    [
        (["1", "1"], None, 2, "2"),
        # Each entry's own points, not the rule's times the number of entries.
        (["1", "2.5", "0.5"], None, 3, "4"),
        (["3", "3"], "5", 2, "5"),
        ([], None, 0, "0"),
    ],
)
def test_entries_sum_their_own_points(given, cap, times, expected):
    dues = rule(ENTRY, "1", key="dues", cap=cap)
    other = rule(ENTRY, "-5", key="lapse")
    entries = {"dues": [Decimal(v) for v in given]} if given else {}
    result = score([dues, other], entries=entries)
    assert result[0] == Decimal(expected)
    assert lines_of(result) == ({"dues": (times, Decimal(expected))} if times else {})


def test_negative_entries_sum_their_own_points():
    lapse = rule(ENTRY, "-5", key="lapse")
    result = score([lapse], entries={"lapse": [Decimal("-5"), Decimal("-2")]})
    assert lines_of(result) == {"lapse": (2, Decimal("-7"))}


@pytest.mark.parametrize(
    ("rule_kind", "times"),
    [
        ("", 4),  # 志愿服务 2, 联系服务群众 1, 先锋岗 1; not the meeting
        (K.VOLUNTEER, 2),
        (K.THEME_WORK, 0),
    ],
)
def test_service_rule_without_kind_counts_every_service_kind(rule_kind, times):
    service = rule(SERVICE, "3", key="service", kind=rule_kind)
    attended = {K.VOLUNTEER: 2, K.MASS_CONTACT: 1, K.PIONEER: 1, K.GENERAL_MEETING: 5}
    result = score([service], attended=attended)
    assert result[0] == Decimal(3 * times)
    assert lines_of(result) == ({"service": (times, Decimal(3 * times))} if times else {})


def test_the_total_sums_every_rule_and_the_lines_follow_the_rules_order():
    rules = [
        rule(SERVICE, "3", key="service"),
        rule(ATTENDANCE, "2", key="meeting", kind=K.GENERAL_MEETING),
        rule(ABSENCE, "-2", key="absent"),
        rule(REVIEW, "10", key="excellent", grade="excellent"),
        rule(ENTRY, "1", key="dues"),
        rule(ENTRY, "-5", key="lapse"),  # no entry: no line
    ]
    total, lines = score(
        rules,
        attended={K.GENERAL_MEETING: 2, K.VOLUNTEER: 1},
        absent={K.THEME_DAY: 1},
        review_grade="excellent",
        entries={"dues": [Decimal(1)]},
    )
    assert [line.rule.key for line in lines] == [
        "service",
        "meeting",
        "absent",
        "excellent",
        "dues",
    ]
    assert total == Decimal(3 + 4 - 2 + 10 + 1)


def test_no_rules_score_nothing():
    assert score([], attended={K.GENERAL_MEETING: 3}) == (Decimal(0), ())


def test_an_unknown_basis_is_an_error():
    with pytest.raises(ValueError, match="unknown basis"):
        score([rule("bonus", "1")], attended={K.GENERAL_MEETING: 1})


# --- points.rank -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("totals", "expected"),
    [
        # Ties share a rank; the next rank skips.
        ({"a": 5, "b": 5, "c": 3}, [(1, "a", 5), (1, "b", 5), (3, "c", 3)]),
        ({"c": 3, "a": 5, "b": 5}, [(1, "a", 5), (1, "b", 5), (3, "c", 3)]),
        (
            {"a": 9, "b": 7, "c": 7, "d": 7, "e": 1},
            [(1, "a", 9), (2, "b", 7), (2, "c", 7), (2, "d", 7), (5, "e", 1)],
        ),
        # All equal: all first, in the given order.
        ({"x": 2, "y": 2, "z": 2}, [(1, "x", 2), (1, "y", 2), (1, "z", 2)]),
        # Negative totals come last.
        (
            {"a": Decimal("-3"), "b": Decimal("0"), "c": Decimal("1.5")},
            [(1, "c", Decimal("1.5")), (2, "b", Decimal(0)), (3, "a", Decimal("-3"))],
        ),
        ({"only": 0}, [(1, "only", 0)]),
        ({}, []),
    ],
    ids=["1-1-3", "given-order", "1-2-2-2-5", "all-equal", "negative", "one", "empty"],
)
def test_rank(totals, expected):
    assert points.rank(totals) == expected


# --- PointRule.clean and in_force -------------------------------------------------------


def point_rule(**kwargs):
    values = {
        "name": "测试规则",
        "basis": B.ATTENDANCE,
        "activity_kind": "",
        "review_grade": "",
        "points": Decimal("1.0"),
        "valid_from": 2024,
    }
    values.update(kwargs)
    return PointRule(**values)


ABSENCE_KINDS = [
    "缺席扣分只适用于全体党员都应参加的组织生活（支部党员大会、党课、主题党日、组织生活会、民主评议党员）"
]


def errors_of(instance):
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    return raised.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        (
            {"basis": B.ATTENDANCE, "activity_kind": K.VOLUNTEER},
            {"activity_kind": ["服务活动请选择“参加服务活动”依据"]},
        ),
        # Under absence a service kind gets the absence message (no service is required).
        (
            {"basis": B.ABSENCE, "activity_kind": K.MASS_CONTACT, "points": Decimal("-1")},
            {"activity_kind": ABSENCE_KINDS},
        ),
        (
            {"basis": B.SERVICE, "activity_kind": K.THEME_DAY},
            {"activity_kind": ["“参加服务活动”只能选择服务类活动"]},
        ),
        (
            {"basis": B.ENTRY, "activity_kind": K.THEME_DAY},
            {"activity_kind": ["该计分依据不按活动类型计分，请留空"]},
        ),
        (
            {"basis": B.ABSENCE, "activity_kind": K.OBSERVATION, "points": Decimal("-1")},
            {"activity_kind": ABSENCE_KINDS},
        ),
        # 支委会 is the committee's: other members are not absent from it.
        (
            {"basis": B.ABSENCE, "activity_kind": K.COMMITTEE_MEETING, "points": Decimal("-1")},
            {"activity_kind": ABSENCE_KINDS},
        ),
        ({"basis": B.REVIEW}, {"review_grade": ["依据为民主评议时须选择评议等次"]}),
        (
            {"basis": B.ENTRY, "review_grade": "excellent"},
            {"review_grade": ["只有依据为民主评议时才填写评议等次"]},
        ),
        ({"points": Decimal("0")}, {"points": ["分值不能为0"]}),
        ({"valid_from": 2025, "valid_to": 2024}, {"valid_to": ["截止年度不能早于起始年度"]}),
    ],
    ids=[
        "service-kind-under-attendance",
        "service-kind-under-absence",
        "life-kind-under-service",
        "kind-under-entry",
        "absence-of-an-optional-kind",
        "absence-from-the-committee-s-meeting",
        "review-without-grade",
        "grade-without-review",
        "zero-points",
        "valid-to-before-valid-from",
    ],
)
def test_a_point_rule_is_refused_on_the_right_field_in_chinese(kwargs, errors):
    assert errors_of(point_rule(**kwargs)) == errors


@pytest.mark.parametrize(
    "kwargs",
    [
        {"basis": B.ATTENDANCE, "activity_kind": K.GENERAL_MEETING},
        {"basis": B.ABSENCE, "activity_kind": K.THEME_DAY, "points": Decimal("-2")},
        {"basis": B.ABSENCE, "points": Decimal("-2"), "yearly_cap": Decimal("10")},
        {"basis": B.SERVICE, "activity_kind": K.VOLUNTEER, "points": Decimal("0.5")},
        {"basis": B.REVIEW, "review_grade": "fail", "points": Decimal("-10")},
        {"basis": B.ENTRY, "valid_from": 2024, "valid_to": 2024},
    ],
)
def test_a_valid_point_rule_is_accepted(kwargs):
    point_rule(**kwargs).full_clean()


def test_a_negative_yearly_cap_is_refused():
    assert list(errors_of(point_rule(yearly_cap=Decimal("-1")))) == ["yearly_cap"]


def test_a_rule_is_in_force_from_its_first_to_its_last_year():
    bounded = point_rule(valid_from=2024, valid_to=2025)
    assert [bounded.in_force(year) for year in (2023, 2024, 2025, 2026)] == [
        False,
        True,
        True,
        False,
    ]
    open_ended = point_rule(valid_from=2024)
    assert [open_ended.in_force(year) for year in (2023, 2024, 2099)] == [False, True, True]


@pytest.mark.django_db
def test_the_rules_in_force_of_a_year_are_those_of_the_queryset():
    old = point_rule(name="旧", valid_from=2020, valid_to=2023)
    current = point_rule(name="现", valid_from=2024, valid_to=2024)
    lasting = point_rule(name="长期", valid_from=2022)
    later = point_rule(name="新", valid_from=2025)
    for item in (old, current, lasting, later):
        item.save()
    for year in (2023, 2024, 2025):
        in_force = set(PointRule.objects.in_force(year))
        assert in_force == {r for r in (old, current, lasting, later) if r.in_force(year)}, year
    assert {r.key for r in selectors.point_rules(2024)} == {current.pk, lasting.pk}


# --- PointEntry.clean ---------------------------------------------------------------------


@pytest.fixture
def entry_rules(db):
    def make(name, basis, value, **kwargs):
        kwargs.setdefault("valid_from", 2020)
        return PointRule.objects.create(name=name, basis=basis, points=Decimal(value), **kwargs)

    return {
        "dues": make("按时交纳党费", B.ENTRY, "1.0"),
        "lapse": make("违反纪律", B.ENTRY, "-5.0"),
        "meeting": make("参加支部党员大会", B.ATTENDANCE, "2.0", activity_kind=K.GENERAL_MEETING),
        "old": make("旧记分规则", B.ENTRY, "1.0", valid_to=2023),
        "next": make("新记分规则", B.ENTRY, "2.0", valid_from=2025),
    }


def point_entry(party_world, entry_rules, **kwargs):
    values = {
        "member": party_world["members"]["m_school"],
        "party_org": party_world["party_orgs"]["school"],
        "rule": entry_rules["dues"],
        "on": D(2025, 6, 1),
        "points": Decimal("1.0"),
        "reason": "按时足额交纳党费",
    }
    values.update(kwargs)
    return PointEntry(**values)


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"points": Decimal("-2")}, {"points": ["分值的正负应与规则一致（规则分值1.0）"]}),
        (
            {"rule": "lapse", "points": Decimal("3")},
            {"points": ["分值的正负应与规则一致（规则分值-5.0）"]},
        ),
        ({"points": Decimal("0")}, {"points": ["分值不能为0"]}),
        (
            {"member": "m_law"},
            {"member": ["该党员的组织关系不在此党组织，也未在此参加组织生活"]},
        ),
        ({"on": D(2025, 6, 16)}, {"on": ["记分日期不能晚于今天"]}),
        ({"rule": "old", "on": D(2024, 5, 1)}, {"rule": ["该规则在2024年度不适用"]}),
        ({"rule": "next", "on": D(2024, 12, 31)}, {"rule": ["该规则在2024年度不适用"]}),
    ],
    ids=[
        "sign-opposite-to-a-positive-rule",
        "sign-opposite-to-a-negative-rule",
        "zero-points",
        "member-not-of-the-party-org",
        "dated-in-the-future",
        "rule-ended-before-that-year",
        "rule-not-yet-begun-that-year",
    ],
)
def test_a_point_entry_is_refused_on_the_right_field_in_chinese(
    party_world, entry_rules, kwargs, errors
):
    if "rule" in kwargs:
        kwargs["rule"] = entry_rules[kwargs["rule"]]
    if "member" in kwargs:
        kwargs["member"] = party_world["members"][kwargs["member"]]
    assert errors_of(point_entry(party_world, entry_rules, **kwargs)) == errors


def test_an_entry_against_a_rule_other_than_entry_is_refused_on_the_rule(party_world, entry_rules):
    entry = point_entry(party_world, entry_rules, rule=entry_rules["meeting"])
    with pytest.raises(ValidationError) as raised:
        entry.clean()
    assert raised.value.message_dict == {"rule": ["只能选择计分依据为“逐条记分”的规则"]}
    # full_clean also runs the field's limit_choices_to, whose message is Django's own
    # (untranslated: "积分规则 instance with id … is not a valid choice."); the admin form
    # offers only rules of 逐条记分 (test_an_entry_against_a_rule_other_than_entry_is_not_offered).
    assert "只能选择计分依据为“逐条记分”的规则" in errors_of(entry)["rule"]


def test_a_blank_entry_takes_the_rules_points(party_world, entry_rules):
    entry = point_entry(party_world, entry_rules, rule=entry_rules["lapse"], points=None)
    entry.full_clean()
    assert entry.points == Decimal("-5.0")
    entry.save()
    entry.refresh_from_db()
    assert entry.points == Decimal("-5.0")


def test_an_entry_today_for_a_member_attending_the_party_organization_is_accepted(
    party_world, entry_rules
):
    attending = member("郑多重", workplace=party_world["orgs"]["school"],
                       party_org=party_world["party_orgs"]["law"])  # fmt: skip
    attending.attends.add(party_world["party_orgs"]["school"])
    entry = point_entry(party_world, entry_rules, member=attending, on=TODAY,
                        points=Decimal("0.5"))  # fmt: skip
    entry.full_clean()


def test_a_rule_in_force_on_the_entrys_last_year_is_accepted(party_world, entry_rules):
    point_entry(party_world, entry_rules, rule=entry_rules["old"], on=D(2023, 12, 31)).full_clean()


# --- point_ranking from the database ------------------------------------------------------


@pytest.fixture
def ranked(party_world):
    """启明培训学校党支部 in 2024, with every basis of rule:

    - 王启明 (joined 2012): two 支部党员大会 and a 主题党日 of his own, none missed;
      评议优秀; two 按时交纳党费 entries (and one of 2023).
    - 周外出 (joined 2012): one 支部党员大会 and a 志愿服务; missed a 支部党员大会 and the
      主题党日; one 违反纪律 entry (its points left to the rule).
    - 新党员 (joined 1 June 2024, probationary): only the 志愿服务; missed the September
      支部党员大会, not the March meeting or the May 主题党日 held before he joined;
      评议合格 (no rule for it).
    - 郑多重 of 律师事务所党支部, attending the school's: the March meeting and his own Party
      organization's 主题党日; never absent here; one entry by the school (another by his
      own Party organization is not the school's).
    - 吴转出, transferred out, attended the March meeting: not ranked.
    Activities of 2023 and 2025, a 组织生活旁听 nobody attended (not required), a review of
    2023 and rules not in force in 2024 do not count.
    """
    orgs, party_orgs, members = (party_world[k] for k in ("orgs", "party_orgs", "members"))
    school, law = party_orgs["school"], party_orgs["law"]
    m_school, m_away = members["m_school"], members["m_away"]
    newcomer = member(
        "新党员", workplace=orgs["school"], party_org=school, joined_on=D(2024, 6, 1),
        category=Member.Category.PROBATIONARY, full_member_on=None,
    )  # fmt: skip
    attending = member("郑多重", workplace=orgs["school"], party_org=law)
    attending.attends.add(school)
    gone = member("吴转出", workplace=orgs["school"], party_org=school,
                  status=Member.Status.TRANSFERRED_OUT)  # fmt: skip

    def make(name, basis, value, **kwargs):
        kwargs.setdefault("valid_from", 2020)
        return PointRule.objects.create(name=name, basis=basis, points=Decimal(value), **kwargs)

    rules = {
        "meeting": make("参加支部党员大会", B.ATTENDANCE, "2.0", activity_kind=K.GENERAL_MEETING),
        "life": make("参加组织生活", B.ATTENDANCE, "1.0", yearly_cap=Decimal("2.0")),
        "service": make("参加服务活动", B.SERVICE, "3.0"),
        "absent": make("缺席组织生活", B.ABSENCE, "-2.0"),
        "excellent": make("评议优秀", B.REVIEW, "10.0", review_grade="excellent"),
        "fail": make("评议不合格", B.REVIEW, "-10.0", review_grade="fail"),
        "dues": make("按时交纳党费", B.ENTRY, "1.0"),
        "lapse": make("违反纪律", B.ENTRY, "-5.0"),
        "old": make("旧规则", B.ATTENDANCE, "100.0", valid_to=2023),
        "next": make("新规则", B.SERVICE, "50.0", valid_from=2025),
    }

    def held(party_org, kind, day, attendees):
        return ActivityFactory(party_org=party_org, kind=kind, held_on=day, attendees=attendees)

    held(school, K.GENERAL_MEETING, D(2024, 3, 10), [m_school, m_away, attending, gone])
    held(school, K.THEME_DAY, D(2024, 5, 10), [m_school])
    held(school, K.VOLUNTEER, D(2024, 7, 1), [m_away, newcomer])
    held(school, K.GENERAL_MEETING, D(2024, 9, 10), [m_school])
    held(school, K.OBSERVATION, D(2024, 10, 1), [])
    held(law, K.THEME_DAY, D(2024, 4, 1), [attending])
    held(school, K.GENERAL_MEETING, D(2023, 11, 1), [m_school, m_away])
    held(school, K.THEME_DAY, D(2025, 1, 10), [m_school])
    held(school, K.GENERAL_MEETING, D(2025, 3, 10), [])

    MemberReviewFactory(member=m_school, year=YEAR, grade="excellent")
    MemberReviewFactory(member=newcomer, year=YEAR, grade="pass")
    MemberReviewFactory(member=m_away, year=2023, grade="excellent")

    def entry(who, rule_key, day, value, party_org=school):
        return PointEntry.objects.create(
            member=who, party_org=party_org, rule=rules[rule_key], on=day,
            points=Decimal(value), reason="测试",
        )  # fmt: skip

    entry(m_school, "dues", D(2024, 3, 1), "1.0")
    entry(m_school, "dues", D(2024, 6, 1), "1.0")
    entry(m_school, "dues", D(2023, 12, 31), "1.0")
    entry(m_school, "dues", D(2025, 1, 1), "1.0")
    lapse = point_entry(party_world, rules, member=m_away, rule=rules["lapse"],
                        on=D(2024, 8, 1), points=None)  # fmt: skip
    lapse.full_clean()
    lapse.save()
    entry(attending, "dues", D(2024, 4, 1), "1.0")
    entry(attending, "dues", D(2024, 4, 2), "1.0", party_org=law)
    return {
        "school": school,
        "rules": rules,
        "members": {
            "m_school": m_school,
            "m_away": m_away,
            "new": newcomer,
            "attending": attending,
            "gone": gone,
        },  # fmt: skip
    }


def table(standings):
    """[(rank, member key, total, {rule key: (times, points)})]."""
    return [
        (
            standing.rank,
            standing.member,
            standing.total,
            {line.rule.key: (line.times, line.points) for line in standing.lines},
        )
        for standing in standings
    ]


def test_the_ranking_of_a_year_scores_each_member_by_every_rule_in_force(ranked):
    rules, m = ranked["rules"], ranked["members"]
    r = {key: rule.pk for key, rule in rules.items()}
    in_force, standings = selectors.point_ranking(ranked["school"], YEAR)
    # By basis (absence, attendance, entry, review, service), then name; not 旧规则 (ended
    # 2023) nor 新规则 (from 2025).
    assert [rule.key for rule in in_force] == [
        r["absent"],
        r["meeting"],
        r["life"],
        r["dues"],
        r["lapse"],
        r["fail"],
        r["excellent"],
        r["service"],
    ]
    assert {rule.key for rule in in_force} == set(r.values()) - {r["old"], r["next"]}
    assert table(standings) == [
        (
            1,
            m["m_school"],
            Decimal("18.0"),
            {
                r["meeting"]: (2, Decimal("4.0")),
                r["life"]: (3, Decimal("2.0")),  # capped at 2
                r["dues"]: (2, Decimal("2.0")),
                r["excellent"]: (1, Decimal("10.0")),
            },
        ),
        (
            2,
            m["attending"],
            Decimal("5.0"),
            {
                r["meeting"]: (1, Decimal("2.0")),
                r["life"]: (2, Decimal("2.0")),  # the school's meeting and his own 主题党日
                r["dues"]: (1, Decimal("1.0")),  # only the school's entry
            },
        ),
        (
            3,
            m["new"],
            Decimal("1.0"),
            {
                r["service"]: (1, Decimal("3.0")),
                r["absent"]: (1, Decimal("-2.0")),  # September only
            },
        ),
        (
            4,
            m["m_away"],
            Decimal("-3.0"),
            {
                r["meeting"]: (1, Decimal("2.0")),
                r["life"]: (1, Decimal("1.0")),
                r["service"]: (1, Decimal("3.0")),
                r["absent"]: (2, Decimal("-4.0")),  # September's meeting, May's 主题党日
                r["lapse"]: (1, Decimal("-5.0")),
            },
        ),
    ]


def test_absence_counts_only_own_members_and_activities_after_they_joined(ranked):
    rules, m = ranked["rules"], ranked["members"]
    _in_force, standings = selectors.point_ranking(ranked["school"], YEAR)
    absences = {
        s.member.name: next(
            (line.times for line in s.lines if line.rule.key == rules["absent"].pk), 0
        )
        for s in standings
    }
    assert absences == {"王启明": 0, "郑多重": 0, "新党员": 1, "周外出": 2}
    assert m["gone"] not in {s.member for s in standings}


def test_ties_share_a_rank_in_the_database_ranking(ranked):
    school, rules, m = ranked["school"], ranked["rules"], ranked["members"]
    for day in (D(2024, 10, 1), D(2024, 10, 2)):
        PointEntry.objects.create(member=m["new"], party_org=school, rule=rules["dues"], on=day,
                                  points=Decimal("2.0"), reason="测试")  # fmt: skip
    # 新党员 gains 4 points by entries: 1 + 4 = 5, as many as 郑多重.
    _in_force, standings = selectors.point_ranking(school, YEAR)
    assert [(s.rank, s.member.name, s.total) for s in standings] == [
        (1, "王启明", Decimal("18.0")),
        (2, "新党员", Decimal("5.0")),  # equal totals keep the register's order (by name)
        (2, "郑多重", Decimal("5.0")),
        (4, "周外出", Decimal("-3.0")),
    ]


def test_another_year_counts_only_its_own_activities_reviews_and_entries(ranked):
    rules, m = ranked["rules"], ranked["members"]
    r = {key: rule.pk for key, rule in rules.items()}
    in_force, standings = selectors.point_ranking(ranked["school"], 2023)
    assert r["old"] in {rule.key for rule in in_force}
    by_name = {s.member.name: s for s in standings}
    # 2023: 王启明 and 周外出 attended the November meeting (old rule +100, meeting +2, life
    # +1); 周外出 was 评议优秀; 王启明 paid dues once. The school's 2023 required activities
    # were the one meeting: no absence.
    assert table([by_name["王启明"]])[0][2:] == (
        Decimal("104.0"),
        {r["old"]: (1, Decimal("100.0")), r["meeting"]: (1, Decimal("2.0")),
         r["life"]: (1, Decimal("1.0")), r["dues"]: (1, Decimal("1.0"))},
    )  # fmt: skip
    assert table([by_name["周外出"]])[0][2:] == (
        Decimal("113.0"),
        {r["old"]: (1, Decimal("100.0")), r["meeting"]: (1, Decimal("2.0")),
         r["life"]: (1, Decimal("1.0")), r["excellent"]: (1, Decimal("10.0"))},
    )  # fmt: skip
    # 新党员 joined in 2024: on the register now, no point in 2023.
    assert by_name["新党员"].lines == () and by_name["新党员"].total == 0
    assert m["gone"] not in {s.member for s in standings}


def test_a_party_organization_without_members_on_the_register_ranks_nobody(party_world):
    empty = PartyOrganizationFactory(name="空党支部")
    in_force, standings = selectors.point_ranking(empty, YEAR)
    assert standings == []


def add_ranked_members(party_org, workplace, count, activities):
    for _ in range(count):
        someone = member(workplace=workplace, party_org=party_org)
        for activity in activities:
            activity.attendees.add(someone)
        MemberReviewFactory(member=someone, year=YEAR, grade="excellent")
        PointEntry.objects.create(
            member=someone, party_org=party_org, rule=PointRule.objects.get(name="党费"),
            on=D(2024, 5, 1), points=Decimal("1.0"), reason="测试",
        )  # fmt: skip


def test_the_ranking_needs_the_same_queries_for_3_and_9_members(party_world):
    workplace = party_world["orgs"]["school"]
    party_org = PartyOrganizationFactory(name="查询计数党支部", covers=[workplace])
    PointRule.objects.create(name="党费", basis=B.ENTRY, points=Decimal("1.0"), valid_from=2020)
    PointRule.objects.create(
        name="参会", basis=B.ATTENDANCE, points=Decimal("1.0"), valid_from=2020
    )
    PointRule.objects.create(name="缺席", basis=B.ABSENCE, points=Decimal("-1.0"), valid_from=2020)
    PointRule.objects.create(name="优秀", basis=B.REVIEW, review_grade="excellent",
                             points=Decimal("5.0"), valid_from=2020)  # fmt: skip
    attended = [
        ActivityFactory(party_org=party_org, kind=K.GENERAL_MEETING, held_on=D(2024, 3, 1)),
        ActivityFactory(party_org=party_org, kind=K.VOLUNTEER, held_on=D(2024, 4, 1)),
    ]
    ActivityFactory(party_org=party_org, kind=K.THEME_DAY, held_on=D(2024, 5, 1))  # missed

    def count():
        with CaptureQueriesContext(connection) as context:
            _in_force, standings = selectors.point_ranking(party_org, YEAR)
        return len(context), standings

    add_ranked_members(party_org, workplace, 3, attended)
    small, standings = count()
    assert len(standings) == 3
    # Each: the meeting +1, the missed 主题党日 -1, 优秀 +5, 党费 +1.
    assert {s.total for s in standings} == {Decimal("6.0")}
    add_ranked_members(party_org, workplace, 6, attended)
    large, standings = count()
    assert len(standings) == 9
    assert large == small == 8  # the transfers received: absence counts from arrival


# --- the ranking page ---------------------------------------------------------------------


@pytest.fixture
def qinhuai_two_new(party_world):
    unit = factories.UnitFactory(
        name="中共南京市秦淮区委两新工委", kind=Unit.Kind.TWO_NEW, level=Unit.Level.DISTRICT,
        region=party_world["districts"][1],
    )  # fmt: skip
    return factories.UserFactory(username="qinhuai_two_new", unit=unit)


def points_url(party_org, year=YEAR):
    return f"{reverse(POINTS_PAGE, args=[party_org.pk])}?year={year}"


def test_the_secretary_sees_the_ranking_of_their_party_organization(client, party_world, ranked):
    client.force_login(party_world["users"]["secretary"])
    response = client.get(points_url(ranked["school"]))
    assert response.status_code == 200
    assert response.context["year"] == YEAR
    rows = response.context["rows"]
    assert [(row["rank"], row["member"].name, row["total"]) for row in rows] == [
        (1, "王启明", Decimal("18.0")),
        (2, "郑多重", Decimal("5.0")),
        (3, "新党员", Decimal("1.0")),
        (4, "周外出", Decimal("-3.0")),
    ]
    # One cell per rule in force, empty where the rule gave nothing.
    in_force = response.context["rules"]
    assert all(len(row["cells"]) == len(in_force) == 8 for row in rows)
    first = dict(zip([rule.name for rule in in_force], rows[0]["cells"], strict=True))
    assert first["参加支部党员大会"].points == Decimal("4.0")
    assert first["缺席组织生活"] is None
    html = response.content.decode()
    assert "党员积分排名" in html and "王启明" in html and "参加组织生活" in html
    assert response.context["may_add"] is True


def test_the_district_two_new_sees_the_ranking(client, party_world, ranked):
    client.force_login(party_world["users"]["xuanwu_two_new"])
    assert client.get(points_url(ranked["school"])).status_code == 200


def test_a_user_of_another_district_gets_404(client, party_world, ranked, qinhuai_two_new):
    client.force_login(qinhuai_two_new)
    assert client.get(points_url(ranked["school"])).status_code == 404


def test_a_secretary_of_another_party_organization_gets_404(client, party_world, ranked):
    other = factories.UserFactory(username="law_secretary", unit=None,
                                  party_org=party_world["party_orgs"]["law"])  # fmt: skip
    client.force_login(other)
    assert client.get(points_url(ranked["school"])).status_code == 404


def test_a_user_without_view_pointentry_gets_403(client, party_world, ranked):
    client.force_login(party_world["users"]["no_unit"])
    assert client.get(points_url(ranked["school"])).status_code == 403


def test_a_reading_role_sees_the_ranking_without_the_add_button(client, party_world, ranked):
    client.force_login(party_world["users"]["organization_dept"])
    response = client.get(points_url(ranked["school"]))
    assert response.status_code == 200
    assert response.context["may_add"] is False
    assert reverse(ENTRY_ADD) not in response.content.decode()


def test_a_year_without_rules_in_force_says_so(client, party_world):
    client.force_login(party_world["users"]["secretary"])
    response = client.get(points_url(party_world["party_orgs"]["school"]))
    assert response.status_code == 200
    assert response.context["rules"] == []
    assert "年度没有适用的积分规则" in response.content.decode()


# --- the admin: entries by the secretary, rules by the 两新工委 -----------------------------


def entry_data(party_world, entry_rules, **overrides):
    data = {
        "party_org": party_world["party_orgs"]["school"].pk,
        "member": party_world["members"]["m_school"].pk,
        "rule": entry_rules["dues"].pk,
        "on": "2025-06-10",
        "points": "",
        "reason": "按时足额交纳6月党费",
    }
    data.update(overrides)
    return data


def test_a_secretarys_entry_form_preselects_their_party_organization(
    client, party_world, entry_rules
):
    client.force_login(party_world["users"]["secretary"])
    response = client.get(reverse(ENTRY_ADD))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.initial["party_org"] == party_world["party_orgs"]["school"].pk
    assert form.initial["on"] == TODAY
    # Only rules of 逐条记分 are offered.
    assert set(form.fields["rule"].queryset) == {
        entry_rules["dues"],
        entry_rules["lapse"],
        entry_rules["old"],
        entry_rules["next"],
    }


def test_a_secretary_records_an_entry_and_is_its_recorder(client, party_world, entry_rules):
    secretary = party_world["users"]["secretary"]
    client.force_login(secretary)
    response = client.post(reverse(ENTRY_ADD), entry_data(party_world, entry_rules))
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = PointEntry.objects.get()
    assert entry.party_org == party_world["party_orgs"]["school"]
    assert entry.member == party_world["members"]["m_school"]
    assert entry.recorded_by == secretary
    assert entry.points == Decimal("1.0")  # left blank: the rule's points
    assert entry.history.first().history_user == secretary


def test_a_secretary_cannot_record_an_entry_for_a_member_outside_their_scope(
    client, party_world, entry_rules
):
    client.force_login(party_world["users"]["secretary"])
    data = entry_data(party_world, entry_rules, member=party_world["members"]["m_law"].pk)
    response = client.post(reverse(ENTRY_ADD), data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["member"]
    assert not PointEntry.objects.exists()


def test_a_secretary_cannot_record_an_entry_for_another_party_organization(
    client, party_world, entry_rules
):
    client.force_login(party_world["users"]["secretary"])
    data = entry_data(party_world, entry_rules, party_org=party_world["party_orgs"]["law"].pk)
    response = client.post(reverse(ENTRY_ADD), data)
    assert "party_org" in response.context["adminform"].form.errors
    assert not PointEntry.objects.exists()


def test_an_entry_against_a_rule_other_than_entry_is_not_offered(client, party_world, entry_rules):
    client.force_login(party_world["users"]["secretary"])
    data = entry_data(party_world, entry_rules, rule=entry_rules["meeting"].pk)
    response = client.post(reverse(ENTRY_ADD), data)
    assert list(response.context["adminform"].form.errors) == ["rule"]
    assert not PointEntry.objects.exists()


def test_an_entry_with_the_wrong_sign_is_refused_in_the_form(client, party_world, entry_rules):
    client.force_login(party_world["users"]["secretary"])
    response = client.post(reverse(ENTRY_ADD), entry_data(party_world, entry_rules, points="-1"))
    assert response.context["adminform"].form.errors["points"] == [
        "分值的正负应与规则一致（规则分值1.0）"
    ]


@pytest.mark.parametrize("role", ["xuanwu_registration", "organization_dept"])
def test_reading_roles_cannot_record_entries(client, party_world, entry_rules, role):
    client.force_login(party_world["users"][role])
    assert client.get(reverse(ENTRY_ADD)).status_code == 403


def rule_data(**overrides):
    data = {
        "name": "参加主题党日",
        "basis": B.ATTENDANCE,
        "activity_kind": K.THEME_DAY,
        "review_grade": "",
        "points": "1",
        "yearly_cap": "12",
        "valid_from": "2025",
        "valid_to": "",
    }
    data.update(overrides)
    return data


def test_the_city_two_new_adds_a_point_rule(client, party_world):
    client.force_login(party_world["users"]["city_two_new"])
    assert client.get(reverse(RULE_ADD)).status_code == 200
    response = client.post(reverse(RULE_ADD), rule_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = PointRule.objects.get()
    assert (rule.basis, rule.activity_kind, rule.points, rule.yearly_cap) == (
        B.ATTENDANCE,
        K.THEME_DAY,
        Decimal("1.0"),
        Decimal("12.0"),
    )


def test_the_rule_form_refuses_a_service_kind_under_attendance_in_chinese(client, party_world):
    client.force_login(party_world["users"]["city_two_new"])
    response = client.post(reverse(RULE_ADD), rule_data(activity_kind=K.VOLUNTEER))
    assert response.context["adminform"].form.errors["activity_kind"] == [
        "服务活动请选择“参加服务活动”依据"
    ]
    assert not PointRule.objects.exists()


@pytest.mark.parametrize("role", ["education", "secretary", "xuanwu_registration"])
def test_a_supervising_unit_or_a_secretary_cannot_add_a_point_rule(client, party_world, role):
    client.force_login(party_world["users"][role])
    assert client.get(reverse(RULE_ADD)).status_code == 403
    assert client.post(reverse(RULE_ADD), rule_data()).status_code == 403
    assert not PointRule.objects.exists()
