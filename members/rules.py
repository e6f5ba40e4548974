"""Deadlines and guards of the member lifecycle as pure functions over plain values.

No ORM here: models, services and selectors call these; numbers come from settings
(config/rules.py) and can be passed in for tests. Field errors are returned as
{field name: message} so a form shows each beside its field.
"""

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from orgs.rules import add_months, age_on, months_before  # noqa: F401 (re-exported)

APPLICANT, ACTIVIST, CANDIDATE, PROBATIONARY, FULL = (
    "applicant",
    "activist",
    "candidate",
    "probationary",
    "full",
)
# The development stages in order, each with the date field that marks it.
STAGE_DATES = (
    (APPLICANT, "applied_on"),
    (ACTIVIST, "activist_on"),
    (CANDIDATE, "candidate_on"),
    (PROBATIONARY, "admitted_on"),
    (FULL, "full_on"),
)


def due_soon_until(today, days=None):
    days = settings.WORKLIST_DUE_SOON_DAYS if days is None else days
    return today + timedelta(days=days)


# --- development (发展党员) -------------------------------------------------------------


def development_stage(dates):
    """The stage reached: the last stage whose date is filled ('' when none)."""
    stage = ""
    for name, field in STAGE_DATES:
        if dates.get(field):
            stage = name
    return stage


def probation_end(admitted_on, extension_months=0, months=None):
    """The day probation runs out: 12 months after admission, plus any extension."""
    months = settings.PROBATION_MONTHS if months is None else months
    return add_months(admitted_on, months + (extension_months or 0))


def development_errors(dates, *, birth_date=None, extension_months=0, sponsors=()):
    """What is wrong with a development record's dates, as {field: message}.

    `dates` maps the date fields of STAGE_DATES (and talked_on) to dates or None.
    `sponsors` are the chosen sponsors, as sponsor_problem() takes them.
    """
    errors = {}
    # No stage without the one before it, and dates in order.
    previous = None
    for name, field in STAGE_DATES:
        day = dates.get(field)
        if day and previous and not dates.get(previous[1]):
            errors[field] = _("须先填写前一阶段的日期")
        elif day and previous and dates.get(previous[1]) and day < dates[previous[1]]:
            errors[field] = _("不能早于前一阶段的日期")
        previous = (name, field)
    talked_on, applied_on = dates.get("talked_on"), dates.get("applied_on")
    if talked_on and applied_on and talked_on < applied_on:
        errors["talked_on"] = _("谈话日期不能早于申请日期")
    if birth_date and applied_on:
        age = age_on(birth_date, applied_on)
        if age < settings.MEMBER_MIN_JOIN_AGE:
            message = _("申请入党时应年满{age}周岁（按身份证号计算为{actual}岁）")
            errors["applied_on"] = message.format(age=settings.MEMBER_MIN_JOIN_AGE, actual=age)
    activist_on, candidate_on = dates.get("activist_on"), dates.get("candidate_on")
    if activist_on and candidate_on and "candidate_on" not in errors:
        months = settings.DEVELOPMENT_ACTIVIST_MONTHS
        ready = add_months(activist_on, months)
        if candidate_on < ready:
            errors["candidate_on"] = _(
                "入党积极分子须经{months}个月以上培养考察，最早可于{day}列为发展对象"
            ).format(months=months, day=ready.isoformat())
    if candidate_on:
        problem = sponsor_problem(sponsors, candidate_on)
        if problem:
            errors["sponsors"] = problem
    low, high = settings.PROBATION_EXTENSION_MONTHS
    if extension_months and not low <= extension_months <= high:
        errors["probation_extended_months"] = _("预备期延长{low}至{high}个月").format(
            low=low, high=high
        )
    elif extension_months and not dates.get("admitted_on"):
        errors["probation_extended_months"] = _("接收为预备党员后才能延长预备期")
    admitted_on, full_on = dates.get("admitted_on"), dates.get("full_on")
    if admitted_on and full_on and "full_on" not in errors:
        end = probation_end(admitted_on, extension_months)
        # 党章 第七条: 党龄 counts from the day probation ends, whenever the meeting that
        # approves 转正 is held; so the 转正日期 is that day.
        if full_on != end:
            errors["full_on"] = _("转正日期为预备期满之日（{day}），党龄自该日算起").format(
                day=end.isoformat()
            )
    return errors


def sponsor_problem(sponsors, on):
    """Two different full members on the register are the sponsors (入党介绍人).

    `sponsors` are (id, name, full_member_on or None, on_register) tuples."""
    if len(sponsors) != 2 or None in {s[0] for s in sponsors}:
        return _("列为发展对象须有两名正式党员作入党介绍人")
    if sponsors[0][0] == sponsors[1][0]:
        return _("两名入党介绍人须为不同的党员")
    for _id, name, full_member_on, on_register in sponsors:
        if not on_register or full_member_on is None or full_member_on > on:
            return _("入党介绍人{name}在{day}不是在册正式党员").format(
                name=name, day=on.isoformat()
            )
    return ""


def development_due(stage, dates, *, probation_ends_on=None, today):
    """(what is due, the day it is due, overdue?) for a record in `stage`, or None."""
    if stage == APPLICANT and not dates.get("talked_on"):
        due = add_months(dates["applied_on"], settings.DEVELOPMENT_TALK_MONTHS)
        return (_("与申请人谈话"), due, due < today)
    if stage == ACTIVIST:
        due = add_months(dates["activist_on"], settings.DEVELOPMENT_ACTIVIST_MONTHS)
        return (_("可列为发展对象"), due, False)
    if stage == PROBATIONARY and probation_ends_on:
        return (_("预备期满讨论转正"), probation_ends_on, probation_ends_on < today)
    return None


# --- transfers, floating members, lost contact, corrections -----------------------------


def receipt_due(issued_on, months=None):
    """The day a transfer's receipt (回执) is due."""
    return add_months(issued_on, settings.TRANSFER_RECEIPT_MONTHS if months is None else months)


def letter_validity_problem(issued_on, valid_until, max_months=None):
    max_months = settings.TRANSFER_LETTER_MAX_MONTHS if max_months is None else max_months
    if valid_until < issued_on:
        return _("有效期不能早于开具日期")
    if valid_until > add_months(issued_on, max_months):
        return _("介绍信有效期一般不超过{months}个月").format(months=max_months)
    return ""


def transfer_overdue(status, receipt_due_on, today):
    """在途 past its receipt due day is 超期."""
    return status == "in_transit" and receipt_due_on < today


def is_lost_contact(last_contact_on, today, months=None):
    """Out of contact ≥ 6 months (失联). An unknown last contact is not evidence of it."""
    months = settings.LOST_CONTACT_MONTHS if months is None else months
    return last_contact_on is not None and add_months(last_contact_on, months) <= today


def suspension_problem(lost_since, on, months=None):
    """停止党籍 only once contact has been lost for the full period."""
    months = settings.LOST_CONTACT_MONTHS if months is None else months
    earliest = add_months(lost_since, months)
    if on < earliest:
        return _("失去联系满{months}个月（{day}）后才能停止党籍").format(
            months=months, day=earliest.isoformat()
        )
    return ""


def correction_problem(decided_on, until, max_months=None):
    """限期改正 lasts at most 12 months from the decision."""
    max_months = settings.CORRECTION_MAX_MONTHS if max_months is None else max_months
    if until <= decided_on:
        return _("改正期限须晚于决定日期")
    if until > add_months(decided_on, max_months):
        return _("限期改正最长{months}个月，即不晚于{day}").format(
            months=max_months, day=add_months(decided_on, max_months).isoformat()
        )
    return ""
