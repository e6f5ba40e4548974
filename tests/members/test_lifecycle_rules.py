"""The member lifecycle's rules as pure functions (members/rules.py), no database: month
arithmetic at month ends and on 29 February, the development stages and their checks,
and every deadline (probation, receipt, letter validity, floating, lost contact,
suspension, correction) on both sides of its edge."""

import datetime

import pytest

from members import rules

D = datetime.date
DAY = datetime.timedelta(days=1)

# --- month arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2025, 1, 15), 1, D(2025, 2, 15)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),  # 31 Aug + 6 months: the month's last day
        (D(2023, 8, 31), 6, D(2024, 2, 29)),  # ... which is the 29th in a leap year
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # 29 Feb + a year: 28 Feb
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2025, 3, 31), 1, D(2025, 4, 30)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),  # across the year end
        (D(2025, 11, 30), 14, D(2027, 1, 30)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),  # backwards
        (D(2025, 1, 15), -1, D(2024, 12, 15)),
        (D(2024, 3, 31), -13, D(2023, 2, 28)),
        (D(2025, 6, 16), 0, D(2025, 6, 16)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last_day(day, months, expected):
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize("months", [1, 3, 6, 12, 18])
@pytest.mark.parametrize("year", [2023, 2024])  # a common and a leap year
def test_months_before_is_the_last_day_whose_period_has_run_out(year, months):
    """For every day of a year: months_before(today, n) is the latest day d with
    add_months(d, n) <= today, so a filter `since <= months_before(...)` and the rule
    `add_months(since, n) <= today` agree on every row."""
    today = D(year, 1, 1)
    while today.year == year:
        day = rules.months_before(today, months)
        assert rules.add_months(day, months) <= today, (today, day)
        assert rules.add_months(day + DAY, months) > today, (today, day)
        today += DAY


@pytest.mark.parametrize(
    ("today", "months", "expected"),
    [
        # On 28 Feb 2025 every day from 28 to 31 Aug 2024 has had its 6 months.
        (D(2025, 2, 28), 6, D(2024, 8, 31)),
        (D(2025, 2, 27), 6, D(2024, 8, 27)),
        (D(2024, 2, 29), 6, D(2023, 8, 31)),
        (D(2025, 2, 28), 12, D(2024, 2, 29)),  # a year after 29 Feb 2024 is 28 Feb 2025
        (D(2025, 3, 1), 12, D(2024, 3, 1)),
    ],
)
def test_months_before_at_month_ends(today, months, expected):
    assert rules.months_before(today, months) == expected


def test_due_soon_until_is_thirty_days_by_default():
    assert rules.due_soon_until(D(2025, 6, 16)) == D(2025, 7, 16)
    assert rules.due_soon_until(D(2025, 6, 16), days=5) == D(2025, 6, 21)


# --- development stages -------------------------------------------------------------------

FULL_DATES = {
    "applied_on": D(2022, 3, 1),
    "talked_on": D(2022, 3, 10),
    "activist_on": D(2022, 4, 1),
    "candidate_on": D(2023, 4, 1),
    "admitted_on": D(2023, 6, 1),
    "full_on": D(2024, 6, 1),
}


def dates_until(field):
    """FULL_DATES up to and including `field` (the others None)."""
    names = [f for _stage, f in rules.STAGE_DATES]
    kept = names[: names.index(field) + 1] + ["talked_on"]
    return {name: (FULL_DATES[name] if name in kept else None) for name in FULL_DATES}


SPONSORS = ((1, "甲", D(2015, 7, 1), True), (2, "乙", D(2016, 7, 1), True))


@pytest.mark.parametrize(
    ("last_field", "stage"),
    [
        ("applied_on", rules.APPLICANT),
        ("activist_on", rules.ACTIVIST),
        ("candidate_on", rules.CANDIDATE),
        ("admitted_on", rules.PROBATIONARY),
        ("full_on", rules.FULL),
    ],
)
def test_development_stage_is_the_last_stage_with_a_date(last_field, stage):
    assert rules.development_stage(dates_until(last_field)) == stage


def test_development_stage_is_empty_without_dates():
    assert rules.development_stage({}) == ""
    assert rules.development_stage({"talked_on": D(2022, 3, 10)}) == ""


def test_a_complete_development_in_order_has_no_errors():
    assert rules.development_errors(FULL_DATES, birth_date=D(1995, 3, 15), sponsors=SPONSORS) == {}


@pytest.mark.parametrize(
    ("missing", "flagged"),
    [
        ("activist_on", "candidate_on"),
        ("candidate_on", "admitted_on"),
        ("admitted_on", "full_on"),
    ],
)
def test_development_stages_cannot_be_skipped(missing, flagged):
    dates = dict(FULL_DATES, **{missing: None})
    errors = rules.development_errors(dates, sponsors=SPONSORS)
    assert errors[flagged] == "须先填写前一阶段的日期"


def test_no_stage_without_an_application():
    errors = rules.development_errors({"applied_on": None, "activist_on": D(2022, 4, 1)})
    assert errors == {"activist_on": "须先填写前一阶段的日期"}


@pytest.mark.parametrize(
    ("field", "earlier_than"),
    [
        ("activist_on", "applied_on"),
        ("candidate_on", "activist_on"),
        ("admitted_on", "candidate_on"),
        ("full_on", "admitted_on"),
    ],
)
def test_development_stage_dates_go_in_order(field, earlier_than):
    dates = dict(FULL_DATES, **{field: FULL_DATES[earlier_than] - DAY})
    errors = rules.development_errors(dates, sponsors=SPONSORS)
    assert errors[field] == "不能早于前一阶段的日期"


def test_development_stage_on_the_same_day_as_the_previous_is_in_order():
    dates = {"applied_on": D(2022, 3, 1), "activist_on": D(2022, 3, 1)}
    assert rules.development_errors(dates) == {}


@pytest.mark.parametrize(
    ("talked_on", "ok"), [(D(2022, 2, 28), False), (D(2022, 3, 1), True), (None, True)]
)
def test_talk_is_not_before_the_application(talked_on, ok):
    errors = rules.development_errors({"applied_on": D(2022, 3, 1), "talked_on": talked_on})
    assert ("talked_on" not in errors) is ok


@pytest.mark.parametrize(
    ("birth_date", "applied_on", "ok"),
    [
        (D(2004, 3, 15), D(2022, 3, 14), False),  # the day before the 18th birthday
        (D(2004, 3, 15), D(2022, 3, 15), True),  # the 18th birthday
        (D(2004, 2, 29), D(2022, 2, 28), False),  # born 29 Feb: 18 only on 1 March
        (D(2004, 2, 29), D(2022, 3, 1), True),
        (D(1960, 1, 1), D(2022, 3, 1), True),
    ],
)
def test_applicant_is_at_least_eighteen_on_the_application_day(birth_date, applied_on, ok):
    errors = rules.development_errors({"applied_on": applied_on}, birth_date=birth_date)
    assert ("applied_on" not in errors) is ok
    if not ok:
        assert "年满18周岁" in errors["applied_on"] and "17岁" in errors["applied_on"]


@pytest.mark.parametrize(
    ("activist_on", "candidate_on", "ok"),
    [
        (D(2022, 4, 1), D(2023, 3, 31), False),  # 11 months 30 days
        (D(2022, 4, 1), D(2023, 4, 1), True),  # 12 months
        (D(2022, 8, 31), D(2023, 8, 30), False),
        (D(2022, 8, 31), D(2023, 8, 31), True),
        (D(2023, 2, 28), D(2024, 2, 27), False),
        (D(2023, 2, 28), D(2024, 2, 28), True),
        (D(2024, 2, 29), D(2025, 2, 27), False),
        (D(2024, 2, 29), D(2025, 2, 28), True),  # 29 Feb + a year
    ],
)
def test_activist_becomes_candidate_only_after_twelve_months(activist_on, candidate_on, ok):
    dates = {"applied_on": D(2022, 1, 1), "activist_on": activist_on, "candidate_on": candidate_on}
    errors = rules.development_errors(dates, sponsors=SPONSORS)
    assert ("candidate_on" not in errors) is ok
    if not ok:
        ready = rules.add_months(activist_on, 12).isoformat()
        assert errors["candidate_on"] == (
            f"入党积极分子须经12个月以上培养考察，最早可于{ready}列为发展对象"
        )


def test_activist_months_come_from_settings(settings):
    settings.DEVELOPMENT_ACTIVIST_MONTHS = 6
    dates = {"applied_on": D(2022, 1, 1), "activist_on": D(2022, 4, 1)}
    dates["candidate_on"] = D(2022, 10, 1)
    assert rules.development_errors(dates, sponsors=SPONSORS) == {}
    dates["candidate_on"] = D(2022, 9, 30)
    assert "candidate_on" in rules.development_errors(dates, sponsors=SPONSORS)


CANDIDATE_ON = D(2023, 4, 1)
NOT_FULL = "入党介绍人乙在2023-04-01不是在册正式党员"


@pytest.mark.parametrize(
    ("sponsors", "problem"),
    [
        (SPONSORS, ""),
        ((), "列为发展对象须有两名正式党员作入党介绍人"),
        (SPONSORS[:1], "列为发展对象须有两名正式党员作入党介绍人"),
        ((SPONSORS[0], (None, "", None, False)), "列为发展对象须有两名正式党员作入党介绍人"),
        ((SPONSORS[0], SPONSORS[0]), "两名入党介绍人须为不同的党员"),
        # 转正 on the candidate day counts; the day after does not.
        ((SPONSORS[0], (2, "乙", CANDIDATE_ON, True)), ""),
        ((SPONSORS[0], (2, "乙", CANDIDATE_ON + DAY, True)), NOT_FULL),
        ((SPONSORS[0], (2, "乙", None, True)), NOT_FULL),
        ((SPONSORS[0], (2, "乙", D(2016, 7, 1), False)), NOT_FULL),
    ],
)  # fmt: skip
def test_sponsors_are_two_distinct_full_members_on_the_register(sponsors, problem):
    assert rules.sponsor_problem(sponsors, CANDIDATE_ON) == problem
    dates = dates_until("candidate_on")
    errors = rules.development_errors(dates, sponsors=sponsors)
    assert errors.get("sponsors", "") == problem


def test_sponsors_are_not_needed_before_the_candidate_stage():
    assert rules.development_errors(dates_until("activist_on"), sponsors=()) == {}


@pytest.mark.parametrize(
    ("months", "ok"), [(0, True), (5, False), (6, True), (9, True), (12, True), (13, False)]
)
def test_probation_is_extended_by_six_to_twelve_months(months, ok):
    errors = rules.development_errors(
        dates_until("admitted_on"), sponsors=SPONSORS, extension_months=months
    )
    assert ("probation_extended_months" not in errors) is ok
    if not ok:
        assert errors["probation_extended_months"] == "预备期延长6至12个月"


def test_probation_is_extended_only_after_admission():
    errors = rules.development_errors(
        dates_until("candidate_on"), sponsors=SPONSORS, extension_months=6
    )
    assert errors == {"probation_extended_months": "接收为预备党员后才能延长预备期"}


@pytest.mark.parametrize(
    ("admitted_on", "extension", "expected"),
    [
        (D(2023, 6, 1), 0, D(2024, 6, 1)),
        (D(2024, 2, 29), 0, D(2025, 2, 28)),
        (D(2023, 8, 31), 6, D(2025, 2, 28)),  # 18 months
        (D(2022, 8, 31), 6, D(2024, 2, 29)),
        (D(2023, 6, 1), 12, D(2025, 6, 1)),
        (D(2023, 6, 1), None, D(2024, 6, 1)),
    ],
)
def test_probation_ends_twelve_months_after_admission_plus_the_extension(
    admitted_on, extension, expected
):
    assert rules.probation_end(admitted_on, extension) == expected


@pytest.mark.parametrize(
    ("extension", "full_on", "ok"),
    [
        (0, D(2024, 5, 31), False),
        (0, D(2024, 6, 1), True),  # the day probation runs out
        (0, D(2024, 6, 2), False),  # the meeting's day is not the 转正日期
        (6, D(2024, 11, 30), False),
        (6, D(2024, 12, 1), True),
        (12, D(2025, 5, 31), False),
        (12, D(2025, 6, 1), True),
        (12, D(2025, 6, 20), False),
    ],
)
def test_full_membership_dates_from_the_day_probation_ends(extension, full_on, ok):
    dates = dict(FULL_DATES, full_on=full_on)  # admitted 2023-06-01
    errors = rules.development_errors(dates, sponsors=SPONSORS, extension_months=extension)
    assert ("full_on" not in errors) is ok
    if not ok:
        end = rules.probation_end(FULL_DATES["admitted_on"], extension).isoformat()
        assert errors["full_on"] == f"转正日期为预备期满之日（{end}），党龄自该日算起"


def test_development_errors_are_reported_together():
    dates = {
        "applied_on": D(2022, 3, 1),
        "talked_on": D(2022, 2, 1),
        "activist_on": D(2022, 4, 1),
        "candidate_on": D(2022, 5, 1),
    }
    errors = rules.development_errors(dates, birth_date=D(2010, 1, 1), sponsors=())
    assert set(errors) == {"talked_on", "applied_on", "candidate_on", "sponsors"}


# --- what is due in development -----------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(D(2022, 4, 1), False), (D(2022, 4, 2), True)],  # due a month after 1 March
)
def test_applicant_is_talked_to_within_a_month(today, overdue):
    due = rules.development_due(rules.APPLICANT, {"applied_on": D(2022, 3, 1)}, today=today)
    assert due == ("与申请人谈话", D(2022, 4, 1), overdue)


