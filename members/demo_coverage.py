"""Work-coverage demo data behind `seed_demo` (两个覆盖, §四; domain.md §3): 党建工作指导员,
群团组织, 组建计划 and the 跟踪指导 of new Party organizations, for the stored orgs.

It lives in members because instructors are posts (members.Post) and an org's plan
depends on the full members working in it. seed_demo reads the database into a
`Snapshot` (load_snapshot), `demo_coverage` builds a `Plan` from it without touching the
database, and write_plan inserts it in bulk with one history row per record
(orgs.history), as the imports write. One ``random.Random(f"{seed}:coverage")`` makes
every choice, over orgs and Party organizations in pk order, so a seed gives the same
rows for the same database on the same day; every date is counted back from `today`.

Of the active orgs that no existing Party organization covers (about half in the demo):
- about a third get work coverage outright: instructors (each guiding 1–5 orgs of one
  district, mostly of one street; a few have left, half of those with a successor) and
  mass organizations (工会 where 25 or more work, 共青团, 妇联, a few 其他; a few dissolved);
- most of the others get a 组建计划 whose form follows the full members working there;
  about 45% of those calling for an instructor are done (an instructor or a mass
  organization since the day it was completed), and about a fifth of the open ones are
  past their deadline;
- the rest have no plan (the worklist 未覆盖且无组建计划).
So about half of the active orgs are covered by a Party organization (orgs.demo's share),
25–30% by work coverage and 20–25% not at all. Instructors are named (person_name, with
their source), never linked to a member: tests/orgs/test_seed_demo.py holds every
imported member's posts to the 党内职务 of their row.

Party organizations founded in the last 12 months (the new-organization watch) each get
1–3 follow-up visits and, for the orgs they cover, the completed plan that founded them.
orgs.demo dates every founding on or before DEMO_LAST_DAY, so a year after it there are
none: then the founding day of a few recent branches (top-level, without branches under
them, and untouched by the member lifecycle) moves into the last 12 months, as few as
needed for NEW_PARTY_ORG_SHARE of the Party organizations and AT_RISK_MIN at risk.
"""

import datetime
import random
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from members.models import Development, FloatingRecord, Member, Post, RelationshipCheck, Transfer
from orgs import demo, rules
from orgs.history import CHANGED, CREATED, record_history
from orgs.models import (
    CoveragePlan,
    FollowUpVisit,
    MassOrganization,
    PartyOrganization,
    SocialOrg,
    User,
    Workstation,
)
from orgs.resources import record_covered_orgs_history

BATCH_SIZE = 500

# Uncovered orgs given work coverage outright, by size (about a third in all).
DIRECT_SHARE, DIRECT_SHARE_LARGE = 0.31, 0.45
PLAN_SHARE = 0.85  # of the other uncovered orgs: a plan; the rest none
DONE_SHARE = 0.45  # of plans calling for an instructor: completed
OVERDUE_SHARE = 0.2  # of open plans: past their deadline
DONE_WITHIN_DAYS = 540  # completed plans were completed in the last 18 months
UNION_MIN_STAFF = 25  # 工会法: 25 or more members elect a 基层工会委员会
DISSOLVED_MASS_SHARE = 0.05
OTHER_MASS_SHARE = 0.03
YOUTH_SECTORS = frozenset({"education", "science", "sports", "culture"})
WOMEN_SECTORS = frozenset({"social_service", "health", "education", "culture"})
OTHER_MASS_NAMES = {"science": "科学技术协会", "trade_association": "侨联小组"}
OTHER_MASS_DEFAULT = "青年联合会"
MASS_ORGS_SINCE = datetime.date(2008, 1, 1)

