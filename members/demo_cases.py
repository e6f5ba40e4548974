"""The transfers, floating and lost-contact members, dispositions and relationship check
of the member-lifecycle demo (members.demo, which builds them with this mixin)."""

import datetime

from members import rules
from members.models import (
    CheckFinding,
    Disposition,
    FloatingRecord,
    LostContact,
    LostContactStep,
    Member,
    RelationshipCheck,
    Transfer,
)

ACTIVE, FULL = Member.Status.ACTIVE, Member.Category.FULL
WITHIN, OUT, IN = Transfer.Direction.WITHIN, Transfer.Direction.OUT, Transfer.Direction.IN
IN_TRANSIT, OVERDUE, RECEIVED, RETURNED = "in_transit", "overdue", "received", "returned"

# Rates per 100 members on the register (a minimum of one where a worklist needs it).
TRANSFER_RATES = (
    (WITHIN, IN_TRANSIT, 0.12), (OUT, IN_TRANSIT, 0.06), (IN, IN_TRANSIT, 0.05),
    (WITHIN, OVERDUE, 0.05), (OUT, OVERDUE, 0.04), (IN, OVERDUE, 0.02),
    (WITHIN, RECEIVED, 0.25), (OUT, RECEIVED, 0.15), (IN, RECEIVED, 0.12),
    (WITHIN, RETURNED, 0.06), (OUT, RETURNED, 0.04), (IN, RETURNED, 0.04),
)  # fmt: skip
# At least one of these, so a small demo shows every state and direction.
REQUIRED_TRANSFERS = {
    (WITHIN, IN_TRANSIT), (IN, IN_TRANSIT), (WITHIN, OVERDUE), (WITHIN, RECEIVED),
    (OUT, RECEIVED), (WITHIN, RETURNED),
}  # fmt: skip
ENDED_FLOATING_RATE = 0.25
FIXED_PLACE_SHARE = 0.4
LOST_OPEN_SHARE, LOST_SUSPENDED_SHARE = 0.45, 0.1  # of those out of contact ≥ 6 months
LOST_MINIMUM = 3  # so that both lost-contact worklists have a row in a small demo
RECONTACTED_RATE = 0.05
CORRECTION_RATE, PERSUADE_RATE, REMOVE_RATE = 0.07, 0.02, 0.01

OUTSIDE_PLACES = (
    "上海市", "杭州市", "苏州市", "无锡市", "常州市", "合肥市", "北京市", "深圳市", "广州市",
    "武汉市", "成都市", "徐州市", "扬州市", "镇江市",
)  # fmt: skip
OUTSIDE_BODIES = ("人才服务中心委员会", "社会组织综合委员会", "委两新工委")
OUT_REASONS = ("调往外地工作", "考录到机关事业单位", "回原籍就业")
IN_REASONS = ("新入职本单位", "毕业后到本单位工作", "从外地调入")
RETURN_REASONS = ("介绍信抬头与接收党组织名称不符", "党员未在有效期内报到", "缺少党费交纳证明")
SEARCH_STEPS = (
    "电话联系本人，未接通", "向工作单位人事部门了解去向", "函询户籍所在地社区党组织",
    "通过亲属转达联系要求", "在党员微信群发布寻人通知",
)  # fmt: skip
DISPOSITION_REASONS = {
    Disposition.Kind.PERSUADE: "经限期改正仍无转变，不具备党员条件",
    Disposition.Kind.REMOVE: "无正当理由连续6个月不参加党的组织生活，经教育仍不改正",
}
CORRECTION_REASONS = (
    "无正当理由连续3个月不参加党的组织生活", "无正当理由连续6个月不交纳党费",
    "不完成党组织分配的任务",
)  # fmt: skip


def _days(n):
    return datetime.timedelta(days=n)


