"""Coverage (两个覆盖, §四) in the database: what covers each org, as expressions on
SocialOrg, and the coverage worklists as filters.

The rules are orgs.rules (coverage_status, recommended_form, ready_to_stand_alone,
key_sector_finding, new_party_org_risks, term_due); here they become SQL so that a
dashboard counts them for 20,000 orgs in one aggregate query and an admin list filters
by the very same expression. It lives in members because an org's coverage depends on
members (full members working there, instructors' posts), and orgs must not import
members (architecture.md).

Tests hold each expression to its rule in orgs.rules: the same orgs through both.
"""

import operator
from functools import reduce

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Least
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils.translation import gettext_lazy as _

from members import selectors
from members.models import Member, Post
from members.selectors import Worklist
from orgs import rules
from orgs.admin_tools import count_of
from orgs.models import CoveragePlan, MassOrganization, PartyOrganization, SocialOrg, stale_cutoff
from orgs.models.coverage import overdue_plan_q

ACTIVE = Q(status=SocialOrg.Status.ACTIVE)

# Key-sector status of an org (§四 重点领域): in a key sector with at least
# KEY_SECTOR_MIN_STAFF staff (must have a Party organization), in one with fewer, or not.
KEY_REQUIRED, KEY_SMALL, KEY_OTHER = "required", "small", "other"
KEY_STATUS_LABELS = {
    KEY_REQUIRED: _("重点领域（应建立党组织）"),
    KEY_SMALL: _("重点领域（从业人员不足规定人数）"),
    KEY_OTHER: _("非重点领域"),
}


def existing_q(today, prefix=""):
    """A Party organization (or anything with a 撤销日期) exists on `today`
    (rules.active_on); `prefix` reaches it through a relation."""
    return Q(**{f"{prefix}dissolved_on__isnull": True}) | Q(**{f"{prefix}dissolved_on__gt": today})


def existing_party_orgs(today):
    return PartyOrganization.objects.filter(existing_q(today))


def covering(today, formations=None):
    """EXISTS: an existing Party organization covers the org (of `formations`, if given).

    Joined through the link table by the org's key (its index), not `IN (existing Party
    organizations)`: SQLite walks such a list for every org (0.35 s for 2,000 orgs)."""
    links = PartyOrganization.covered_orgs.through.objects.filter(
        existing_q(today, "partyorganization__"), socialorg_id=OuterRef("pk")
    )
    if formations is not None:
        links = links.filter(partyorganization__formation__in=formations)
    return Exists(links)


def instructing(today):
    """Links of instructors in post (Post.current) to the orgs they guide."""
    return Post.guided_orgs.through.objects.filter(
        Q(post__ended_on__isnull=True) | Q(post__ended_on__gt=today),
        post__kind=Post.Kind.INSTRUCTOR,
        post__started_on__lte=today,
    )


def instructed(today):
    """EXISTS: a 党建工作指导员 in post guides the org."""
    return Exists(instructing(today).filter(socialorg_id=OuterRef("pk")))


def has_mass_org(today):
    """EXISTS: a mass organization (工会, 共青团, 妇联 …) exists in the org."""
    return Exists(MassOrganization.objects.existing(today).filter(org=OuterRef("pk")))


def has_open_plan():
    return Exists(CoveragePlan.objects.open().filter(org=OuterRef("pk")))


def full_members_working(cap=None):
    """Full members on the register who work in the org, counted up to `cap` (the
    recommended form needs only 0, 1–2 or ≥ STANDALONE_MIN_FULL_MEMBERS; 0: all of them)."""
    return _capped(count_of(_full_members(), "workplace"), cap)


def _full_members():
    return Member.objects.on_register().filter(category=Member.Category.FULL)


def _capped(count, cap):
    cap = settings.STANDALONE_MIN_FULL_MEMBERS if cap is None else cap
    return Least(count, Value(cap)) if cap else count


def key_sector_q():
    """The org is in a key sector (settings.KEY_SECTORS: (kind, sector or "" for any))."""
    parts = [
        Q(kind=kind, sector=sector) if sector else Q(kind=kind)
        for kind, sector in settings.KEY_SECTORS
    ]
    return reduce(operator.or_, parts) if parts else Q(pk__in=[])