INSTRUCTORS_SINCE = datetime.date(2013, 1, 1)
GROUP_SIZES = ((1, 25), (2, 25), (3, 22), (4, 16), (5, 12))  # orgs an instructor guides
SOURCES = (
    (Post.InstructorSource.OFFICIAL, 45),
    (Post.InstructorSource.SOCIAL_WORKER, 35),
    (Post.InstructorSource.ORG_HEAD, 20),
)
FULL_TIME_SOCIAL_WORKER_SHARE = 0.6  # 专职党建指导员 are mostly hired social workers
ENDED_POST_SHARE, SUCCESSOR_SHARE = 0.08, 0.5

NEW_PARTY_ORG_SHARE = 0.05  # Party organizations in their first 12 months, at least
NEW_PARTY_ORG_MIN = 3
AT_RISK_MIN = 2  # of those: at risk (no secretary, or fewer than 3 full members)
VISITS = ((1, 40), (2, 40), (3, 20))

Form = CoveragePlan.Form
Kind = MassOrganization.Kind

STANDALONE_MEASURES = (
    "该组织现有正式党员{n}名，具备单独组建条件。{month}前完成党员组织关系转入，召开党员大会"
    "选举产生支部委员会，报上级党组织审批。",
    "正式党员{n}名，按照应建尽建要求单独组建党支部：先确定书记人选，{month}前完成组建，"
    "同步落实活动场所和经费。",
)
JOINT_MEASURES = (
    "正式党员{n}名，不足3名：与同街道、同行业社会组织联合组建党支部，{month}前完成党员组织关系"
    "排查和转接。",
    "现有正式党员{n}名，拟与邻近社会组织联合组建党支部；由责任单位牵头协调，{month}前完成组建。",
)
WORKSTATION_MEASURES = (
    "正式党员{n}名，不足3名：依托{zone}区域党建工作站组建联合党支部，{month}前完成党员组织关系转接。",
    "现有正式党员{n}名，纳入{zone}区域党建工作站联合党支部管理，{month}前办结组织关系转接手续。",
)
INSTRUCTOR_MEASURES = (
    "暂无正式党员：选派党建工作指导员，指导建立工会、共青团等群团组织；做好党员发现和入党积极分子"
    "培养工作，条件成熟时组建党组织。{month}前落实。",
    "暂无正式党员：{month}前选派党建工作指导员，结合年检开展党建工作指导，推动党建工作写入章程。",
    "暂无正式党员：由责任单位选派党建工作指导员，{month}前指导建立群团组织，加强对负责人的政治引领。",
)
VISIT_FINDINGS = (
    "班子配备齐全，“三会一课”按期开展，台账较规范。",
    "已开展主题党日活动，建议进一步规范会议记录。",
    "活动阵地已落实，指导制定年度工作计划。",
    "党员组织关系已全部转入，指导做好党费收缴工作。",
    "组织生活基本正常，建议结合业务开展党员志愿服务。",
)
NO_SECRETARY_FINDING = "尚未配备书记，已督促尽快按程序选举产生。"
FEW_MEMBERS_FINDING = "正式党员不足3名，指导做好党员组织关系转入和入党积极分子培养。"


class OrgRow(NamedTuple):
    """An active org, as the step reads it (FIELDS)."""

    pk: int
    name: str
    district_id: int | None
    district: str
    street_id: int | None
    zone_id: int | None
    staff_count: int
    sector: str
    registered_on: datetime.date
    channel_unit_id: int | None
    legal_representative: str

    FIELDS = (
        "pk", "name", "district_id", "district__name", "street_id", "zone_id", "staff_count",
        "sector", "registered_on", "channel_unit_id", "legal_representative",
    )  # fmt: skip


class PartyRow(NamedTuple):
    """A Party organization not dissolved, with what the new-organization watch needs."""

    pk: int
    founded_on: datetime.date
    formation: str
    is_top_branch: bool  # a branch, not secondary, with no branch under it
    is_secondary: bool
    district: str  # of the first org it covers ("" when none)
    covered: tuple  # the active orgs it covers
    has_secretary: bool
    full_held: int
    movable: bool  # no lifecycle record or account refers to it
    latest: datetime.date  # its founding day may move up to here (its first post)


