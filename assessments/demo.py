"""Organizational-life demo data behind `seed_demo` (§五, §六, §七, §九, §十): activities of
last year and of this year so far, last year's annual assessments and 民主评议党员, the
city's point rules with entries, training courses, joint meetings, contact records,
typical cases and unit assessments.

As members.demo_coverage: `load_snapshot` reads the database, `demo_life` builds a `Plan`
from it without touching the database (one ``random.Random(f"{seed}:life")`` makes every
choice, over Party organizations in pk order; every date is counted back from `today`),
and `write_plan` inserts it in bulk with one history row per record (orgs.history).

Each Party organization gets a diligence: most hold nearly every required activity, some
miss a few, a few miss many (the gaps worklist). Last year's grade is the one the rules
suggest (assessments.rules.suggested_grade, from the very activities written), a few
departing from it with a reason. Attendees are recorded for every activity of the demo
secretary's Party organization, and elsewhere for last year's 组织生活会 only, so that the
data stays small at 20,000 orgs.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from assessments import months, rules
from assessments.models import (
    Activity,
    ContactRecord,
    Evaluation,
    Grade,
    JointMeeting,
    JointMeetingDecision,
    MemberReview,
    PartyOrgAssessment,
    PointEntry,
    PointRule,
    TrainingAttendance,
    TrainingSession,
    TypicalCase,
    UnitAssessment,
)
from assessments.models.points import SERVICE_KINDS
from members.models import Member, Post
from orgs import demo as orgs_demo
from orgs import rules as org_rules
from orgs.db import refresh_statistics
from orgs.history import CREATED, record_history, record_m2m_history
from orgs.models import PartyOrganization, SocialOrg, Unit

BATCH_SIZE = 1000
K = Activity.Kind

# Share of Party organizations and the chance that each holds a required activity.
DILIGENCE = ((0.98, 40), (0.9, 35), (0.7, 18), (0.3, 7))
ASSESSED_SHARE = 0.9  # of last year's Party organizations: graded already
OVERRIDE_EVERY = 12  # one grade in so many: other than the suggestion, with a reason
REVIEWED_SHARE = 0.95  # of members where 民主评议 was held: reviewed
REVIEW_GRADES = ((Grade.EXCELLENT, 12), (Grade.PASS, 84), (Grade.BASIC, 3), (Grade.FAIL, 1))
EVALUATIONS = ((Evaluation.GOOD, 60), (Evaluation.FAIRLY_GOOD, 30), (Evaluation.FAIR, 10))
ATTENDANCE = 0.85  # each member at each activity with attendees
CONTACT_SHARE = 0.05  # of other Party organizations with a secretary: a contact this year

TOPICS = {
    K.GENERAL_MEETING: ("学习贯彻党的二十届四中全会精神", "讨论接收预备党员", "通报党费收缴情况"),
    K.COMMITTEE_MEETING: ("研究本月工作安排", "研究发展党员工作", "研究组织生活会准备工作"),
    K.GROUP_MEETING: ("学习党章党规", "交流岗位工作体会"),
    K.PARTY_LECTURE: ("书记讲党课：坚定理想信念", "党的创新理论专题党课", "社会组织党建专题党课"),
    K.THEME_DAY: ("重温入党誓词", "参观红色教育基地", "学习身边先进典型", "志愿服务进社区"),
    K.LIFE_MEETING: ("年度组织生活会",),
    K.MEMBER_REVIEW: ("年度民主评议党员",),
    K.VOLUNTEER: ("法律咨询进社区", "助教义诊", "政策咨询服务"),
    K.MASS_CONTACT: ("走访慰问困难职工", "职工座谈会"),
    K.PIONEER: ("党员先锋岗承诺践诺", "党员服务窗口开放日"),
    K.THEME_WORK: ("诚信建设主题活动", "业务技能竞赛"),
}

POINT_RULES = (
    # name, basis, kind, grade, points, cap
    ("参加支部党员大会", "attendance", K.GENERAL_MEETING, "", "3", "12"),
    ("参加其他组织生活", "attendance", "", "", "1", "30"),
    ("参加志愿服务等服务活动", "service", "", "", "2", "20"),
    ("无故缺席支部党员大会", "absence", K.GENERAL_MEETING, "", "-3", "12"),
    ("民主评议优秀", "review", "", Grade.EXCELLENT, "10", None),
    ("民主评议合格", "review", "", Grade.PASS, "5", None),
    ("民主评议不合格", "review", "", Grade.FAIL, "-20", None),
    ("按月交纳党费", "entry", "", "", "1", "12"),
    ("受到表彰奖励", "entry", "", "", "5", "15"),
)
DUES_RULE, AWARD_RULE = "按月交纳党费", "受到表彰奖励"
HEAD_ROLES = ("理事长", "会长", "院长", "主任", "执行理事")
CORE_ROLES = ("部门主管", "项目负责人", "财务主管", "办公室主任")


@dataclass
class PartyRow:
    pk: int
    name: str
    kind: str
    founded_on: datetime.date
    dissolved_on: datetime.date | None
    term_start: datetime.date
    has_groups: bool
    channel_unit_id: int | None
    orgs: list = field(default_factory=list)
    committee: list = field(default_factory=list)  # (start, end) of posts besides secretary
    secretaries: list = field(default_factory=list)  # (member pk or None, start, end)
    members: list = field(default_factory=list)  # (pk, joined_on, full) held, on register


@dataclass
class Snapshot:
    today: datetime.date
    party_orgs: list
    shuji_party_org: int | None
    city_two_new: int | None
    city_org_dept: int | None
    units: list  # (pk, kind, level, name) of units assessed (§九)
    org_heads: dict  # org pk -> name of its 负责人 on the register, where known


@dataclass
class Plan:
    activities: list = field(default_factory=list)
    attendees: dict = field(default_factory=dict)  # index in activities -> [member pk]
    assessments: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    entries: list = field(default_factory=list)  # (rule name, member pk, day, reason)
    trainings: list = field(default_factory=list)  # (session, [(member pk, role)])
    meetings: list = field(default_factory=list)  # (meeting, [unit pk], [decision])
    contacts: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    unit_grades: list = field(default_factory=list)  # (unit pk, assessed_on, report)
    shuji_party_org: int | None = None  # the demo secretary's: its point entries


def date_posts_back(*, user, reason):
    """The member import dates the posts it creates on the day it runs (templates:
    任职日期为导入当天); in a demo city the secretaries and committees have served since
    their term began. Posts still dated on the day they were recorded move back to the
    later of their Party organization's term start (or founding) and the member's joining,
    so that last year has secretaries to assess. Their history rows follow. Returns how
    many moved."""
    history = Post.history.model
    recorded = {
        pk: timezone.localdate(when)
        for pk, when in history.objects.filter(history_type=CREATED).values_list(
            "id", "history_date"
        )
    }
    moved = []
    posts = Post.objects.filter(party_org__isnull=False).values_list(
        "pk",
        "started_on",
        "party_org__term_started_on",
        "party_org__founded_on",
        "member__joined_on",
    )
    for pk, started_on, term_start, founded_on, joined_on in posts:
        if recorded.get(pk) != started_on:
            continue
        start = max(term_start or founded_on, joined_on or founded_on)
        if start < started_on:
            moved.append(Post(pk=pk, started_on=start))
    Post.objects.bulk_update(moved, ["started_on"], batch_size=BATCH_SIZE)
    ids = [post.pk for post in moved]
    for begin in range(0, len(ids), BATCH_SIZE):
        chunk = ids[begin : begin + BATCH_SIZE]
        history.objects.filter(id__in=chunk).update(
            started_on=Subquery(Post.objects.filter(pk=OuterRef("id")).values("started_on")[:1])
        )
    return len(moved)


def already_seeded():
    """Whether organizational life exists: then seed_demo adds none."""
    return Activity.objects.exists() or PartyOrgAssessment.objects.exists()


def load_snapshot(today, secretary_username):
    rows = {}
    for p in PartyOrganization.objects.order_by("pk"):
        rows[p.pk] = PartyRow(
            p.pk,
            p.name,
            p.kind,
            p.founded_on,
            p.dissolved_on,
            p.term_started_on or p.founded_on,
            p.has_groups,
            None,
        )
    links = PartyOrganization.covered_orgs.through.objects.order_by("pk")
    for party_org_id, org_id, unit_id in links.values_list(
        "partyorganization_id", "socialorg_id", "socialorg__channel_unit_id"
    ):
        row = rows[party_org_id]
        row.orgs.append(org_id)
        row.channel_unit_id = row.channel_unit_id or unit_id
    posts = Post.objects.filter(party_org__isnull=False).order_by("pk")
    for party_org_id, kind, member_id, start, end in posts.values_list(
        "party_org_id", "kind", "member_id", "started_on", "ended_on"
    ):
        if kind == Post.Kind.SECRETARY:
            rows[party_org_id].secretaries.append((member_id, start, end))
        elif kind in Post.COMMITTEE_BESIDES_SECRETARY:
            rows[party_org_id].committee.append((start, end))
    members = Member.objects.on_register().filter(party_org__isnull=False).order_by("pk")
    for pk, party_org_id, joined_on, category in members.values_list(
        "pk", "party_org_id", "joined_on", "category"
    ):
        rows[party_org_id].members.append((pk, joined_on, category == Member.Category.FULL))
    shuji = (
        PartyOrganization.objects.filter(users__username=secretary_username)
        .values_list("pk", flat=True)
        .first()
    )
    units = Unit.objects.order_by("pk")
    city = Unit.Level.CITY
    heads = SocialOrg.objects.exclude(head_name="").values_list("pk", "head_name")
    return Snapshot(
        today=today,
        party_orgs=list(rows.values()),
        shuji_party_org=shuji,
        city_two_new=units.filter(kind=Unit.Kind.TWO_NEW, level=city)
        .values_list("pk", flat=True)
        .first(),
        city_org_dept=units.filter(kind=Unit.Kind.ORGANIZATION_DEPT, level=city)
        .values_list("pk", flat=True)
        .first(),
        units=list(
            units.filter(
                kind__in=(
                    Unit.Kind.SUPERVISOR,
                    Unit.Kind.INDUSTRY_COMMITTEE,
                    Unit.Kind.STREET_COMMITTEE,
                    Unit.Kind.FALLBACK_COMMITTEE,
                )
            ).values_list("pk", "kind", "level", "name")
        ),
        org_heads=dict(heads),
    )


def _pick(rng, weighted):
    return rng.choices([k for k, _w in weighted], weights=[w for _k, w in weighted])[0]


def _in_post(terms, day):
    return any(start <= day and (end is None or end > day) for *_m, start, end in terms)


def _exists(row, day):
    return row.founded_on <= day and (row.dissolved_on is None or row.dissolved_on > day)


class _Builder:
    def __init__(self, snapshot, seed):
        self.s = snapshot
        self.rng = random.Random(f"{seed}:life")
        self.plan = Plan(shuji_party_org=snapshot.shuji_party_org)
        self.today = snapshot.today
        self.last = self.today.year - 1
        self.held = {}  # party org pk -> {kind: [days]} of last year
        self.keys = set()  # (party org, kind, day, topic): what an import matches on

    def build(self):
        for row in self.s.party_orgs:
            diligence = _pick(self.rng, DILIGENCE)
            if row.pk == self.s.shuji_party_org:
                diligence = 0.97
            for year in (self.last, self.today.year):
                self._year(row, year, diligence)
        for row in self.s.party_orgs:
            self._assess(row)
        self._entries()
        self._trainings()
        self._meetings()
        self._contacts()
        self._cases()
        self._unit_grades()
        return self.plan

    # -- activities --------------------------------------------------------------------

    def _day_in(self, row, start, end):
        start = max(start, row.founded_on)
        end = min(end, self.today)
        if row.dissolved_on:
            end = min(end, row.dissolved_on - datetime.timedelta(days=1))
        if end < start:
            return None
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def _year(self, row, year, diligence):
        committee = [(None, start, end) for start, end in row.committee]
        held = defaultdict(list)
        for requirement in rules.requirements():
            if requirement.only_with == rules.GROUPS and not row.has_groups:
                continue
            for period in rules.periods(year, requirement.every):
                if self.rng.random() > diligence:
                    continue
                day = self._day_in(row, period.start, period.end)
                if day is None:
                    continue
                if requirement.only_with == rules.COMMITTEE and not _in_post(committee, day):
                    continue
                held[requirement.kind].append(day)
                self._activity(row, requirement.kind, day)
        for _n in range(self.rng.choice((0, 1, 1, 2, 3))):
            day = self._day_in(row, datetime.date(year, 1, 1), datetime.date(year, 12, 31))
            if day is not None:
                self._activity(row, self.rng.choice(SERVICE_KINDS), day)
        if year == self.last:
            self.held[row.pk] = held

    def _activity(self, row, kind, day):
        topic = self.rng.choice(TOPICS[kind])
        key = (row.pk, kind, day, topic)
        if key in self.keys:
            return  # the same activity twice: an import would take it for one
        self.keys.add(key)
        activity = Activity(
            party_org_id=row.pk,
            kind=kind,
            held_on=day,
            topic=topic,
            online=self.rng.random() < 0.1,
            location="" if self.rng.random() < 0.3 else "党员活动室",
        )
        index = len(self.plan.activities)
        self.plan.activities.append(activity)
        everyone = row.pk == self.s.shuji_party_org
        if everyone or (kind == K.LIFE_MEETING and day.year == self.last):
            self.plan.attendees[index] = [
                pk
                for pk, joined_on, _full in row.members
                if joined_on <= day and self.rng.random() < ATTENDANCE
            ]

    # -- last year's assessment and 民主评议 ------------------------------------------------

    def _assess(self, row):
        year = self.last
        last_day = datetime.date(year, 12, 31)
        if row.founded_on > datetime.date(year, 11, 30) or not _exists(row, last_day):
            return
        held = self.held.get(row.pk, {})
        checks = rules.compliance(
            year=year,
            today=last_day + datetime.timedelta(days=1),
            held_on=held,
            has_committee=lambda day, terms=[(None, s, e) for s, e in row.committee]: _in_post(
                terms, day
            ),
            has_groups=row.has_groups,
            founded_on=row.founded_on,
            dissolved_on=row.dissolved_on,
        )
        review_days = held.get(K.MEMBER_REVIEW)
        if review_days:
            self._reviews(row, review_days[0])
        if self.rng.random() > ASSESSED_SHARE:
            return
        higher, members = _pick(self.rng, EVALUATIONS), _pick(self.rng, EVALUATIONS)
        full = sum(1 for _pk, _joined, is_full in row.members if is_full)
        suggestion = rules.suggested_grade(
            required=sum(1 for c in checks if c.state in (rules.MET, rules.MISSED)),
            missed=len(rules.gaps(checks)),
            has_secretary=_in_post(row.secretaries, last_day),
            higher_evaluation=higher,
            members_evaluation=members,
            full_members=full if row.kind == PartyOrganization.Kind.BRANCH else None,
            term_due=org_rules.term_due(row.kind, row.term_start, last_day),
        )
        grade, reason = suggestion.grade, ""
        if len(self.plan.assessments) % OVERRIDE_EVERY == OVERRIDE_EVERY // 2:
            order = [Grade.EXCELLENT, Grade.PASS, Grade.BASIC, Grade.FAIL]
            index = order.index(grade)
            grade = order[index + 1] if index == 0 else order[index - 1]
            reason = "结合日常工作表现和群众评价调整"
        assessed_on = self._day_in(
            row, datetime.date(self.today.year, 1, 5), datetime.date(self.today.year, 3, 31)
        )
        self.plan.assessments.append(
            PartyOrgAssessment(
                party_org_id=row.pk,
                year=year,
                report_to_higher=f"{year}年度{row.name}抓党建工作述职报告",
                higher_evaluation=higher,
                report_to_members=f"{year}年度书记向党员述职",
                members_evaluation=members,
                suggested_grade=suggestion.grade,
                suggestion_reasons="；".join(suggestion.reasons)[:300],
                grade=grade,
                override_reason=reason,
                assessed_on=assessed_on or self.today,
                assessed_by_id=row.channel_unit_id,
            )
        )

    def _reviews(self, row, day):
        for pk, joined_on, _full in row.members:
            if joined_on.year > self.last or self.rng.random() > REVIEWED_SHARE:
                continue
            grade = _pick(self.rng, REVIEW_GRADES)
            notes = "长期不参加组织生活，经教育仍无明显改进" if grade == Grade.FAIL else ""
            self.plan.reviews.append(
                MemberReview(
                    member_id=pk,
                    year=self.last,
                    party_org_id=row.pk,
                    grade=grade,
                    notes=notes,
                    reviewed_on=day,
                )
            )

    def _entries(self):
        """The demo secretary's Party organization keeps points: dues paid each month of
        this year so far (a few months missing), and one award."""
        row = next((r for r in self.s.party_orgs if r.pk == self.s.shuji_party_org), None)
        if row is None:
            return
        year = self.today.year
        for pk, _joined_on, _full in row.members:
            for month in range(1, self.today.month):
                if self.rng.random() < 0.92:
                    day = datetime.date(year, month, 10)
                    self.plan.entries.append((DUES_RULE, pk, day, f"{month}月党费按时交纳"))
        if row.members and self.today >= datetime.date(year, 3, 5):
            self.plan.entries.append(
                (AWARD_RULE, row.members[0][0], datetime.date(year, 3, 5), "获评区级优秀志愿者")
            )

    # -- the leading bodies' work ---------------------------------------------------------

    def _secretaries_now(self):
        """(row, member pk, since) of each secretary in post today."""
        found = []
        for row in self.s.party_orgs:
            for member_id, start, end in row.secretaries:
                if member_id and start <= self.today and (end is None or end > self.today):
                    found.append((row, member_id, start))
        return found

    def _trainings(self):
        if not self.s.city_two_new:
            return
        secretaries = self._secretaries_now()
        courses = (
            (self.last, 4, "社会组织党组织书记示范培训班"),
            (self.last, 10, "社会组织党务工作者能力提升培训班"),
            (self.today.year, 5, "社会组织党组织书记示范培训班"),
        )
        for year, month, title in courses:
            starts = datetime.date(year, month, 12)
            if starts > self.today:
                continue
            session = TrainingSession(
                title=f"{year}年{title}",
                kind=TrainingSession.Kind.MODEL,
                organizer_id=self.s.city_two_new,
                starts_on=starts,
                ends_on=starts + datetime.timedelta(days=2),
                hours=Decimal("24"),
                location="市委党校",
                content="党的创新理论、社会组织党建工作实务、党支部标准化建设",
            )
            chosen = self.rng.sample(secretaries, min(40, len(secretaries)))
            self.plan.trainings.append(
                (session, [(member_id, Post.Kind.SECRETARY) for _row, member_id, _s in chosen])
            )

    def _meetings(self):
        if not self.s.city_two_new:
            return
        participants = [pk for pk, kind, level, _name in self.s.units if level == Unit.Level.CITY]
        if self.s.city_org_dept:
            participants.append(self.s.city_org_dept)
        for held_on, title, decisions in (
            (
                datetime.date(self.last, 3, 20),
                f"{self.last}年社会组织党建工作联席会议（第一次）",
                (("开展社会组织党组织组建攻坚", 150, True), ("落实党组织书记岗位津贴", 270, True)),
            ),
            (
                datetime.date(self.last, 9, 18),
                f"{self.last}年社会组织党建工作联席会议（第二次）",
                (("推进行业协会商会党建工作", 120, True), ("规范党员组织关系排查", 200, False)),
            ),
            (
                datetime.date(self.today.year, 4, 16),
                f"{self.today.year}年社会组织党建工作联席会议",
                (("重点领域社会组织应建尽建", 240, False),),
            ),
        ):
            if held_on > self.today:
                continue
            meeting = JointMeeting(
                convened_by_id=self.s.city_two_new,
                held_on=held_on,
                title=title,
                topics="通报社会组织党建工作进展；研究下一阶段重点任务",
                minutes="会议由市委两新工委召集，各成员单位汇报工作。",
            )
            items = []
            for content, days, done in decisions:
                due = held_on + datetime.timedelta(days=days)
                items.append(
                    JointMeetingDecision(
                        content=content,
                        responsible_unit_id=self.rng.choice(participants) if participants else None,
                        due_on=due,
                        done_on=min(due, self.today) if done and due <= self.today else None,
                    )
                )
            self.plan.meetings.append((meeting, participants[:8], items))

    def _contacts(self):
        for row, secretary, since in self._secretaries_now():
            if not row.orgs or not _exists(row, self.today):
                continue
            own = row.pk == self.s.shuji_party_org
            if not own and self.rng.random() > CONTACT_SHARE:
                continue
            start = datetime.date(self.today.year, 1, 1)
            for _n in range(5 if own else 1):
                day = self._day_in(row, max(start, since), self.today)
                if day is None:
                    continue
                org = row.orgs[0]
                self.plan.contacts.append(
                    ContactRecord(
                        kind=ContactRecord.Kind.SECRETARY_HEAD,
                        party_org_id=row.pk,
                        contact_by_id=secretary,
                        org_id=org,
                        person_name=self.s.org_heads.get(org) or orgs_demo._person(self.rng),
                        person_role=self.rng.choice(HEAD_ROLES),
                        contacted_on=day,
                        way=self.rng.choice(ContactRecord.Way.values),
                        content="沟通党建工作与业务工作融合，听取对党组织工作的意见",
                        follow_up="" if self.rng.random() < 0.5 else "已协调解决活动场地问题",
                    )
                )
            if own:
                for pk, joined_on, _full in row.members[:3]:
                    day = self._day_in(row, max(start, joined_on), self.today)
                    if day is None:
                        continue
                    self.plan.contacts.append(
                        ContactRecord(
                            kind=ContactRecord.Kind.MEMBER_STAFF,
                            party_org_id=row.pk,
                            contact_by_id=pk,
                            org_id=row.orgs[0],
                            person_name=orgs_demo._person(self.rng),
                            person_role=self.rng.choice(CORE_ROLES),
                            contacted_on=day,
                            way=ContactRecord.Way.TALK,
                            content="了解职工思想状况和实际需求",
                        )
                    )

    def _cases(self):
        excellent = [a for a in self.plan.assessments if a.grade == Grade.EXCELLENT]
        by_pk = {row.pk: row for row in self.s.party_orgs}
        for assessment in self.rng.sample(excellent, min(5, len(excellent))):
            row = by_pk[assessment.party_org_id]
            self.plan.cases.append(
                TypicalCase(
                    title=f"{row.name}“党建+服务”工作法",
                    category=TypicalCase.Category.PRACTICE,
                    year=self.last,
                    party_org_id=row.pk,
                    org_id=row.orgs[0] if row.orgs else None,
                    practice="把党员先锋岗设在服务一线，党员带头承诺践诺，党建与业务同部署同考核",
                    results="服务对象满意度明显提升，新发展党员2名",
                    level=self.rng.choice((TypicalCase.Level.CITY, TypicalCase.Level.DISTRICT)),
                    recognized_by="市委两新工委",
                    published_on=min(datetime.date(self.today.year, 2, 20), self.today),
                    published_in="南京社会组织党建微信公众号",
                )
            )
        excellent_members = [r for r in self.plan.reviews if r.grade == Grade.EXCELLENT]
        for review in self.rng.sample(excellent_members, min(3, len(excellent_members))):
            self.plan.cases.append(
                TypicalCase(
                    title="优秀共产党员",
                    category=TypicalCase.Category.MEMBER,
                    year=self.last,
                    party_org_id=review.party_org_id,
                    member_id=review.member_id,
                    practice="立足岗位作表率，带头开展志愿服务",
                    level=TypicalCase.Level.DISTRICT,
                    recognized_by="区委两新工委",
                )
            )

    def _unit_grades(self):
        chosen = [
            u for u in self.s.units if u[1] in (Unit.Kind.SUPERVISOR, Unit.Kind.INDUSTRY_COMMITTEE)
        ]
        for pk, _kind, _level, name in chosen[:6]:
            day = datetime.date(self.today.year, 2, 1) + datetime.timedelta(
                days=self.rng.randint(0, 40)
            )
            self.plan.unit_grades.append(
                (pk, min(day, self.today), f"{self.last}年度{name}抓社会组织党建工作述职报告")
            )


def demo_life(snapshot, *, seed):
    return _Builder(snapshot, seed).build()


# -- writing -------------------------------------------------------------------------------


def _bulk(model, rows, history):
    model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    record_history(model, [row.pk for row in rows], history_type=CREATED, **history)


def write_plan(plan, *, user, reason, today):
    """Insert everything `plan` holds, with history."""
    from assessments import selectors

    history = {"user": user, "reason": reason, "date": timezone.now()}
    for activity in plan.activities:
        activity.recorded_by = user
    _bulk(Activity, plan.activities, history)
    months.refresh({(a.party_org_id, a.held_on.year) for a in plan.activities})
    through = Activity.attendees.through
    through.objects.bulk_create(
        [
            through(activity_id=plan.activities[index].pk, member_id=member)
            for index, members in plan.attendees.items()
            for member in members
        ],
        batch_size=BATCH_SIZE,
    )
    record_m2m_history(
        Activity, "attendees", [plan.activities[i].pk for i in plan.attendees], history["date"]
    )
    _bulk(PartyOrgAssessment, plan.assessments, history)
    _bulk(MemberReview, plan.reviews, history)
    rules_by_name = _point_rules(history, today)
    entries = _point_entries(plan, rules_by_name, user)
    _bulk(PointEntry, entries, history)
    for session, trainees in plan.trainings:
        _bulk(TrainingSession, [session], history)
        _bulk(
            TrainingAttendance,
            [TrainingAttendance(session=session, member_id=m, role=role) for m, role in trainees],
            history,
        )
    for meeting, units, decisions in plan.meetings:
        _bulk(JointMeeting, [meeting], history)
        meeting.participant_units.set(units)
        for decision in decisions:
            decision.meeting = meeting
        _bulk(JointMeetingDecision, decisions, history)
    _bulk(ContactRecord, plan.contacts, history)
    _bulk(TypicalCase, plan.cases, history)
    # The unit facts below read what was just written: the planner needs its statistics
    # (PostgreSQL otherwise plans the nested scope subqueries as if the tables were empty).
    refresh_statistics()
    two_new = Unit.objects.filter(kind=Unit.Kind.TWO_NEW, level=Unit.Level.CITY).first()
    graded = []
    for unit_pk, assessed_on, report in plan.unit_grades:
        unit = Unit.objects.get(pk=unit_pk)
        facts = selectors.unit_facts(unit, today.year - 1, today)
        rate = float(facts["org_coverage_rate"])
        grade = (
            Grade.EXCELLENT
            if rate >= 70
            else Grade.PASS
            if rate >= 45
            else Grade.BASIC
            if rate >= 25
            else Grade.FAIL
        )
        graded.append(
            UnitAssessment(
                unit=unit,
                year=today.year - 1,
                report=report,
                evaluation="党建工作责任制落实情况良好"
                if grade != Grade.FAIL
                else "覆盖率偏低，需限期整改",
                grade=grade,
                assessed_by=two_new,
                assessed_on=assessed_on,
                facts=facts,
            )
        )
    _bulk(UnitAssessment, graded, history)


def _point_rules(history, today):
    existing = {rule.name: rule for rule in PointRule.objects.all()}
    new = []
    for name, basis, kind, grade, points, cap in POINT_RULES:
        if name in existing:
            continue
        new.append(
            PointRule(
                name=name,
                basis=basis,
                activity_kind=kind,
                review_grade=grade,
                points=Decimal(points),
                yearly_cap=Decimal(cap) if cap else None,
                valid_from=today.year - 1,
            )
        )
    _bulk(PointRule, new, history)
    return {**existing, **{rule.name: rule for rule in new}}


def _point_entries(plan, rules_by_name, user):
    entries = []
    for name, member, day, reason in plan.entries:
        rule = rules_by_name.get(name)
        if rule is not None:
            entries.append(
                PointEntry(
                    member_id=member, party_org_id=plan.shuji_party_org, rule=rule, on=day,
                    points=rule.points, reason=reason, recorded_by=user,
                )
            )  # fmt: skip
    return entries


def summary(plan):
    """The step's line in seed_demo's output."""
    graded = defaultdict(int)
    for assessment in plan.assessments:
        graded[assessment.grade] += 1
    grades = "、".join(
        f"{label}{graded[value]}个" for value, label in Grade.choices if graded[value]
    )
    return (
        f"组织生活：活动{len(plan.activities)}次（记录参加人员的{len(plan.attendees)}次）；"
        f"上年度党组织考核{len(plan.assessments)}个（{grades}）；民主评议党员{len(plan.reviews)}人次；"
        f"培训班{len(plan.trainings)}期；联席会议{len(plan.meetings)}次；联系记录{len(plan.contacts)}条；"
        f"先进典型{len(plan.cases)}个；单位述职评议考核{len(plan.unit_grades)}个"
    )