def key_status():
    """KEY_REQUIRED / KEY_SMALL / KEY_OTHER as a CASE on the org's own fields."""
    return Case(
        When(
            key_sector_q() & Q(staff_count__gte=settings.KEY_SECTOR_MIN_STAFF),
            then=Value(KEY_REQUIRED),
        ),
        When(key_sector_q(), then=Value(KEY_SMALL)),
        default=Value(KEY_OTHER),
    )


# --- coverage status as filters -------------------------------------------------------


def organizational_q(today):
    return ACTIVE & Q(covering(today))


def work_q(today):
    return ACTIVE & ~Q(covering(today)) & (Q(instructed(today)) | Q(has_mass_org(today)))


def uncovered_q(today):
    return ACTIVE & ~Q(covering(today)) & ~Q(instructed(today)) & ~Q(has_mass_org(today))


STATUS_FILTERS = {
    rules.ORGANIZATIONAL: organizational_q,
    rules.WORK: work_q,
    rules.UNCOVERED: uncovered_q,
}
STATUS_LABELS = {
    rules.ORGANIZATIONAL: _("组织覆盖"),
    rules.WORK: _("工作覆盖"),
    rules.UNCOVERED: _("未覆盖"),
}


def recommended_form_q(form):
    """Uncovered orgs whose full members call for `form` (rules.recommended_form): ≥ 3
    单独组建; 1–2 联合组建 (or the zone's workstation); none an instructor."""
    threshold = settings.STANDALONE_MIN_FULL_MEMBERS
    full = full_members_working()
    if form == rules.STANDALONE:
        return Q(GreaterThanOrEqual(full, threshold))
    if form == rules.INSTRUCTOR:
        return Q(LessThan(full, 1))
    return Q(GreaterThanOrEqual(full, 1)) & Q(LessThan(full, threshold))


# --- worklists ------------------------------------------------------------------------


def _uncovered_without_plan(today):
    return uncovered_q(today) & ~Q(has_open_plan())


def _ready_to_stand_alone(today):
    # rules.ready_to_stand_alone: ≥ 3 full members, covered, and not on its own.
    return (
        ACTIVE
        & Q(covering(today))
        & ~Q(covering(today, [PartyOrganization.Formation.STANDALONE]))
        & Q(GreaterThanOrEqual(full_members_working(), settings.STANDALONE_MIN_FULL_MEMBERS))
    )


def _key_sector_violations(today):
    # rules.key_sector_finding: a key-sector org of ≥ 30 staff without a Party organization.
    return (
        ACTIVE
        & key_sector_q()
        & Q(staff_count__gte=settings.KEY_SECTOR_MIN_STAFF)
        & ~Q(covering(today))
    )


def _stale_archives(today):
    return ACTIVE & Q(archive_updated_at__lt=stale_cutoff())


def current_secretary(today):
    """EXISTS: a secretary in post (Post.current) on `today`."""
    secretaries = Post.objects.current(today).filter(kind=Post.Kind.SECRETARY)
    return Exists(secretaries.filter(party_org=OuterRef("pk")))


def full_members_held(cap=None):
    """Full members on the register whose relationship the Party organization holds,
    counted up to `cap` (as full_members_working)."""
    return _capped(count_of(_full_members(), "party_org"), cap)


# Risks of a new Party organization that other apps know: functions of `today` giving a
# Q on PartyOrganization. Organizational life (assessments, which imports members)
# registers "no activity for NEW_PARTY_ORG_IDLE_DAYS" from its AppConfig.ready().
NEW_PARTY_ORG_RISKS = []


def _new_party_orgs_at_risk(today):
    # rules.new_party_org_risks: in its first NEW_PARTY_ORG_WATCH_MONTHS, without a
    # secretary, with fewer than 3 full members, or idle (NEW_PARTY_ORG_RISKS).
    watched_since = rules.months_before(today, settings.NEW_PARTY_ORG_WATCH_MONTHS)
    risks = ~Q(current_secretary(today)) | Q(
        LessThan(full_members_held(), settings.STANDALONE_MIN_FULL_MEMBERS)
    )
    for risk in NEW_PARTY_ORG_RISKS:
        risks |= risk(today)
    return existing_q(today) & Q(founded_on__gt=watched_since) & risks


