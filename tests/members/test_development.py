"""发展党员 through members.services.development_save: a person moves applicant → activist →
candidate → probationary (a member record is created) → full (the same record becomes a
full member); every refused move leaves the database as it was."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from members.models import Development, Member
from members.services import development_save
from tests.members import lifecycle_fixtures
from tests.members.lifecycle_fixtures import TODAY, errors_of, frozen

D = datetime.date
lifecycle = lifecycle_fixtures.lifecycle
today = lifecycle_fixtures.today

STEPS = {
    "activist": {"talked_on": D(2023, 3, 15), "activist_on": D(2023, 5, 1)},
    "candidate": {"candidate_on": D(2024, 5, 1)},
    "probationary": {
        "admitted_on": D(2024, 6, 1),
        "admission_approved_by": "中共南京市玄武区委两新工委",
        "admission_document": "玄两新〔2024〕12号",
    },
    "full": {"full_on": D(2025, 6, 1), "full_approved_by": "中共南京市玄武区委两新工委"},
}
ORDER = ("applicant", "activist", "candidate", "probationary", "full")


def fresh(record):
    return Development.objects.get(pk=record.pk)


def change(record, **fields):
    record = fresh(record)
    for name, value in fields.items():
        setattr(record, name, value)
    return record


def snapshot():
    """Everything development_save may write, to compare before and after a refusal."""
    return (
        list(Development.objects.order_by("pk").values()),
        list(Member.objects.order_by("pk").values()),
        Development.history.count(),
        Member.history.count(),
    )


@pytest.fixture
def sponsors(lifecycle):
    return lifecycle.sun_member(), lifecycle.sun_member()


@pytest.fixture
def advance(lifecycle, sponsors):
    """advance(stage): a saved record brought through the services up to `stage`."""

    def go(stage, **fields):
        record = development_save(record=lifecycle.development(**fields), user=lifecycle.user)
        for step in ORDER[1 : ORDER.index(stage) + 1]:
            record = change(record, **STEPS[step])
            if step == "candidate":
                record.sponsor_1, record.sponsor_2 = sponsors
            record = development_save(record=record, user=lifecycle.user)
        return fresh(record)

    return go


def refused(record, user):
    """The field errors of a development_save that must fail, checking it wrote nothing."""
    before = snapshot()
    with pytest.raises(ValidationError) as excinfo:
        development_save(record=record, user=user)
    assert snapshot() == before
    return errors_of(excinfo)


# --- the way to full membership -----------------------------------------------------------


def test_a_person_becomes_a_full_member_stage_by_stage(lifecycle, sponsors):
    user = lifecycle.user
    record = development_save(record=lifecycle.development(), user=user)
    assert (record.stage, record.member) == ("applicant", None)
    assert Development.objects.open().get() == record

    record = development_save(record=change(record, **STEPS["activist"]), user=user)
    assert fresh(record).stage == "activist"

    record = change(record, **STEPS["candidate"])
    record.sponsor_1, record.sponsor_2 = sponsors
    record = development_save(record=record, user=user)
    assert fresh(record).stage == "candidate"
    assert not Member.objects.filter(id_number=record.id_number).exists()

    record = development_save(record=change(record, **STEPS["probationary"]), user=user)
    stored = fresh(record)
    assert (stored.stage, stored.probation_ends_on) == ("probationary", D(2025, 6, 1))
    member = stored.member
    assert member is not None
    assert (member.name, member.id_number) == (record.name, record.id_number)
    assert member.category == Member.Category.PROBATIONARY
    assert member.joined_on == D(2024, 6, 1)
    assert member.full_member_on is None
    assert member.party_org == lifecycle.sun
    assert member.workplace == lifecycle.orgs[1]
    assert member.status == Member.Status.ACTIVE
    assert member.birth_date == D(1995, 3, 15) and member.gender == Member.Gender.FEMALE
    assert member.history.get().history_user == user

    record = development_save(record=change(record, **STEPS["full"]), user=user)
    stored = fresh(record)
    assert stored.stage == "full"
    assert stored.member_id == member.pk
    member.refresh_from_db()
    assert member.category == Member.Category.FULL
    assert member.full_member_on == D(2025, 6, 1)
    assert Member.objects.count() == 3  # the two sponsors and this one
    assert not Development.objects.open().exists()
    assert [h.stage for h in stored.history.order_by("history_id")] == list(ORDER)
    assert {h.history_user for h in stored.history.all()} == {user}


def test_an_extended_probation_moves_the_end_and_the_earliest_full_date(advance, lifecycle):
    record = advance("probationary")
    record = development_save(record=change(record, probation_extended_months=6), user=None)
    assert fresh(record).probation_ends_on == D(2025, 12, 1)
    with frozen(D(2025, 12, 10)):
        early = change(record, full_on=D(2025, 11, 30), full_approved_by="玄武区委两新工委")
        assert refused(early, lifecycle.user)["full_on"] == [
            "转正日期为预备期满之日（2025-12-01），党龄自该日算起"
        ]
        early.full_on = D(2025, 12, 1)
        development_save(record=early, user=lifecycle.user)
    assert fresh(record).member.full_member_on == D(2025, 12, 1)


def test_a_record_can_be_entered_at_once_up_to_admission(lifecycle, sponsors):
    """A development already under way is entered with all its dates in one save."""
    record = lifecycle.development(
        **STEPS["activist"], **STEPS["candidate"], **STEPS["probationary"]
    )
    record.sponsor_1, record.sponsor_2 = sponsors
    record = development_save(record=record, user=lifecycle.user)
    assert fresh(record).member.category == Member.Category.PROBATIONARY


# --- refused transitions: field errors, nothing written -------------------------------------


@pytest.mark.parametrize(
    ("stage", "field"),
    [
        ("activist", "activist_on"),
        ("candidate", "candidate_on"),
        ("probationary", "admitted_on"),
    ],
)
def test_a_confirmed_stage_cannot_be_cleared(advance, lifecycle, stage, field):
    record = change(advance(stage), **{field: None})
    errors = refused(record, lifecycle.user)
    assert errors[field] == ["已确认的阶段不能撤回；日期有误的，请改为正确日期"]


def test_a_confirmed_stage_date_can_be_corrected(advance, lifecycle):
    record = change(advance("activist"), activist_on=D(2023, 4, 20))
    development_save(record=record, user=lifecycle.user)
    assert fresh(record).activist_on == D(2023, 4, 20)


def test_a_stage_cannot_be_skipped(advance, lifecycle, sponsors):
    record = change(advance("applicant"), candidate_on=D(2024, 5, 1))
    record.sponsor_1, record.sponsor_2 = sponsors
    assert refused(record, lifecycle.user)["candidate_on"] == ["须先填写前一阶段的日期"]


@pytest.mark.parametrize(
    ("candidate_on", "ok"),
    [(D(2024, 4, 30), False), (D(2024, 5, 1), True)],  # activist since 2023-05-01
)
def test_activist_becomes_candidate_only_after_twelve_months(
    advance, lifecycle, sponsors, candidate_on, ok
):
    record = change(advance("activist"), candidate_on=candidate_on)
    record.sponsor_1, record.sponsor_2 = sponsors
    if ok:
        development_save(record=record, user=lifecycle.user)
        assert fresh(record).stage == "candidate"
    else:
        assert refused(record, lifecycle.user)["candidate_on"] == [
            "入党积极分子须经12个月以上培养考察，最早可于2024-05-01列为发展对象"
        ]


def test_a_candidate_needs_two_sponsors_on_the_register(advance, lifecycle, sponsors):
    record = change(advance("activist"), **STEPS["candidate"])
    record.sponsor_1 = sponsors[0]
    errors = refused(record, lifecycle.user)
    assert errors["sponsor_2"] == ["列为发展对象须有两名正式党员作入党介绍人"]
    record.sponsor_2 = lifecycle.sun_member(category=Member.Category.PROBATIONARY)
    assert "不是在册正式党员" in refused(record, lifecycle.user)["sponsor_2"][0]


def test_a_sponsor_who_leaves_the_register_later_does_not_block_the_record(advance, lifecycle):
    """The sponsors were full members on the register when chosen: a sponsor transferred
    out a year later does not make the admission or 转正 of the person invalid."""
    record = advance("candidate")
    Member.objects.filter(pk=record.sponsor_1_id).update(status=Member.Status.TRANSFERRED_OUT)
    development_save(record=change(record, **STEPS["probationary"]), user=lifecycle.user)
    development_save(record=change(record, **STEPS["full"]), user=lifecycle.user)
    assert fresh(record).member.category == Member.Category.FULL


def test_a_new_sponsor_is_checked_even_on_a_later_save(advance, lifecycle):
    record = advance("candidate")
    record.sponsor_2 = lifecycle.sun_member(status=Member.Status.TRANSFERRED_OUT)
    assert "不是在册正式党员" in refused(record, lifecycle.user)["sponsor_2"][0]


@pytest.mark.parametrize("field", ["party_org", "workplace", "id_number"])
def test_an_admitted_persons_party_org_and_identity_change_on_the_register(
    advance, lifecycle, field
):
    record = advance("probationary")
    value = {
        "party_org": lifecycle.joint,
        "workplace": lifecycle.orgs[2],
        "id_number": lifecycle.development().id_number,
    }[field]
    setattr(record, field, value)
    assert refused(record, lifecycle.user)[field] == [
        "已接收为预备党员，请在党员名册中修改；组织关系变动请办理转接"
    ]


def test_party_org_may_change_before_admission(advance, lifecycle):
    record = change(advance("candidate"), party_org=lifecycle.joint)
    development_save(record=record, user=lifecycle.user)
    assert fresh(record).party_org == lifecycle.joint


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"full_on": D(2025, 6, 10), "full_approved_by": "玄武区委两新工委"}, "full_on"),
        ({"admitted_on": D(2024, 6, 2)}, "admitted_on"),
        ({"stopped_on": None}, "stopped_on"),
        ({"probation_extended_months": 6}, "probation_extended_months"),
    ],
)
def test_a_stopped_record_cannot_be_edited(advance, lifecycle, fields, field):
    record = change(advance("probationary"), stopped_on=D(2025, 3, 1), stop_reason="取消资格")
    development_save(record=record, user=lifecycle.user)
    errors = refused(change(record, **fields), lifecycle.user)
    assert errors[field] == ["已终止的记录不能再修改"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"full_on": D(2025, 6, 3)}, "full_on"),
        ({"candidate_on": D(2024, 5, 2)}, "candidate_on"),
        ({"stopped_on": D(2025, 6, 10), "stop_reason": "错误"}, "stopped_on"),
    ],
)
def test_a_completed_record_cannot_be_edited(advance, lifecycle, fields, field):
    errors = refused(change(advance("full"), **fields), lifecycle.user)
    assert "已转正的记录不能再修改" in errors[field]


def test_probation_is_extended_only_once(advance, lifecycle):
    record = development_save(
        record=change(advance("probationary"), probation_extended_months=6), user=lifecycle.user
    )
    errors = refused(change(record, probation_extended_months=12), lifecycle.user)
    assert errors["probation_extended_months"] == ["预备期只能延长一次"]
    errors = refused(change(record, probation_extended_months=0), lifecycle.user)
    assert errors["probation_extended_months"] == ["预备期只能延长一次"]


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False)])
def test_probation_is_extended_by_six_to_twelve_months(advance, lifecycle, months, ok):
    record = change(advance("probationary"), probation_extended_months=months)
    if ok:
        development_save(record=record, user=lifecycle.user)
        assert fresh(record).probation_ends_on == D(2025 + months // 12, 6 + months % 12, 1)
    else:
        assert refused(record, lifecycle.user)["probation_extended_months"] == [
            "预备期延长6至12个月"
        ]


def test_probation_is_not_extended_before_admission(advance, lifecycle):
    record = change(advance("candidate"), probation_extended_months=6)
    assert refused(record, lifecycle.user)["probation_extended_months"] == [
        "接收为预备党员后才能延长预备期"
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"admitted_on": D(2024, 6, 1)}, "admission_approved_by", "接收预备党员须填写审批党组织"),
        ({"admitted_on": TODAY + datetime.timedelta(days=1),
          "admission_approved_by": "两新工委"}, "admitted_on", "接收为预备党员日期不能晚于今天"),
        ({"stopped_on": D(2025, 1, 1)}, "stop_reason", "终止须填写原因"),
        ({"stopped_on": D(2023, 2, 1), "stop_reason": "本人撤回"}, "stopped_on",
         "终止日期不能早于已记录的最后一个阶段日期（2024-05-01）"),
    ],
)  # fmt: skip
def test_admission_and_stopping_need_their_particulars(advance, lifecycle, fields, field, message):
    assert refused(change(advance("candidate"), **fields), lifecycle.user)[field] == [message]


def test_an_applicant_under_eighteen_is_refused_and_nothing_is_written(lifecycle):
    record = lifecycle.development(birth="20050302", applied_on=D(2023, 3, 1))
    errors = refused(record, lifecycle.user)
    assert errors["applied_on"] == ["申请入党时应年满18周岁（按身份证号计算为17岁）"]
    assert not Development.objects.exists()


# --- stopping, the register, one open record ------------------------------------------------


def test_stopping_during_probation_cancels_the_member(advance, lifecycle):
    record = advance("probationary")
    member = record.member
    record = change(record, stopped_on=D(2025, 3, 1), stop_reason="取消预备党员资格")
    development_save(record=record, user=lifecycle.user)
    member.refresh_from_db()
    assert member.status == Member.Status.CANCELLED
    assert member.history.first().history_user == lifecycle.user
    assert not Development.objects.open().exists()
    assert not Member.objects.on_register().filter(pk=member.pk).exists()


def test_stopping_before_admission_creates_no_member(advance, lifecycle):
    record = change(advance("activist"), stopped_on=D(2024, 1, 1), stop_reason="本人撤回")
    development_save(record=record, user=lifecycle.user)
    assert fresh(record).member is None
    assert not Member.objects.filter(id_number=record.id_number).exists()


def test_an_active_member_with_the_same_id_number_blocks_admission(advance, lifecycle):
    record = advance("candidate")
    lifecycle.member(lifecycle.orgs[2], lifecycle.joint, id_number=record.id_number)
    errors = refused(change(record, **STEPS["probationary"]), lifecycle.user)
    assert errors["id_number"] == ["该身份证号已被占用，不能重复登记；如需更正请联系系统管理员"]
    assert fresh(record).stage == "candidate"


def test_a_former_member_with_the_same_id_number_does_not_block_admission(advance, lifecycle):
    record = advance("candidate")
    old = lifecycle.member(id_number=record.id_number, status=Member.Status.REMOVED)
    development_save(record=change(record, **STEPS["probationary"]), user=lifecycle.user)
    assert fresh(record).member_id not in (None, old.pk)


def test_one_open_development_record_per_person(advance, lifecycle):
    first = advance("activist")
    second = lifecycle.development(id_number=first.id_number, applied_on=D(2024, 1, 1))
    errors = refused(second, lifecycle.user)
    assert errors["__all__"] == ["此人已有一条进行中的发展党员记录"]
    development_save(
        record=change(first, stopped_on=D(2023, 12, 1), stop_reason="本人撤回"), user=None
    )
    development_save(record=second, user=lifecycle.user)
    assert Development.objects.open().get().pk == second.pk


def test_a_completed_record_does_not_block_a_new_one_for_the_same_number(advance, lifecycle):
    """Full members may apply again only in theory; the constraint covers open records only."""
    first = advance("full")
    Member.objects.filter(pk=first.member_id).update(status=Member.Status.REMOVED)
    second = lifecycle.development(id_number=first.id_number, applied_on=D(2025, 6, 10))
    development_save(record=second, user=lifecycle.user)
    assert Development.objects.filter(id_number=first.id_number).count() == 2


def test_a_member_on_the_register_cannot_apply_again(lifecycle):
    existing = lifecycle.sun_member()
    errors = refused(lifecycle.development(id_number=existing.id_number), lifecycle.user)
    assert errors["id_number"] == ["该身份证号已被占用，不能重复登记；如需更正请联系系统管理员"]


def test_a_dissolved_party_organization_develops_no_one(lifecycle):
    lifecycle.sun.dissolved_on = D(2024, 12, 31)
    lifecycle.sun.save()
    errors = refused(lifecycle.development(), lifecycle.user)
    assert errors["party_org"] == ["该党组织已撤销"]


def test_the_record_history_names_the_member_created_at_admission(advance):
    record = advance("probationary")
    latest = fresh(record).history.order_by("-history_id").first()
    assert latest.stage == "probationary"
    assert latest.member_id == fresh(record).member_id is not None
