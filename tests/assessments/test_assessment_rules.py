"""The grade a Party organization's year suggests (assessments.rules.suggested_grade;
issue 6 item 3, domain.md §3 and §五): each rule by name, at its edges.

- 不合格: more than ASSESSMENT_BASIC_MAX_GAP_SHARE (50%) of the required activities missing;
- 基本合格: more than ASSESSMENT_PASS_MAX_GAP_SHARE (20%) missing;
- 优秀: none missing, a secretary in post and both 双述双评 evaluations 好;
- 合格: otherwise;
- without a secretary the grade is at most 基本合格 (a 不合格 stays 不合格).

Pure function: no database; the shares are settings (config/rules.py) or arguments.
"""

import pytest

from assessments import rules
from assessments.rules import BASIC, EXCELLENT, FAIL, GOOD, PASS

FAIRLY_GOOD, FAIR, POOR = "fairly_good", "fair", "poor"

COUNTED = "应开展组织生活{required}项，缺失{missed}项"
OVER_PASS = "缺失超过20%"
OVER_BASIC = "缺失超过50%"
EXCELLENT_REASON = "组织生活无缺失，双述双评均为好"
NO_SECRETARY = "年末未配备书记"


def suggest(required, missed, *, secretary=True, higher=GOOD, members=GOOD, **shares):
    return rules.suggested_grade(
        required=required,
        missed=missed,
        has_secretary=secretary,
        higher_evaluation=higher,
        members_evaluation=members,
        **shares,
    )


# (rule, required, missed, has_secretary, higher evaluation, members' evaluation, grade)
CASES = [
    # 优秀: nothing missing, a secretary, both evaluations 好.
    ("excellent: none missing, secretary, both good", 22, 0, True, GOOD, GOOD, EXCELLENT),
    ("excellent needs the higher evaluation good", 22, 0, True, FAIRLY_GOOD, GOOD, PASS),
    ("excellent needs the members' evaluation good", 22, 0, True, GOOD, FAIRLY_GOOD, PASS),
    ("excellent needs both evaluations given", 22, 0, True, "", "", PASS),
    ("excellent needs the higher evaluation given", 22, 0, True, "", GOOD, PASS),
    ("excellent needs the members' evaluation given", 22, 0, True, GOOD, "", PASS),
    ("poor evaluations alone do not lower a pass", 22, 0, True, POOR, POOR, PASS),
    ("excellent needs nothing missing: one gap is a pass", 22, 1, True, GOOD, GOOD, PASS),
    # 合格 ↔ 基本合格 at 20%.
    ("pass at exactly 20% missing (2 of 10)", 10, 2, True, GOOD, GOOD, PASS),
    ("pass at exactly 20% missing (1 of 5)", 5, 1, True, "", "", PASS),
    ("pass at exactly 20% missing (44 of 220)", 220, 44, True, "", "", PASS),
    ("basic just above 20% (21 of 100)", 100, 21, True, GOOD, GOOD, BASIC),
    ("basic just above 20% (201 of 1000)", 1000, 201, True, "", "", BASIC),
    ("pass below 20% (4 of 22, 18%)", 22, 4, True, "", "", PASS),
    ("basic above 20% (5 of 22, 23%)", 22, 5, True, "", "", BASIC),
    # 基本合格 ↔ 不合格 at 50%.
    ("basic at exactly 50% missing (5 of 10)", 10, 5, True, "", "", BASIC),
    ("basic at exactly 50% missing (11 of 22)", 22, 11, True, GOOD, GOOD, BASIC),
    ("fail just above 50% (51 of 100)", 100, 51, True, GOOD, GOOD, FAIL),
    ("fail just above 50% (12 of 22)", 22, 12, True, "", "", FAIL),
    ("fail when everything is missing", 22, 22, True, GOOD, GOOD, FAIL),
    # Nothing required (a Party organization founded in December, say): nothing to judge
    # by, so never 优秀 (it would pay for a year without evidence).
    ("zero required: no excellent without evidence", 0, 0, True, GOOD, GOOD, PASS),
    ("zero required: pass without both good", 0, 0, True, GOOD, FAIR, PASS),
    ("zero required: basic without secretary", 0, 0, False, GOOD, GOOD, BASIC),
    # No secretary in post: at most 基本合格.
    ("no secretary caps excellent at basic", 22, 0, False, GOOD, GOOD, BASIC),
    ("no secretary caps pass at basic", 22, 3, False, "", "", BASIC),
    ("no secretary leaves basic basic", 22, 6, False, "", "", BASIC),
    ("no secretary leaves fail fail", 22, 12, False, GOOD, GOOD, FAIL),
]