def test_applicant_already_talked_to_has_nothing_due():
    dates = {"applied_on": D(2022, 3, 1), "talked_on": D(2022, 3, 5)}
    assert rules.development_due(rules.APPLICANT, dates, today=D(2023, 1, 1)) is None


def test_activist_is_due_as_candidate_twelve_months_on_and_never_overdue():
    due = rules.development_due(
        rules.ACTIVIST, {"activist_on": D(2023, 8, 31)}, today=D(2030, 1, 1)
    )
    assert due == ("可列为发展对象", D(2024, 8, 31), False)


@pytest.mark.parametrize(("today", "overdue"), [(D(2024, 6, 1), False), (D(2024, 6, 2), True)])
def test_probationary_member_is_due_for_full_membership_when_probation_ends(today, overdue):
    due = rules.development_due(
        rules.PROBATIONARY, dates_until("admitted_on"), probation_ends_on=D(2024, 6, 1),
        today=today,
    )  # fmt: skip
    assert due == ("预备期满讨论转正", D(2024, 6, 1), overdue)


@pytest.mark.parametrize("stage", [rules.CANDIDATE, rules.FULL, ""])
def test_other_stages_have_nothing_due(stage):
    assert rules.development_due(stage, FULL_DATES, today=D(2030, 1, 1)) is None