def term_due_q(today):
    """换届 due (rules.term_due): the term started at least its length (by kind) ago."""
    q = Q(pk__in=[])
    for kind, years in settings.PARTY_TERM_YEARS.items():
        last_start = rules.latest_due_start(today, years)
        q |= Q(kind=kind) & (
            Q(term_started_on__lte=last_start)
            | Q(term_started_on__isnull=True, founded_on__lte=last_start)
        )
    return q & existing_q(today)


WORKLISTS = (
    Worklist(
        "uncovered_without_plan",
        _("未覆盖且无组建计划"),
        SocialOrg,
        _uncovered_without_plan,
        overdue=True,
        help=_("既无党组织，也无指导员或群团组织，且没有未完成的组建计划"),
    ),
    Worklist(
        "plans_overdue",
        _("组建计划逾期"),
        CoveragePlan,
        overdue_plan_q,
        overdue=True,
        help=_("未完成且已过完成期限"),
        link="state=overdue",
    ),
    Worklist(
        "ready_to_stand_alone",
        _("具备单独组建条件"),
        SocialOrg,
        _ready_to_stand_alone,
        help=_("正式党员3名以上，目前仅由联合组建或工作站党组织覆盖"),
    ),
    Worklist(
        "key_sector_violations",
        _("重点领域应建未建"),
        SocialOrg,
        _key_sector_violations,
        overdue=True,
        help=_("民办学校、民办医院和律师、会计师、税务师事务所，从业人员30人以上未建党组织"),
    ),
    Worklist(
        "new_party_orgs_at_risk",
        _("新建党组织存在风险"),
        PartyOrganization,
        _new_party_orgs_at_risk,
        help=_("成立未满12个月，90天以上未开展组织生活、未配备书记或正式党员不足3名"),
    ),
    Worklist(
        "term_due",
        _("应换届"),
        PartyOrganization,
        term_due_q,
        overdue=True,
        help=_("任期届满（党委5年，党总支、党支部3年）"),
        link="term_due=yes",
    ),
    Worklist(
        "stale_archives",
        _("档案超过12个月未更新"),
        SocialOrg,
        _stale_archives,
        help=_("一社一档应随登记、年检及时更新"),
    ),
)
BY_KEY = {worklist.key: worklist for worklist in WORKLISTS}
# Every worklist of the system: coverage's, then the member lifecycle's (members.selectors).
ALL_WORKLISTS = WORKLISTS + selectors.WORKLISTS


# What covers an org at best: a Party organization of its own, one it shares, or none.
OWN, SHARED, NONE = 2, 1, 0


CUBE_COLUMNS = (
    "district_id", "kind", "sector", "channel", "key_status", "level", "instructed",
    "mass_org", "open_plan", "full", "stale",
)  # fmt: skip


FACT_COLUMNS = ("level", "instructed", "mass_org", "open_plan", "members", "full_members")


