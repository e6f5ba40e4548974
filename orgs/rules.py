"""Rules of the seed and the regulations as pure functions over plain values.

No ORM here: selectors gather the values, views and reports call these. Numbers come
from settings (config/rules.py) and can be passed in for tests.
"""

import calendar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

STANDALONE, JOINT, WORKSTATION = "standalone", "joint", "workstation"


@dataclass(frozen=True)
class Finding:
    """A rule's verdict: ok or not, with the reason a person can read."""

    ok: bool
    reason: str = ""


def coverage_count(formation, covered, over_limit_reason="", joint_max=None):
    """How many orgs a Party organization may cover (§四).

    单独组建 covers exactly one org; a joint one (联合组建, or in a workstation) normally at
    most JOINT_PARTY_ORG_MAX_ORGS, more only with a recorded reason.
    """
    joint_max = settings.JOINT_PARTY_ORG_MAX_ORGS if joint_max is None else joint_max
    if covered == 0:
        return Finding(False, _("须至少覆盖一个社会组织"))
    if formation == STANDALONE:
        if covered != 1:
            return Finding(
                False, _("单独组建的党组织只覆盖一个社会组织，当前为{n}个").format(n=covered)
            )
        return Finding(True)
    if covered > joint_max and not over_limit_reason.strip():
        return Finding(
            False,
            _("联合组建的党组织一般不超过{max}个单位，当前为{n}个，须填写理由").format(
                max=joint_max, n=covered
            ),
        )
    return Finding(True)


def needs_committee(full_members, has_committee, threshold=None):
    """≥ 7 full members need a branch committee (支部工作条例 第八条)."""
    threshold = settings.COMMITTEE_MIN_FULL_MEMBERS if threshold is None else threshold
    return full_members >= threshold and not has_committee


def add_months(day, months):
    """`day` moved by whole months; the 31st becomes the month's last day where needed."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def months_before(today, months):
    """The latest day whose `months`-month period has run out by `today`, for filters like
    `since <= months_before(today, 6)` that agree with `add_months(since, 6) <= today`."""
    day = add_months(today, -months)
    # Month ends: 31 August + 6 months is 28 February, so on 28 February every day from
    # the 28th to the 31st of August has run out.
    while add_months(day + timedelta(days=1), months) <= today:
        day += timedelta(days=1)
    return day


def term_end(term_start, years):
    """The day a term of `years` years starting on `term_start` runs out (29 February
    runs out on 28 February)."""
    return add_months(term_start, 12 * years)


def latest_due_start(today, years):
    """The latest term start whose `years`-year term has run out by `today`, so a list can
    filter with `term_start <= latest_due_start(...)` and agree with term_due()."""
    return months_before(today, 12 * years)


def term_due(kind, term_start, today, dissolved=False, term_years=None):
    """换届 due: the term has run its length (党委 5 years, 总支/支部 3) and it still exists."""
    if dissolved or term_start is None:
        return False
    years = (term_years or settings.PARTY_TERM_YEARS)[kind]
    return today >= term_end(term_start, years)


def age_on(birth_date, day):
    """Whole years of age on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def full_membership_gap(joined_on, full_member_on, low=None, high=None):
    """转正 about a year after 入党 (probation 12 months, extendable 6–12 months)."""
    low = settings.FULL_MEMBERSHIP_MIN_DAYS if low is None else low
    high = settings.FULL_MEMBERSHIP_MAX_DAYS if high is None else high
    gap = (full_member_on - joined_on).days
    if low <= gap <= high:
        return Finding(True)
    return Finding(
        False,
        _("转正日期应在入党日期后约一年（{low}至{high}天），当前相差{gap}天").format(
            low=low, high=high, gap=gap
        ),
    )


# --- coverage (两个覆盖, §四) and managing channel (§八) ----------------------------------

ORGANIZATIONAL, WORK, UNCOVERED, NOT_APPLICABLE = (
    "organizational",
    "work",
    "uncovered",
    "not_applicable",
)
INSTRUCTOR = "instructor"  # the recommended form for an org without full members


@dataclass(frozen=True)
class Verdict:
    """A rule's answer that is one of several values, with the reasons a person reads."""

    value: str
    reasons: tuple = ()


def active_on(dissolved_on, today):
    """A Party organization exists on `today` unless dissolved by then."""
    return dissolved_on is None or dissolved_on > today


def coverage_status(*, org_active, party_orgs_dissolved_on, today, instructors=0, mass_orgs=()):
    """两个覆盖 of one org (§四): 组织覆盖 by an existing Party organization (single, joint
    or in a workstation), else 工作覆盖 by an instructor or a mass organization, else
    uncovered. `party_orgs_dissolved_on` lists the covering Party organizations' 撤销日期
    (None while they exist). A deregistered or revoked org is outside the count."""
    if not org_active:
        return Verdict(NOT_APPLICABLE, (_("社会组织已注销或撤销，不计入覆盖"),))
    existing = sum(active_on(day, today) for day in party_orgs_dissolved_on)
    if existing:
        return Verdict(ORGANIZATIONAL, (_("已建立党组织{n}个").format(n=existing),))
    reasons = []
    if len(party_orgs_dissolved_on):
        reasons.append(_("原党组织已撤销"))
    if instructors:
        reasons.append(_("已选派党建工作指导员{n}名").format(n=instructors))
    if mass_orgs:
        reasons.append(_("已建立群团组织：{names}").format(names="、".join(mass_orgs)))
    if instructors or mass_orgs:
        return Verdict(WORK, tuple(reasons))
    return Verdict(UNCOVERED, (*reasons, _("未建立党组织，也未选派党建工作指导员或建立群团组织")))