@dataclass
class Snapshot:
    orgs: list[OrgRow]  # active orgs, by pk
    covered: frozenset  # active orgs an existing Party organization covers
    full: dict  # org pk → full members on the register working there
    station_zones: dict  # zone pk → name, for zones with a workstation
    party_orgs: list[PartyRow]  # by pk


@dataclass
class Plan:
    moved: list = field(default_factory=list)  # (Party organization pk, new founding day)
    new_party_orgs: list = field(default_factory=list)  # PartyRow in the watch, as moved
    visits: list = field(default_factory=list)
    mass_orgs: list = field(default_factory=list)
    posts: list = field(default_factory=list)  # (Post, [org pk])
    plans: list = field(default_factory=list)


def already_seeded():
    """Whether work coverage exists: then seed_demo adds none (a rerun keeps what users did)."""
    return (
        MassOrganization.objects.exists()
        or CoveragePlan.objects.exists()
        or FollowUpVisit.objects.exists()
        or Post.objects.filter(kind=Post.Kind.INSTRUCTOR).exists()
    )


def _days(n):
    return datetime.timedelta(days=n)


def _place(org):
    return org.district_id, org.street_id


# -- reading ---------------------------------------------------------------------------


def load_snapshot(today):
    """The active orgs, what covers them, the full members, and the Party organizations
    with their secretaries and members: whole tables, a query each."""
    orgs = [
        OrgRow(*row)
        for row in SocialOrg.objects.filter(status=SocialOrg.Status.ACTIVE)
        .order_by("pk")
        .values_list(*OrgRow.FIELDS)
    ]
    active = {org.pk: org for org in orgs}
    existing = PartyOrganization.objects.filter(
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=today)
    )
    links = PartyOrganization.covered_orgs.through.objects
    covered = {}
    for party, org in (
        links.filter(partyorganization__in=existing.values("pk"))
        .values_list("partyorganization_id", "socialorg_id")
        .order_by("pk")
    ):
        if org in active:
            covered.setdefault(party, []).append(org)
    on_register = Member.objects.on_register().filter(category=Member.Category.FULL).order_by()
    full = dict(on_register.values_list("workplace_id").annotate(n=Count("pk")))
    held = dict(
        on_register.filter(party_org__isnull=False)
        .values_list("party_org_id")
        .annotate(n=Count("pk"))
    )
    posts = Post.objects.filter(party_org__isnull=False)
    secretaries = set(
        posts.current(today).filter(kind=Post.Kind.SECRETARY).values_list("party_org_id", flat=True)
    )
    first_post = dict(
        posts.order_by().values_list("party_org_id").annotate(first=Min("started_on"))
    )
    parents = set(
        PartyOrganization.objects.filter(parent__isnull=False).values_list("parent_id", flat=True)
    )
    referenced = _referenced_party_orgs()
    party_orgs = []
    for pk, founded, formation, kind, secondary in (
        existing.filter(dissolved_on__isnull=True)
        .order_by("pk")
        .values_list("pk", "founded_on", "formation", "kind", "is_secondary")
    ):
        orgs_covered = tuple(covered.get(pk, ()))
        party_orgs.append(
            PartyRow(
                pk=pk,
                founded_on=founded,
                formation=formation,
                is_top_branch=kind == PartyOrganization.Kind.BRANCH
                and not secondary
                and pk not in parents,
                is_secondary=secondary,
                district=active[orgs_covered[0]].district if orgs_covered else "",
                covered=orgs_covered,
                has_secretary=pk in secretaries,
                full_held=held.get(pk, 0),
                movable=pk not in referenced and bool(orgs_covered),
                latest=min(today, first_post.get(pk, today)),
            )
        )
    return Snapshot(
        orgs=orgs,
        covered=frozenset(org for orgs_ in covered.values() for org in orgs_),
        full=full,
        station_zones=dict(Workstation.objects.values_list("zone_id", "zone__name")),
        party_orgs=party_orgs,
    )