def org_cube(scope, today):
    """The active orgs of `scope` counted by district, kind, sector, channel, key-sector
    status and what covers them: one GROUP BY query whose rows are summed into totals,
    breakdowns and the org worklists' counts (a few thousand grouped rows, not one per
    org).

    Each row (a dict): CUBE_COLUMNS, n (orgs), members and full_members (on the
    register, working in those orgs). level is OWN / SHARED / NONE; full counts an
    org's full members up to STANDALONE_MIN_FULL_MEMBERS. cube_worklists()
    reads the worklists off it; tests hold both to the filters of WORKLISTS.

    What covers each org comes from LEFT JOINs to tables aggregated once (Party
    organizations per org, instructed orgs, mass organizations, open plans, members per
    org), not from a correlated subquery per org: PostgreSQL evaluates those again
    for the GROUP BY (1.0 s instead of 0.27 s for 20,000 orgs). Django cannot join a
    derived table, so the statement is assembled here from querysets, each compiled by
    the ORM with its own parameters; the scope is the ORM's, as everywhere.
    """
    orgs = (
        SocialOrg.objects.for_scope(scope)
        .filter(ACTIVE)
        .annotate(key_status=key_status(), stale=Q(archive_updated_at__lt=stale_cutoff()))
        .order_by()
        .values(
            oid=F("pk"),
            did=F("district_id"),
            okind=F("kind"),
            osector=F("sector"),
            ochannel=F("channel"),
            okey=F("key_status"),
            ostale=F("stale"),
        )  # fmt: skip
    )
    # What each org has, one source per line, as (org, level, instructed, mass_org,
    # open_plan, members, full members); summed per org below.
    sources = (
        (
            PartyOrganization.covered_orgs.through.objects.filter(
                existing_q(today, "partyorganization__")
            ).values(oid=F("socialorg_id"), value=_level_case()),
            "value, 0, 0, 0, 0, 0",
        ),
        (instructing(today).values(oid=F("socialorg_id")), "0, 1, 0, 0, 0, 0"),
        (MassOrganization.objects.existing(today).values(oid=F("org")), "0, 0, 1, 0, 0, 0"),
        (CoveragePlan.objects.open().values(oid=F("org")), "0, 0, 0, 1, 0, 0"),
        (
            Member.objects.on_register()
            .values(oid=F("workplace"))
            .annotate(
                members=Count("pk"),
                full_count=Count("pk", filter=Q(category=Member.Category.FULL)),
            ),
            "0, 0, 0, 0, members, full_count",
        ),
    )
    try:
        orgs_sql, params = orgs.query.sql_with_params()
    except EmptyResultSet:
        return []  # an empty scope
    unions = []
    for queryset, columns in sources:
        sql, part_params = queryset.order_by().query.sql_with_params()
        named = ", ".join(
            f"{value} AS {name}"
            for value, name in zip(columns.split(", "), FACT_COLUMNS, strict=True)
        )
        unions.append(f"SELECT oid, {named} FROM ({sql}) source")
        params += part_params
    cap = settings.STANDALONE_MIN_FULL_MEMBERS
    sql = f"""
        SELECT o.did, o.okind, o.osector, o.ochannel, o.okey,
               COALESCE(f.level, {NONE}), COALESCE(f.instructed, 0), COALESCE(f.mass_org, 0),
               COALESCE(f.open_plan, 0),
               CASE WHEN f.full_n >= {cap:d} THEN {cap:d} ELSE COALESCE(f.full_n, 0) END,
               CASE WHEN o.ostale THEN 1 ELSE 0 END,
               COUNT(*), COALESCE(SUM(f.members), 0), COALESCE(SUM(f.full_n), 0)
        FROM ({orgs_sql}) o
        LEFT JOIN (
            SELECT oid, MAX(level) AS level, MAX(instructed) AS instructed,
                   MAX(mass_org) AS mass_org, MAX(open_plan) AS open_plan,
                   SUM(members) AS members, SUM(full_members) AS full_n
            FROM ({" UNION ALL ".join(unions)}) facts
            GROUP BY oid
        ) f ON f.oid = o.oid
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(CUBE_COLUMNS)
    # PostgreSQL sums bigints into numerics (Decimal): the counts are ints.
    return [
        {
            **dict(zip(CUBE_COLUMNS, row[:width], strict=True)),
            "full": int(row[CUBE_COLUMNS.index("full")]),
            "n": row[width],
            "members": int(row[width + 1]),
            "full_members": int(row[width + 2]),
        }
        for row in rows
    ]


def _level_case():
    return Case(
        When(partyorganization__formation=PartyOrganization.Formation.STANDALONE, then=Value(OWN)),
        default=Value(SHARED),
    )


def cube_status(row):
    """The coverage status (rules.coverage_status) of the orgs of a cube row."""
    if row["level"] != NONE:
        return rules.ORGANIZATIONAL
    if row["instructed"] or row["mass_org"]:
        return rules.WORK
    return rules.UNCOVERED


def cube_worklists(row):
    """The keys of the org worklists (WORKLISTS on SocialOrg) the row's orgs are on."""
    status = cube_status(row)
    keys = []
    if status == rules.UNCOVERED and not row["open_plan"]:
        keys.append("uncovered_without_plan")
    if row["level"] == SHARED and row["full"] >= settings.STANDALONE_MIN_FULL_MEMBERS:
        keys.append("ready_to_stand_alone")
    if row["key_status"] == KEY_REQUIRED and status != rules.ORGANIZATIONAL:
        keys.append("key_sector_violations")
    if row["stale"]:
        keys.append("stale_archives")
    return keys