# --- transfers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued_on", "due"),
    [
        (D(2025, 5, 16), D(2025, 6, 16)),
        (D(2025, 1, 31), D(2025, 2, 28)),
        (D(2024, 1, 31), D(2024, 2, 29)),
        (D(2025, 12, 31), D(2026, 1, 31)),
    ],
)
def test_transfer_receipt_is_due_a_month_after_issue(issued_on, due):
    assert rules.receipt_due(issued_on) == due


@pytest.mark.parametrize(
    ("status", "today", "overdue"),
    [
        ("in_transit", D(2025, 6, 16), False),  # the receipt due day
        ("in_transit", D(2025, 6, 17), True),  # the day after
        ("received", D(2025, 9, 1), False),
        ("returned", D(2025, 9, 1), False),
    ],
)
def test_transfer_is_overdue_the_day_after_its_receipt_due_day(status, today, overdue):
    assert rules.transfer_overdue(status, D(2025, 6, 16), today) is overdue


@pytest.mark.parametrize(
    ("issued_on", "valid_until", "problem"),
    [
        (D(2025, 3, 10), D(2025, 3, 10), ""),
        (D(2025, 3, 10), D(2025, 6, 10), ""),  # 3 months
        (D(2025, 3, 10), D(2025, 6, 11), "介绍信有效期一般不超过3个月"),
        (D(2024, 11, 30), D(2025, 2, 28), ""),  # 30 Nov + 3 months
        (D(2024, 11, 30), D(2025, 3, 1), "介绍信有效期一般不超过3个月"),
        (D(2025, 3, 10), D(2025, 3, 9), "有效期不能早于开具日期"),
    ],
)
def test_transfer_letter_is_valid_for_at_most_three_months(issued_on, valid_until, problem):
    assert rules.letter_validity_problem(issued_on, valid_until) == problem