def recommended_form(full_members, *, zone_has_workstation=False, threshold=None):
    """How an org should be covered, from the full members working in it (§四): ≥ 3 on its
    own (单独组建); 1–2 jointly (联合组建) or through its zone's workstation; none by an
    instructor and mass organizations."""
    threshold = settings.STANDALONE_MIN_FULL_MEMBERS if threshold is None else threshold
    if full_members >= threshold:
        return Verdict(
            STANDALONE,
            (_("有正式党员{n}名，达到{min}名，应单独组建").format(n=full_members, min=threshold),),
        )
    if full_members > 0:
        if zone_has_workstation:
            reason = _("正式党员{n}名，不足{min}名：联合组建，或依托所在区域党建工作站组建")
            return Verdict(WORKSTATION, (reason.format(n=full_members, min=threshold),))
        reason = _("正式党员{n}名，不足{min}名：与邻近社会组织联合组建")
        return Verdict(JOINT, (reason.format(n=full_members, min=threshold),))
    return Verdict(INSTRUCTOR, (_("暂无正式党员：选派党建工作指导员，建立群团组织"),))


def ready_to_stand_alone(full_members, formations, threshold=None):
    """An org with ≥ 3 full members that is covered only by joint or workstation Party
    organizations should set up its own (§四 "具备条件的单独组建")."""
    threshold = settings.STANDALONE_MIN_FULL_MEMBERS if threshold is None else threshold
    formations = set(formations)
    return full_members >= threshold and bool(formations) and STANDALONE not in formations


def is_key_sector(kind, sector, key_sectors=None):
    key_sectors = settings.KEY_SECTORS if key_sectors is None else key_sectors
    return any(kind == k and (not s or sector == s) for k, s in key_sectors)


def key_sector_finding(*, kind, sector, staff_count, organizationally_covered, min_staff=None):
    """民办学校, 民办医院 and 律师 / 会计师 / 税务师事务所 with ≥ 30 staff must have a Party
    organization (§四 原则上)."""
    min_staff = settings.KEY_SECTOR_MIN_STAFF if min_staff is None else min_staff
    if not is_key_sector(kind, sector) or staff_count < min_staff or organizationally_covered:
        return Finding(True)
    return Finding(
        False,
        _("重点领域社会组织从业人员{n}人（{min}人以上），应建立党组织").format(
            n=staff_count, min=min_staff
        ),
    )


def size_upgrade(kind, members, general_branch_min=None, committee_min=None):
    """The kind a Party organization of `members` members may become, or None: a branch of
    ≥ 50 a 党总支, one of ≥ 100 (branch or 总支) a 党委."""
    general_branch_min = (
        settings.GENERAL_BRANCH_MIN_MEMBERS if general_branch_min is None else general_branch_min
    )
    committee_min = settings.PARTY_COMMITTEE_MIN_MEMBERS if committee_min is None else committee_min
    if kind != "committee" and members >= committee_min:
        return "committee"
    if kind == "branch" and members >= general_branch_min:
        return "general_branch"
    return None


def new_party_org_risks(*, founded_on, today, has_secretary, full_members, last_activity_on=None):
    """Why a Party organization in its first 12 months is at risk (§四 "防止边建边散"): no
    organizational life for 90 days (counted from its founding while it has held none), no
    secretary, fewer than 3 full members. Empty when it is older, or fine."""
    if today >= add_months(founded_on, settings.NEW_PARTY_ORG_WATCH_MONTHS):
        return ()
    risks = []
    idle = settings.NEW_PARTY_ORG_IDLE_DAYS
    since = last_activity_on or founded_on
    if (today - since).days >= idle:
        risks.append(_("{days}天以上未开展组织生活").format(days=idle))
    if not has_secretary:
        risks.append(_("未配备书记"))
    if full_members < settings.STANDALONE_MIN_FULL_MEMBERS:
        risks.append(
            _("正式党员{n}名，不足{min}名").format(
                n=full_members, min=settings.STANDALONE_MIN_FULL_MEMBERS
            )
        )
    return tuple(risks)


SECTOR_AUTHORITY, SUPERVISOR, STREET, FALLBACK = "sector", "supervisor", "street", "fallback"


def managing_channel(*, kind, sector, has_supervising_unit, is_community, has_street):
    """管理体制 (§八), first match wins: (channel, rule number, reason).

    1. professional sectors with strict access (律师, 注册会计师, 税务师) → their authority
       or sector Party committee; 2. a supervising unit → its Party organization; 3. a
    community org → the street Party committee of its territory; 4. otherwise (no
    supervising unit, decoupled, unsuitable for territory) → the civil-affairs fallback
    committee (托底管理)."""
    if kind in settings.CHANNEL_STRICT_KINDS or sector in settings.CHANNEL_STRICT_SECTORS:
        return Verdict(
            SECTOR_AUTHORITY, (_("规则1：执业准入严格的专业领域，由行业主管部门或行业党委管理"),)
        )
    if has_supervising_unit:
        return Verdict(SUPERVISOR, (_("规则2：有业务主管单位，由其党组织管理"),))
    if is_community and has_street:
        return Verdict(STREET, (_("规则3：社区社会组织，由所在街道（乡镇）党（工）委管理"),))
    return Verdict(
        FALLBACK, (_("规则4：无业务主管单位且不宜属地管理，由民政部门社会组织党委托底管理"),)
    )