class CasesMixin:
    """Needs the builder's rng, today, plan, pools and helpers (members.demo._Builder)."""

    def _outside_body(self):
        return f"中共{self.rng.choice(OUTSIDE_PLACES)}{self.rng.choice(OUTSIDE_BODIES)}"

    # -- transfers -----------------------------------------------------------------------

    def _transfers(self):
        for direction, state, rate in TRANSFER_RATES:
            minimum = 1 if (direction, state) in REQUIRED_TRANSFERS else 0
            for _ in range(self._quota(rate, minimum)):
                inbound = direction == IN and state != RECEIVED
                m = self._take(self.outside_pool if inbound else self.held_pool)
                if m is None:
                    break
                self._transfer(m, direction, state)

    def _transfer(self, m, direction, state, *, to=None, new_workplaces=None):
        """A letter for member `m` in `state`, consistent with where `m` is held now: one
        received has moved them there (a within transfer's new workplace is theirs)."""
        rng = self.rng
        t = Transfer(member_id=m.pk, direction=direction)
        if direction == WITHIN:
            other = to or self._other_party(m.party_org_id)
            if other is None:  # a demo with one Party organization: no within transfer
                self.busy.discard(m.pk)
                return
            if state == RECEIVED:  # from another one to where they are now, with their job
                t.from_party_org_id, t.to_party_org_id = other, m.party_org_id
                t.new_workplace_id = m.workplace_id if rng.random() < 0.85 else None
            else:
                t.from_party_org_id, t.to_party_org_id = m.party_org_id, other
                if rng.random() < 0.85 or new_workplaces:
                    t.new_workplace_id = rng.choice(new_workplaces or self.workplaces[other])
        elif direction == OUT:
            t.from_party_org_id, t.to_outside = m.party_org_id, self._outside_body()
        elif state == RECEIVED:
            t.from_outside, t.to_party_org_id = self._outside_body(), m.party_org_id
        else:
            t.from_outside = m.outside_holder or self._outside_body()
            t.to_party_org_id = self.covering[m.workplace_id]
        t.reason = {WITHIN: "工作调动", OUT: rng.choice(OUT_REASONS), IN: rng.choice(IN_REASONS)}[
            direction
        ]
        t.issued_on = {
            IN_TRANSIT: self._ago(0, 25),  # receipt due within the month
            OVERDUE: self._ago(35, 150),
            RECEIVED: self._ago(20, 720),
            RETURNED: self._ago(20, 540),
        }[state]
        t.valid_until = rules.add_months(t.issued_on, rng.choice((1, 2, 3)))
        t.receipt_due_on = rules.receipt_due(t.issued_on)
        if state == RECEIVED:
            t.status = Transfer.Status.RECEIVED
            t.received_on = min(self.today, t.issued_on + _days(rng.randint(2, 28)))
        elif state == RETURNED:
            t.status = Transfer.Status.RETURNED
            t.returned_on = min(self.today, t.issued_on + _days(rng.randint(5, 45)))
            t.return_reason = rng.choice(RETURN_REASONS)
        else:
            t.status = Transfer.Status.IN_TRANSIT
        self.letters += 1
        t.letter_number = f"宁组转〔{t.issued_on.year}〕{self.letters:05d}号"
        if direction == OUT and state == RECEIVED:
            reason = f"组织关系转接 {t.letter_number}"
            self._change(
                m, reason, status=Member.Status.TRANSFERRED_OUT, party_org_id=None,
                outside_holder=t.to_outside,
            )  # fmt: skip
        self.plan.transfers.append(t)

    # -- floating members ----------------------------------------------------------------

    def _floating(self):
        """An open record for every member flagged 流动党员 (one at least, held at a fixed
        place for over 6 months without a transfer), and some that have ended."""
        flagged = self._shuffled(m for m in self.active if m.is_floating)
        if not flagged and (m := self._take(self.held_pool)) is not None:
            self._change(m, "流动党员登记", is_floating=True)
            flagged = [m]
        for k, m in enumerate(flagged):
            fixed = k == 0 or self.rng.random() < FIXED_PLACE_SHARE
            if k == 0:  # should transfer
                since = rules.add_months(self.today, -6) - _days(self.rng.randint(10, 300))
            else:
                since = self._ago(15, 700)
            self._floating_record(m, since, fixed)
        for _ in range(self._quota(ENDED_FLOATING_RATE, minimum=0)):
            m = self._take(self.held_pool)
            if m is None:
                break
            record = self._floating_record(m, self._ago(200, 1000), self.rng.random() < 0.3)
            record.ended_on = min(self.today, record.since + _days(self.rng.randint(60, 400)))
            record.note = "已返回"

    def _floating_record(self, m, since, fixed):
        rng = self.rng
        record = FloatingRecord(
            member_id=m.pk,
            since=since,
            fixed_place=fixed,
            contact_person=self._person(),
            contact_phone=self._phone(),
        )
        host = None
        if not m.party_org_id:  # held elsewhere, working here: attends a branch here
            nearby = self.by_district[self.snapshot.org_districts.get(m.workplace_id, "")]
            host = self.covering.get(m.workplace_id) or (rng.choice(nearby) if nearby else None)
        if host:
            record.direction, record.host_party_org_id = FloatingRecord.Direction.IN, host
            record.place = f"{rng.choice(OUTSIDE_PLACES)}（组织关系在{m.outside_holder or '外地'}）"
            record.added_attendance = True
            self.plan.attends.append((m.pk, host))
        else:
            record.direction = FloatingRecord.Direction.OUT
            record.place = rng.choice(OUTSIDE_PLACES)
            if rng.random() < 0.4:
                record.host_outside = f"中共{record.place}流动党员党委"
        self.plan.floating.append(record)
        return record

    # -- lost contact --------------------------------------------------------------------

    def _lost_contacts(self):
        """Of the members out of contact ≥ 6 months, about half are being searched for and
        some have had membership stopped; the rest wait to be registered."""
        pool = self._shuffled(
            self.by_pk[pk] for pk in sorted(self.out_of_touch) if not self.by_pk[pk].is_floating
        )
        while len(pool) < LOST_MINIMUM:  # a small demo: make a few
            m = self._take(self.held_pool, lambda m: m.category == FULL)
            if m is None:
                break
            self._change(m, "最近联系日期", last_contact_on=self._ago(200, 500))
            self.out_of_touch.add(m.pk)
            pool.append(self.by_pk[m.pk])
        n_open = max(1, round(LOST_OPEN_SHARE * len(pool)))
        for m in pool[:n_open]:
            self._lost_case(m)
        suspended = [m for m in pool[n_open:] if m.party_org_id and m.pk not in self.protected]
        for m in suspended[: round(LOST_SUSPENDED_SHARE * len(pool))]:
            case = self._lost_case(m, steps=(2, 3))
            case.outcome = LostContact.Outcome.SUSPENDED
            case.outcome_on = min(self.today, case.registered_on + _days(self.rng.randint(20, 120)))
            case.decision_body = self.snapshot.party_orgs[m.party_org_id].name
            self._change(m, "停止党籍", status=Member.Status.SUSPENDED)
        for _ in range(self._quota(RECONTACTED_RATE, minimum=0)):
            # A full member: lost a year or so ago, so after joining.
            m = self._take(self.held_pool, lambda m: m.category == FULL and m.last_contact_on)
            if m is None:
                break
            lost_since = m.last_contact_on - _days(self.rng.randint(200, 420))
            case = self._lost_case(m._replace(last_contact_on=lost_since), until=m.last_contact_on)
            case.outcome = LostContact.Outcome.RECONTACTED
            case.outcome_on = m.last_contact_on  # the member's last contact: that day

    def _lost_case(self, m, *, steps=(1, 3), until=None):
        """A case from the member's last contact, registered once 6 months had passed."""
        until = until or self.today
        earliest = rules.add_months(m.last_contact_on, 6)
        registered = min(until, earliest + _days(self.rng.randint(0, 60)))
        case = LostContact(member_id=m.pk, lost_since=m.last_contact_on, registered_on=registered)
        span = (until - registered).days
        days = sorted(self.rng.randint(0, span) for _ in range(self.rng.randint(*steps)))
        measures = self.rng.sample(SEARCH_STEPS, len(days))
        for day, measure in zip(days, measures, strict=True):
            self.plan.lost_steps.append(
                LostContactStep(case=case, taken_on=registered + _days(day), measure=measure)
            )
        self.plan.lost_contacts.append(case)
        return case

    # -- dispositions --------------------------------------------------------------------

    def _dispositions(self):
        weighted = (("ending", 45), ("later", 25), ("corrected", 30))
        for kind in self._kinds(self._quota(CORRECTION_RATE), weighted):
            m = self._take(self.held_pool)
            if m is None:
                return
            if kind == "ending":  # the deadline passed lately or comes within 30 days
                months = self.rng.choice((3, 6))
                decided = rules.add_months(self.today, -months) + _days(self.rng.randint(-20, 20))
                self._correction(m, decided, months)
            elif kind == "later":
                self._correction(m, self._ago(5, 60), self.rng.choice((6, 12)))
            else:
                record = self._correction(m, self._ago(220, 500), 6)
                record.corrected_on = min(
                    self.today, record.correction_until + _days(self.rng.randint(0, 20))
                )
                record.correction_result = "已按期改正，经支部党员大会确认"
        persuade, remove = Disposition.Kind.PERSUADE, Disposition.Kind.REMOVE
        for kind, rate in ((persuade, PERSUADE_RATE), (remove, REMOVE_RATE)):
            for _ in range(self._quota(rate)):
                m = self._take(self.held_pool)
                if m is None:
                    return
                decided = self._ago(20, 400)
                if kind == persuade:  # after a correction that did not work
                    earlier = self._correction(m, self._ago(300, 600), 6)
                    earlier.corrected_on = min(
                        self.today, earlier.correction_until + _days(self.rng.randint(1, 20))
                    )
                    earlier.correction_result = "期满仍未改正，予以劝退"
                    decided = earlier.corrected_on
                self._disposition(m, kind, decided, DISPOSITION_REASONS[kind])
                self._change(m, str(kind.label), status=Disposition.STATUS_AFTER[kind])

    def _disposition(self, m, kind, decided, reason):
        record = Disposition(
            member_id=m.pk,
            kind=kind,
            reason=reason,
            decided_on=decided,
            decision_body=self.snapshot.party_orgs[m.party_org_id].name,
            document_number=f"党支〔{decided.year}〕{self.rng.randint(1, 20)}号",
        )
        self.plan.dispositions.append(record)
        return record

    def _correction(self, m, decided, months):
        reason = self.rng.choice(CORRECTION_REASONS)
        record = self._disposition(m, Disposition.Kind.CORRECTION, decided, reason)
        record.correction_until = rules.add_months(decided, months)
        return record

    # -- relationship check --------------------------------------------------------------

    def _check(self):
        """The secretary's Party organization checks its members (组织关系排查), started 20
        days ago: those contacted since are found, those long out of touch are not."""
        party = self.snapshot.secretary_party_org_id
        if party not in self.snapshot.party_orgs:
            return
        orgs = self.snapshot.secretary_org_ids
        started = self._ago(20, 20)
        check = RelationshipCheck(
            name=f"{started.year}年度党员组织关系集中排查",
            party_org_id=party,
            started_on=started,
            due_on=started + _days(60),
            note="逐一联系本支部党员，核实组织关系和联系方式",
        )
        self.plan.checks.append(check)
        for m in self.active:
            if m.pk in self.left or not (m.party_org_id == party or m.workplace_id in orgs):
                continue
            m = self.by_pk[m.pk]
            finding = CheckFinding(campaign=check, member_id=m.pk)
            if m.last_contact_on and m.last_contact_on >= started:
                finding.result, finding.checked_on = CheckFinding.Result.FOUND, m.last_contact_on
            elif m.pk in self.out_of_touch:
                finding.result = CheckFinding.Result.NOT_FOUND
                finding.checked_on = min(self.today, started + _days(self.rng.randint(1, 15)))
                finding.notes = "电话无人接听，已向工作单位了解，仍未联系上"
            self.plan.findings.append(finding)
        for member in self.plan.new_members:
            if member.party_org_id == party or member.workplace_id in orgs:
                self.plan.findings.append(CheckFinding(campaign=check, member=member))