# --- floating members, lost contact, suspension, correction ---------------------------------


@pytest.mark.parametrize(
    ("last_contact_on", "today", "lost"),
    [
        (D(2024, 12, 17), D(2025, 6, 16), False),  # 5 months 30 days
        (D(2024, 12, 16), D(2025, 6, 16), True),  # 6 months
        (D(2025, 1, 16), D(2025, 6, 16), False),  # 5 months
        (D(2024, 8, 31), D(2025, 2, 27), False),
        (D(2024, 8, 31), D(2025, 2, 28), True),  # 31 Aug + 6 months
        (D(2023, 8, 29), D(2024, 2, 29), True),  # 29 Feb
        (D(2023, 8, 30), D(2024, 2, 28), False),
        (None, D(2025, 6, 16), False),  # never recorded: not evidence of lost contact
    ],
)
def test_member_is_lost_contact_after_six_months_without_contact(last_contact_on, today, lost):
    assert rules.is_lost_contact(last_contact_on, today) is lost


@pytest.mark.parametrize(
    ("on", "ok"), [(D(2025, 2, 27), False), (D(2025, 2, 28), True), (D(2025, 6, 1), True)]
)
def test_membership_is_suspended_only_six_months_after_contact_was_lost(on, ok):
    problem = rules.suspension_problem(D(2024, 8, 31), on)
    assert (problem == "") is ok
    if not ok:
        assert problem == "失去联系满6个月（2025-02-28）后才能停止党籍"