@pytest.mark.parametrize(
    ("required", "missed", "secretary", "higher", "members", "grade"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_suggested_grade(required, missed, secretary, higher, members, grade):
    result = suggest(required, missed, secretary=secretary, higher=higher, members=members)
    assert result.grade == grade
    # The first reason always states the count the grade was worked out from.
    assert result.reasons[0] == COUNTED.format(required=required, missed=missed)


def test_the_grade_values_are_those_of_the_models_grade_choices():
    from assessments.models import Evaluation, Grade

    assert {EXCELLENT, PASS, BASIC, FAIL} == set(Grade.values)
    assert GOOD == Evaluation.GOOD


# --- the reasons, each rule naming itself ------------------------------------------------


@pytest.mark.parametrize(
    ("required", "missed", "secretary", "higher", "members", "reasons"),
    [
        (22, 0, True, GOOD, GOOD, (COUNTED.format(required=22, missed=0), EXCELLENT_REASON)),
        (22, 0, True, GOOD, FAIR, (COUNTED.format(required=22, missed=0),)),
        (10, 2, True, GOOD, GOOD, (COUNTED.format(required=10, missed=2),)),
        (100, 21, True, GOOD, GOOD, (COUNTED.format(required=100, missed=21), OVER_PASS)),
        (10, 5, True, "", "", (COUNTED.format(required=10, missed=5), OVER_PASS)),
        (100, 51, True, GOOD, GOOD, (COUNTED.format(required=100, missed=51), OVER_BASIC)),
        # Capped for want of a secretary: the cap says so, after the grade's own reasons.
        (22, 0, False, GOOD, GOOD, (COUNTED.format(required=22, missed=0), NO_SECRETARY)),
        (22, 3, False, "", "", (COUNTED.format(required=22, missed=3), NO_SECRETARY)),
        # Already 基本合格 or 不合格 by the gaps: no cap, so no secretary reason.
        (22, 6, False, "", "", (COUNTED.format(required=22, missed=6), OVER_PASS)),
        (22, 12, False, "", "", (COUNTED.format(required=22, missed=12), OVER_BASIC)),
    ],
    ids=[
        "excellent",
        "pass",
        "pass at 20%",
        "basic over 20%",
        "basic at 50%",
        "fail over 50%",
        "capped excellent",
        "capped pass",
        "basic without secretary",
        "fail without secretary",
    ],
)
def test_the_reasons_name_the_rule_that_decided(
    required, missed, secretary, higher, members, reasons
):
    result = suggest(required, missed, secretary=secretary, higher=higher, members=members)
    assert result.reasons == reasons


def test_a_suggestion_is_a_frozen_value():
    result = suggest(22, 0)
    assert result == rules.Suggestion(
        EXCELLENT, (COUNTED.format(required=22, missed=0), EXCELLENT_REASON)
    )
    with pytest.raises(AttributeError):
        result.grade = FAIL


# --- configured shares --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missed", "grade"),
    [(0, EXCELLENT), (1, PASS), (2, BASIC), (3, BASIC), (4, FAIL), (10, FAIL)],
)
def test_shares_passed_as_arguments(missed, grade):
    # 10% may be missing for 合格, 30% for 基本合格.
    result = suggest(10, missed, pass_share=0.1, basic_share=0.3)
    assert result.grade == grade


def test_shares_passed_as_arguments_are_named_in_the_reasons():
    assert suggest(10, 2, pass_share=0.1, basic_share=0.3).reasons[-1] == "缺失超过10%"
    assert suggest(10, 4, pass_share=0.1, basic_share=0.3).reasons[-1] == "缺失超过30%"


@pytest.mark.parametrize(
    ("missed", "grade"),
    [(0, EXCELLENT), (1, PASS), (2, BASIC), (3, BASIC), (4, FAIL)],
)
def test_shares_come_from_the_settings(settings, missed, grade):
    settings.ASSESSMENT_PASS_MAX_GAP_SHARE = 0.1
    settings.ASSESSMENT_BASIC_MAX_GAP_SHARE = 0.3
    assert suggest(10, missed).grade == grade


def test_the_configured_defaults_are_20_and_50_percent(settings):
    assert settings.ASSESSMENT_PASS_MAX_GAP_SHARE == 0.2
    assert settings.ASSESSMENT_BASIC_MAX_GAP_SHARE == 0.5


def test_arguments_win_over_the_settings(settings):
    settings.ASSESSMENT_PASS_MAX_GAP_SHARE = 0.1
    settings.ASSESSMENT_BASIC_MAX_GAP_SHARE = 0.3
    # 40% missing: 不合格 by the settings, 基本合格 with 50% passed in.
    assert suggest(10, 4).grade == FAIL
    assert suggest(10, 4, basic_share=0.5).grade == BASIC
    # 20% missing: 基本合格 by the settings, 合格 with 20% passed in.
    assert suggest(10, 2).grade == BASIC
    assert suggest(10, 2, pass_share=0.2).grade == PASS


def test_zero_shares_make_any_gap_count():
    # A locality that tolerates no gap for 合格: one missing is 基本合格.
    assert suggest(22, 1, pass_share=0, basic_share=0.5).grade == BASIC
    assert suggest(22, 0, pass_share=0, basic_share=0).grade == EXCELLENT
    assert suggest(22, 1, pass_share=0, basic_share=0).grade == FAIL


# --- the Party organization itself: full members and 换届 ----------------------------------

FEW = "正式党员{n}名，不足3名"
TERM = "应换届未换届"


@pytest.mark.parametrize(
    ("missed", "secretary", "full", "term_due", "grade", "caps"),
    [
        (0, True, 3, False, EXCELLENT, ()),
        (0, True, None, False, EXCELLENT, ()),  # not judged
        (0, True, 2, False, BASIC, (FEW.format(n=2),)),
        (0, True, 0, False, BASIC, (FEW.format(n=0),)),
        (0, True, 3, True, PASS, (TERM,)),
        (2, True, 3, True, PASS, ()),  # already 合格: the overdue term lowers nothing
        # Without a secretary a full year is 合格 before the caps; the term lowers nothing.
        (0, False, 2, True, BASIC, (NO_SECRETARY, FEW.format(n=2))),
        (6, True, 2, True, BASIC, ()),  # 基本合格 by the gaps already
        (12, True, 1, True, FAIL, ()),
    ],
    ids=[
        "three full members",
        "members not judged",
        "two full members cap at basic",
        "no full members cap at basic",
        "overdue term caps excellent at pass",
        "overdue term leaves pass",
        "each cap that lowers names itself",
        "basic by gaps stays basic",
        "fail stays fail",
    ],
)
def test_too_few_full_members_cap_at_basic_and_an_overdue_term_at_pass(
    missed, secretary, full, term_due, grade, caps
):
    result = rules.suggested_grade(
        required=22,
        missed=missed,
        has_secretary=secretary,
        higher_evaluation=GOOD,
        members_evaluation=GOOD,
        full_members=full,
        term_due=term_due,
    )
    assert result.grade == grade
    named = tuple(r for r in result.reasons if r in {TERM, NO_SECRETARY} or "不足" in r)
    assert named == caps