def _referenced_party_orgs():
    """Party organizations the member lifecycle or an account refers to: their founding
    day stays as it is (a transfer or a development record may predate a later one)."""
    found = set()
    for model, fields in (
        (Development, ("party_org_id",)),
        (Transfer, ("from_party_org_id", "to_party_org_id")),
        (FloatingRecord, ("host_party_org_id",)),
        (RelationshipCheck, ("party_org_id",)),
        (Member.attends.through, ("partyorganization_id",)),
        (User, ("party_org_id",)),
    ):
        for name in fields:
            found.update(model.objects.exclude(**{name: None}).values_list(name, flat=True))
    return found


# -- building --------------------------------------------------------------------------


def demo_coverage(snapshot: Snapshot, *, seed: int, today: datetime.date) -> Plan:
    return _Builder(snapshot, seed, today).build()


class _Builder:
    def __init__(self, snapshot, seed, today):
        self.snapshot, self.today = snapshot, today
        self.rng = random.Random(f"{seed}:coverage")
        self.plan = Plan()
        self.orgs = {org.pk: org for org in snapshot.orgs}
        # Heads of covered orgs, by district: 社会组织负责人 who serve as instructors.
        self.heads = {}
        for org in snapshot.orgs:
            if org.pk in snapshot.covered and org.legal_representative:
                self.heads.setdefault(org.district_id, []).append(org.legal_representative)

    def build(self):
        self._new_party_orgs()
        for party in self.plan.new_party_orgs:
            self._visits(party)
            self._founding_plans(party)
        self._work_coverage()
        return self.plan

    # -- helpers -------------------------------------------------------------------------

    def _person(self):
        given = self.rng.choice(demo.GIVEN_CHARS)
        if self.rng.random() < 0.75:
            given += self.rng.choice(demo.GIVEN_CHARS)
        return self.rng.choice(demo.SURNAMES) + given

    def _pick(self, weighted):
        names, weights = zip(*weighted, strict=True)
        return self.rng.choices(names, weights=weights)[0]

    def _between(self, low, high):
        """A day from `low` to `high`; `low` (but not after today) when they cross."""
        if high <= low:
            return min(low, self.today)
        return low + _days(self.rng.randint(0, (high - low).days))

    def _form(self, org):
        """rules.recommended_form, from the full members working in the org."""
        full = self.snapshot.full.get(org.pk, 0)
        if full >= settings.STANDALONE_MIN_FULL_MEMBERS:
            return Form.STANDALONE
        if full:
            return Form.WORKSTATION if org.zone_id in self.snapshot.station_zones else Form.JOINT
        return Form.INSTRUCTOR

    def _measures(self, org, form, deadline):
        templates = {
            Form.STANDALONE: STANDALONE_MEASURES,
            Form.JOINT: JOINT_MEASURES,
            Form.WORKSTATION: WORKSTATION_MEASURES,
            Form.INSTRUCTOR: INSTRUCTOR_MEASURES,
        }[form]
        return self.rng.choice(templates).format(
            n=self.snapshot.full.get(org.pk, 0),
            zone=self.snapshot.station_zones.get(org.zone_id, ""),
            month=f"{deadline.year}年{deadline.month}月",
        )

    def _coverage_plan(self, org, form, deadline, completed_on=None):
        self.plan.plans.append(
            CoveragePlan(
                org_id=org.pk,
                target_form=form,
                measures=self._measures(org, form, deadline),
                deadline=deadline,
                responsible_person=self._person(),
                responsible_unit_id=org.channel_unit_id,
                completed_on=completed_on,
            )
        )

    # -- new Party organizations ---------------------------------------------------------

    def _at_risk(self, party):
        return not party.has_secretary or party.full_held < settings.STANDALONE_MIN_FULL_MEMBERS

    def _new_party_orgs(self):
        """The Party organizations in their first 12 months; a few recent branches are
        moved into them when there are too few (see the module's docstring)."""
        since = rules.months_before(self.today, settings.NEW_PARTY_ORG_WATCH_MONTHS)
        parties = self.snapshot.party_orgs
        watched = [p for p in parties if since < p.founded_on <= self.today]
        top_level = sum(not p.is_secondary for p in parties)
        wanted = max(NEW_PARTY_ORG_MIN, round(NEW_PARTY_ORG_SHARE * top_level))
        missing = max(0, wanted - len(watched))
        missing_at_risk = max(0, AT_RISK_MIN - sum(self._at_risk(p) for p in watched))
        candidates = sorted(
            (
                p
                for p in parties
                if p.is_top_branch and p.movable and p.founded_on <= since < p.latest
            ),
            key=lambda p: (-p.founded_on.toordinal(), p.pk),
        )
        chosen = [p for p in candidates if self._at_risk(p)][:missing_at_risk]
        taken = {p.pk for p in chosen}
        chosen += [p for p in candidates if p.pk not in taken][: max(0, missing - len(chosen))]
        for party in sorted(chosen, key=lambda p: p.pk):
            founded = self._between(since + _days(1), party.latest)
            self.plan.moved.append((party.pk, founded))
            watched.append(party._replace(founded_on=founded))
        self.plan.new_party_orgs = sorted(watched, key=lambda p: p.pk)

    def _visits(self, party):
        """1–3 follow-up visits by the district's 两新工委, from the founding day on."""
        unit = f"中共{demo.CITY}{party.district}委两新工委" if party.district else demo.TWO_NEW
        visitor = f"{unit} {self._person()}"
        day = party.founded_on + _days(self.rng.randint(7, 45))
        for k in range(self._pick(VISITS)):
            if day > self.today:
                if k:
                    break
                day = self.today
            findings = []
            if not party.has_secretary:
                findings.append(NO_SECRETARY_FINDING)
            if party.full_held < settings.STANDALONE_MIN_FULL_MEMBERS:
                findings.append(FEW_MEMBERS_FINDING)
            if not findings or self.rng.random() < 0.5:
                findings.append(self.rng.choice(VISIT_FINDINGS))
            self.plan.visits.append(
                FollowUpVisit(
                    party_org_id=party.pk,
                    visited_on=day,
                    visitor=visitor,
                    findings="".join(findings),
                )
            )
            day += _days(self.rng.randint(45, 110))

    def _founding_plans(self, party):
        """The completed plan of each org a new (top-level) Party organization covers."""
        if party.is_secondary:
            return
        for pk in party.covered:
            org = self.orgs[pk]
            deadline = party.founded_on + _days(self.rng.randint(-90, 90))
            self._coverage_plan(org, party.formation, deadline, completed_on=party.founded_on)

    # -- work coverage and plans ---------------------------------------------------------

    def _work_coverage(self):
        direct, done, open_plans = [], [], []
        for org in self.snapshot.orgs:
            if org.pk in self.snapshot.covered:
                continue
            large = org.staff_count >= UNION_MIN_STAFF
            if self.rng.random() < (DIRECT_SHARE_LARGE if large else DIRECT_SHARE):
                direct.append(org)
            elif self.rng.random() < PLAN_SHARE:
                form = self._form(org)
                if form == Form.INSTRUCTOR and self.rng.random() < DONE_SHARE:
                    done.append(org)
                else:
                    open_plans.append((org, form))
        # How each covered org is covered: an instructor, mass organizations, or both.
        means = {org.pk: self._means(org) for org in direct + done}
        # Completed plans: when, roughly (an instructor's start may move it later).
        completed = {
            org.pk: self._between(
                max(org.registered_on + _days(30), self.today - _days(DONE_WITHIN_DAYS)),
                self.today - _days(5),
            )
            for org in done
        }
        instructed = [org for org in direct + done if means[org.pk][0]]
        self._instructors(instructed, completed)
        for org in direct + done:
            self._mass_orgs(org, means[org.pk][1], completed.get(org.pk))
        for org in done:
            day = completed[org.pk]
            deadline = day + _days(self.rng.randint(-60, 120))
            self._coverage_plan(org, Form.INSTRUCTOR, deadline, completed_on=day)
        for org, form in open_plans:
            if self.rng.random() < OVERDUE_SHARE:
                deadline = self.today - _days(self.rng.randint(5, 240))
            else:
                deadline = self.today + _days(self.rng.randint(10, 365))
            self._coverage_plan(org, form, deadline)

    def _means(self, org):
        """(instructor?, mass organization kinds) for an org given work coverage."""
        if org.staff_count < 3:
            return True, []
        r = self.rng.random()
        if org.staff_count >= UNION_MIN_STAFF:
            instructor, mass = r >= 0.35, r < 0.7
        else:
            instructor, mass = r < 0.75, r >= 0.6
        if not mass:
            return instructor, []
        kinds = []
        if self.rng.random() < (0.85 if org.staff_count >= UNION_MIN_STAFF else 0.08):
            kinds.append(Kind.UNION)
        if self.rng.random() < (0.35 if org.sector in YOUTH_SECTORS else 0.12):
            kinds.append(Kind.YOUTH_LEAGUE)
        if self.rng.random() < (0.3 if org.sector in WOMEN_SECTORS else 0.12):
            kinds.append(Kind.WOMEN)
        if not kinds:
            kinds.append(self.rng.choice((Kind.YOUTH_LEAGUE, Kind.WOMEN)))
        if self.rng.random() < OTHER_MASS_SHARE:
            kinds.append(Kind.OTHER)
        return instructor, kinds

    def _mass_orgs(self, org, kinds, completed_on):
        """The org's mass organizations: since its plan was completed, else since a day
        after its registration; a few of the older ones dissolved since."""
        for kind in kinds:
            if completed_on:
                founded, dissolved = completed_on, None
            else:
                low = max(org.registered_on + _days(30), MASS_ORGS_SINCE)
                founded = self._between(low, self.today - _days(30))
                dissolved = None
                if (self.today - founded).days > 200 and self.rng.random() < DISSOLVED_MASS_SHARE:
                    dissolved = self._between(founded + _days(180), self.today - _days(1))
            name = ""
            if kind == Kind.OTHER:
                suffix = OTHER_MASS_NAMES.get(org.sector, OTHER_MASS_DEFAULT)
                name = f"{org.name}{suffix}" if len(org.name) + len(suffix) <= 200 else suffix
            self.plan.mass_orgs.append(
                MassOrganization(
                    org_id=org.pk, kind=kind, name=name, founded_on=founded, dissolved_on=dissolved
                )
            )

    def _instructors(self, orgs, completed):
        """Instructors for `orgs`, each guiding 1–5 orgs of one district and street (the
        orgs without a street of a district together). A completed plan is completed on
        the day its instructor took over, at the earliest."""
        orgs = sorted(orgs, key=lambda o: (o.district_id or 0, o.street_id or 0, o.pk))
        i = 0
        while i < len(orgs):
            size = self._pick(GROUP_SIZES)
            group = [orgs[i]]
            i += 1
            while i < len(orgs) and len(group) < size and _place(orgs[i]) == _place(group[0]):
                group.append(orgs[i])
                i += 1
            self._instructor(group, completed)

    def _instructor(self, group, completed):
        low = max(INSTRUCTORS_SINCE, *(org.registered_on + _days(30) for org in group))
        done = [completed[org.pk] for org in group if org.pk in completed]
        started = self._between(low, min([self.today - _days(7), *done]))
        for org in group:
            if org.pk in completed:
                completed[org.pk] = max(completed[org.pk], started)
        ended = None
        if not done and (self.today - started).days > 200 and self.rng.random() < ENDED_POST_SHARE:
            ended = self._between(started + _days(180), self.today - _days(1))
        pks = [org.pk for org in group]
        self.plan.posts.append((self._post(group[0], started, ended), pks))
        if ended and self.rng.random() < SUCCESSOR_SHARE:
            successor = min(self.today, ended + _days(self.rng.randint(0, 45)))
            self.plan.posts.append((self._post(group[0], successor, None), pks))

    def _post(self, org, started, ended):
        source = self._pick(SOURCES)
        heads = self.heads.get(org.district_id)
        if source == Post.InstructorSource.ORG_HEAD and heads:
            name = self.rng.choice(heads)
        else:
            name = self._person()
        full_time = (
            source == Post.InstructorSource.SOCIAL_WORKER
            and self.rng.random() < FULL_TIME_SOCIAL_WORKER_SHARE
        )
        return Post(
            kind=Post.Kind.INSTRUCTOR,
            person_name=name,
            instructor_source=source,
            full_time=full_time,
            started_on=started,
            ended_on=ended,
        )