@pytest.mark.parametrize(
    ("decided_on", "until", "problem"),
    [
        (D(2025, 3, 10), D(2026, 3, 10), ""),  # 12 months
        (D(2025, 3, 10), D(2026, 3, 11), "限期改正最长12个月，即不晚于2026-03-10"),  # + 1 day
        (D(2024, 2, 29), D(2025, 2, 28), ""),
        (D(2024, 2, 29), D(2025, 3, 1), "限期改正最长12个月，即不晚于2025-02-28"),
        (D(2025, 3, 10), D(2025, 3, 11), ""),
        (D(2025, 3, 10), D(2025, 3, 10), "改正期限须晚于决定日期"),
        (D(2025, 3, 10), D(2025, 3, 1), "改正期限须晚于决定日期"),
    ],
)
def test_correction_lasts_at_most_twelve_months(decided_on, until, problem):
    assert rules.correction_problem(decided_on, until) == problem


@pytest.mark.parametrize(
    ("setting", "call"),
    [
        ("TRANSFER_RECEIPT_MONTHS", lambda: rules.receipt_due(D(2025, 1, 15)) == D(2025, 3, 15)),
        ("LOST_CONTACT_MONTHS", lambda: rules.is_lost_contact(D(2025, 1, 15), D(2025, 3, 15))),
        ("PROBATION_MONTHS", lambda: rules.probation_end(D(2025, 1, 15)) == D(2025, 3, 15)),
    ],
)
def test_deadlines_read_their_months_from_settings(settings, setting, call):
    setattr(settings, setting, 2)
    assert call()
