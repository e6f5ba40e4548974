"""Worklists of the member lifecycle: what is due or overdue in a user's scope.

Each worklist is a filter (a Q on one model, built for a given day). The worklist page
counts it, the model's admin list filters by it (?worklist=key), and the dashboard will
read the same counts, so a number and the list behind it cannot disagree.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from members import rules
from members.models import Development, Disposition, FloatingRecord, LostContact, Member, Transfer
from orgs.db import count_each


@dataclass(frozen=True)
class Worklist:
    key: str
    title: str
    model: type
    build: object  # today -> Q on `model`
    overdue: bool = False
    help: str = ""
    # The admin list's query string that shows the worklist's rows.
    link: str = ""

    @property
    def query_string(self):
        return self.link or f"worklist={self.key}"

    def q(self, today):
        return self.build(today)

    def queryset(self, scope, today):
        return self.model.objects.for_scope(scope).filter(self.q(today))


def _open_development(stage):
    return Q(stage=stage, stopped_on__isnull=True)


def _talk_overdue(today):
    # Due a month after applying; overdue from the day after.
    last_day = rules.months_before(today - timedelta(days=1), settings.DEVELOPMENT_TALK_MONTHS)
    return _open_development(rules.APPLICANT) & Q(talked_on__isnull=True, applied_on__lte=last_day)


def _activist_ready(today):
    ready = rules.months_before(today, settings.DEVELOPMENT_ACTIVIST_MONTHS)
    return _open_development(rules.ACTIVIST) & Q(activist_on__lte=ready)


def _probation_ending(today):
    return _open_development(rules.PROBATIONARY) & Q(
        probation_ends_on__gte=today, probation_ends_on__lte=rules.due_soon_until(today)
    )


def _probation_overdue(today):
    return _open_development(rules.PROBATIONARY) & Q(probation_ends_on__lt=today)


# Items about a member matter while the member is on the register: one taken off it
# (已转出, 停止党籍, 除名 …) leaves nothing to act on.
ON_REGISTER = Q(member__status=Member.Status.ACTIVE)


def _transfers_in_transit(today):
    return ON_REGISTER & Q(status=Transfer.Status.IN_TRANSIT, receipt_due_on__gte=today)


def _transfers_overdue(today):
    return ON_REGISTER & Q(status=Transfer.Status.IN_TRANSIT, receipt_due_on__lt=today)


def _floating_to_transfer(today):
    since = rules.months_before(today, settings.FLOATING_TRANSFER_MONTHS)
    moved = Transfer.objects.filter(
        member=OuterRef("member"),
        issued_on__gte=OuterRef("since"),
        status__in=(Transfer.Status.IN_TRANSIT, Transfer.Status.RECEIVED),
    )
    return (
        ON_REGISTER
        & Q(ended_on__isnull=True, fixed_place=True, since__lte=since)
        & ~Q(Exists(moved))
    )


def _lost_contact_unregistered(today):
    last = rules.months_before(today, settings.LOST_CONTACT_MONTHS)
    registered = LostContact.objects.filter(member=OuterRef("pk"), outcome=LostContact.Outcome.OPEN)
    return Q(status=Member.Status.ACTIVE, last_contact_on__lte=last) & ~Q(Exists(registered))


def _lost_contact_open(today):
    return ON_REGISTER & Q(outcome=LostContact.Outcome.OPEN)


def _corrections_ending(today):
    return ON_REGISTER & Q(
        kind=Disposition.Kind.CORRECTION,
        corrected_on__isnull=True,
        correction_until__lte=rules.due_soon_until(today),
    )


WORKLISTS = (
    Worklist(
        "talk_overdue",
        _("入党申请人谈话逾期"),
        Development,
        _talk_overdue,
        overdue=True,
        help=_("收到入党申请一个月内应派人谈话"),
    ),
    Worklist(
        "activist_ready",
        _("入党积极分子可列为发展对象"),
        Development,
        _activist_ready,
        help=_("培养考察已满一年"),
    ),
    Worklist(
        "probation_ending",
        _("预备期即将届满"),
        Development,
        _probation_ending,
        help=_("30天内预备期满，应及时讨论转正"),
    ),
    Worklist(
        "probation_overdue",
        _("预备期已满未转正"),
        Development,
        _probation_overdue,
        overdue=True,
    ),
    Worklist("transfers_in_transit", _("组织关系转接在途"), Transfer, _transfers_in_transit),
    Worklist(
        "transfers_overdue",
        _("组织关系转接超期"),
        Transfer,
        _transfers_overdue,
        overdue=True,
        help=_("开具介绍信一个月内未收到回执"),
    ),
    Worklist(
        "floating_to_transfer",
        _("流动党员应转接组织关系"),
        FloatingRecord,
        _floating_to_transfer,
        overdue=True,
        help=_("在固定地点满6个月仍未转接"),
    ),
    Worklist(
        "lost_contact_unregistered",
        _("失去联系满6个月未登记"),
        Member,
        _lost_contact_unregistered,
        overdue=True,
        help=_("最近联系日期已超过6个月，应登记为失联党员并查找"),
    ),
    Worklist("lost_contact_open", _("失联党员查找中"), LostContact, _lost_contact_open),
    Worklist(
        "corrections_ending",
        _("限期改正即将到期或已到期"),
        Disposition,
        _corrections_ending,
        help=_("到期应确认改正情况或另作处置"),
    ),
)
BY_KEY = {worklist.key: worklist for worklist in WORKLISTS}


def keeps_member(scope, member_id):
    """Whether `scope` sees the member (works in its orgs, or held by a secretary's Party
    organization): the side that may act for them and see their full ID number."""
    return Member.objects.for_scope(scope).filter(pk=member_id).exists()


def worklist_counts(scope, today, worklists=WORKLISTS):
    """{key: count} of `worklists` in `scope`, all in one query (orgs.db.count_each)."""
    return count_each({w.key: w.queryset(scope, today) for w in worklists})