# -- writing ---------------------------------------------------------------------------


def write_plan(plan, *, user, reason):
    """Insert everything `plan` holds and move the founding days it moves, with history."""
    history = {"user": user, "date": timezone.now()}
    if plan.moved:
        moved = [
            PartyOrganization(pk=pk, founded_on=day, term_started_on=None) for pk, day in plan.moved
        ]
        PartyOrganization.objects.bulk_update(
            moved, ["founded_on", "term_started_on"], batch_size=BATCH_SIZE
        )
        record_history(
            PartyOrganization,
            [pk for pk, _day in plan.moved],
            history_type=CHANGED,
            reason=f"{reason}：新建党组织",
            **history,
        )
        # Their history rows keep the orgs they cover, as the import's do.
        record_covered_orgs_history([pk for pk, _day in plan.moved], history["date"])
    posts = [post for post, _orgs in plan.posts]
    for model, rows in (
        (FollowUpVisit, plan.visits),
        (MassOrganization, plan.mass_orgs),
        (Post, posts),
        (CoveragePlan, plan.plans),
    ):
        model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        record_history(
            model, [row.pk for row in rows], history_type=CREATED, reason=reason, **history
        )
    # Post.history records no many-to-many changes: the links need no history rows.
    guided = Post.guided_orgs.through
    guided.objects.bulk_create(
        [guided(post_id=post.pk, socialorg_id=org) for post, orgs in plan.posts for org in orgs],
        batch_size=BATCH_SIZE,
    )


def summary(plan, today):
    """The step's line in seed_demo's output."""
    posts = [post for post, _orgs in plan.posts]
    guided = {org for post, orgs in plan.posts if post.ended_on is None for org in orgs}
    dissolved = sum(m.dissolved_on is not None for m in plan.mass_orgs)
    done = sum(p.completed_on is not None for p in plan.plans)
    overdue = sum(p.completed_on is None and p.deadline < today for p in plan.plans)
    ended = sum(post.ended_on is not None for post in posts)
    moved = f"，其中{len(plan.moved)}个成立日期调整到近12个月内" if plan.moved else ""
    return (
        f"工作覆盖：党建工作指导员{len(posts)}名（已离任{ended}名），"
        f"在任指导员指导社会组织{len(guided)}个；群团组织{len(plan.mass_orgs)}个"
        f"（已撤销{dissolved}个）；组建计划{len(plan.plans)}条（已完成{done}条，逾期{overdue}条）；"
        f"跟踪指导{len(plan.visits)}次（成立未满12个月的党组织{len(plan.new_party_orgs)}个{moved}）"
    )
