"""Writes of the member lifecycle: each a keyword-only function that checks the state
change it makes, validates, and writes everything in one transaction with its history.

The admin's forms and actions call these; errors are ValidationError with Chinese
messages keyed by the field they concern.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import rules
from members.models import (
    CheckFinding,
    Development,
    Disposition,
    FloatingRecord,
    LostContact,
    Member,
    Post,
    RelationshipCheck,
    Transfer,
)
from orgs.history import CREATED, record_history

# Member fields whose errors belong to a development record's fields.
_MEMBER_TO_DEVELOPMENT = {
    "id_number": "id_number",
    "joined_on": "admitted_on",
    "full_member_on": "full_on",
    "name": "name",
    "workplace": "workplace",
}


def _save_member(member, user):
    member._history_user = user
    member.save()


def _locked(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def _end_posts(member, on, user, party_org_id=None):
    """The member's posts in office (in `party_org_id` only, if given) end on `on`: whoever
    leaves a Party organization leaves its posts, and a successor can be appointed."""
    # No ordering: Post's default one joins the nullable party_org, and PostgreSQL locks
    # no row on the nullable side of an outer join.
    posts = (
        Post.objects.select_for_update(of=("self",))
        .filter(member=member, ended_on__isnull=True)
        .order_by()
    )
    if party_org_id is not None:
        posts = posts.filter(party_org_id=party_org_id)
    for post in posts:
        post.ended_on = max(on, post.started_on)
        post._history_user = user
        post.save()


def _end_floating(member, on, user, host_id=None):
    """End the member's open floating registrations (those hosted by `host_id` only, if
    given), with the attendance they added; sets, without saving, the member's flag."""
    records = FloatingRecord.objects.select_for_update().filter(member=member).open()
    if host_id is not None:
        records = records.filter(host_party_org_id=host_id)
    for record in records:
        record.ended_on = max(on, record.since)
        record._history_user = user
        record.save()
        if record.added_attendance and record.host_party_org_id:
            member.attends.remove(record.host_party_org_id)
    member.is_floating = FloatingRecord.objects.filter(member=member).open().exists()


def _leave_register(member, on, user):
    """A member leaves the register (已转出, 停止党籍, 除名 …): posts and floating registrations
    end that day. The caller sets the status and saves the member."""
    _end_posts(member, on, user)
    _end_floating(member, on, user)


def _check_date(day, field, *, not_before=None, not_before_label=""):
    today = timezone.localdate()
    if day > today:
        raise ValidationError({field: _("日期不能晚于今天")})
    if not_before and day < not_before:
        raise ValidationError(
            {field: _("不能早于{label}（{day}）").format(label=not_before_label, day=not_before)}
        )


# --- development ------------------------------------------------------------------------


def development_transition_errors(previous, record):
    """Errors of the move from the stored `previous` to `record`: stages go forward only,
    a stopped or completed record is closed, and an admitted person's identity and Party
    organization live on their member record."""
    if previous is None:
        return {}
    errors = {}
    if previous.stopped_on or previous.full_on:
        closed = _("已终止的记录不能再修改") if previous.stopped_on else _("已转正的记录不能再修改")
        for field in Development._meta.concrete_fields:
            name = field.attname
            if field.editable and getattr(previous, name) != getattr(record, name):
                errors[field.name] = closed
        return errors
    for field in Development.STAGE_FIELDS:
        if getattr(previous, field) and not getattr(record, field):
            errors[field] = _("已确认的阶段不能撤回；日期有误的，请改为正确日期")
    if previous.member_id:
        for field in ("id_number", "party_org_id", "workplace_id"):
            if getattr(previous, field) != getattr(record, field):
                name = "party_org" if field == "party_org_id" else field.removesuffix("_id")
                errors[name] = _("已接收为预备党员，请在党员名册中修改；组织关系变动请办理转接")
    if previous.probation_extended_months and (
        record.probation_extended_months != previous.probation_extended_months
    ):
        errors["probation_extended_months"] = _("预备期只能延长一次")
    return errors


def development_save(*, record: Development, user) -> Development:
    """Validate and save a development record; admission creates the member record (预备党员),
    转正 makes it a full member, and stopping during probation cancels it."""
    with transaction.atomic():
        previous = _locked(Development, record.pk) if record.pk else None
        errors = development_transition_errors(previous, record)
        try:
            record.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, messages)
        if errors:
            raise ValidationError(errors)
        if record.admitted_on:
            # The member first, so the record's history row names it.
            record.member = _development_sync_member(record, user)
        record._history_user = user
        record.save()
    return record


def _development_sync_member(record, user):
    member = _locked(Member, record.member_id) if record.member_id else None
    if member is None:
        member = Member(
            name=record.name,
            id_number=record.id_number,
            workplace=record.workplace,
            workplace_role=record.workplace_role,
            party_org=record.party_org,
        )
    member.joined_on = record.admitted_on
    if record.full_on:
        member.category, member.full_member_on = Member.Category.FULL, record.full_on
    else:
        member.category, member.full_member_on = Member.Category.PROBATIONARY, None
    if record.stopped_on and member.status == Member.Status.ACTIVE:
        member.status = Member.Status.CANCELLED  # 取消预备党员资格
        if member.pk:
            _leave_register(member, record.stopped_on, user)
    errors = {}
    try:
        member.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(_MEMBER_TO_DEVELOPMENT.get(field, NON_FIELD_ERRORS), []).extend(
                messages
            )
    try:
        member.validate_constraints()
    except ValidationError as exc:
        # One active record per ID number: the person is already on the register.
        errors.setdefault("id_number", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    _save_member(member, user)
    return member


# --- transfers --------------------------------------------------------------------------


def transfer_issue(*, transfer: Transfer, user) -> Transfer:
    """Record a transfer letter (介绍信) as issued: it is 在途 until received or returned."""
    if transfer.pk:
        raise ValidationError(_("介绍信开具后不能修改；有误的请退回后重新开具"))
    with transaction.atomic():
        transfer.status = Transfer.Status.IN_TRANSIT
        transfer.full_clean()
        transfer._history_user = user
        transfer.save()
    return transfer


def _open_transfer(transfer):
    locked = _locked(Transfer, transfer.pk)
    if locked.status != Transfer.Status.IN_TRANSIT:
        raise ValidationError(
            _("该转接已是“{state}”，只有在途的转接可以接收或退回").format(
                state=locked.get_status_display()
            )
        )
    return locked


def transfer_accept(*, transfer: Transfer, received_on, user, new_workplace=None) -> Transfer:
    """The receipt came back (or the receiving branch accepted): the member's relationship
    moves, in the same transaction, with the member's history recording the move."""
    with transaction.atomic():
        transfer = _open_transfer(transfer)
        if new_workplace is not None:
            # The receiving side names the member's new workplace (a job change).
            transfer.new_workplace = new_workplace
        _check_date(
            received_on,
            "received_on",
            not_before=transfer.issued_on,
            not_before_label=_("开具日期"),
        )
        member = _locked(Member, transfer.member_id)
        if member.status != Member.Status.ACTIVE:
            raise ValidationError(_("该党员已不在册，不能接收"))
        if transfer.direction == Transfer.Direction.IN:
            if member.party_org_id:
                raise ValidationError(_("该党员的组织关系已在本系统党组织，不能按转入接收"))
        elif member.party_org_id != transfer.from_party_org_id:
            raise ValidationError(_("该党员的组织关系已不在转出党组织，不能接收"))
        if transfer.direction == Transfer.Direction.OUT:
            if transfer.new_workplace_id:
                raise ValidationError({"new_workplace": _("转出本系统的，不填新工作单位")})
            member.status = Member.Status.TRANSFERRED_OUT
            member.party_org = None
            member.outside_holder = transfer.to_outside
            _leave_register(member, received_on, user)
        else:
            if transfer.from_party_org_id:
                _end_posts(member, received_on, user, party_org_id=transfer.from_party_org_id)
            member.party_org = transfer.to_party_org
            member.outside_holder = ""
            if transfer.new_workplace_id:
                member.workplace = transfer.new_workplace
            # Held there now, no longer a floating member attending it.
            _end_floating(member, received_on, user, host_id=transfer.to_party_org_id)
            _development_follows(member, transfer, user)
        member._change_reason = _("组织关系转接 {number}").format(number=transfer.letter_number)
        _save_member(member, user)
        if transfer.to_party_org_id:
            # Now held there, no longer only attended (一方隶属、参加多重组织生活 ends).
            member.attends.remove(transfer.to_party_org_id)
        transfer.status, transfer.received_on = Transfer.Status.RECEIVED, received_on
        transfer._history_user = user
        transfer.save()
    return transfer


def _development_follows(member, transfer, user):
    """A probationary member's development record moves with them: the receiving Party
    organization decides the 转正 and sees it on its worklists."""
    record = Development.objects.select_for_update().filter(member=member).first()
    if record is None or record.stopped_on or record.full_on:
        return
    record.party_org = transfer.to_party_org
    if transfer.new_workplace_id:
        record.workplace = transfer.new_workplace
    record._history_user = user
    record._change_reason = _("组织关系转接 {number}").format(number=transfer.letter_number)
    record.save()


def transfer_return(*, transfer: Transfer, returned_on, reason, user) -> Transfer:
    """The letter came back unaccepted (已退回): the relationship stays where it was."""
    if not (reason or "").strip():
        raise ValidationError({"return_reason": _("请填写退回原因")})
    with transaction.atomic():
        transfer = _open_transfer(transfer)
        _check_date(
            returned_on,
            "returned_on",
            not_before=transfer.issued_on,
            not_before_label=_("开具日期"),
        )
        transfer.status, transfer.returned_on = Transfer.Status.RETURNED, returned_on
        transfer.return_reason = reason.strip()
        transfer._history_user = user
        transfer.save()
    return transfer


# --- floating members -------------------------------------------------------------------


def floating_save(*, record: FloatingRecord, user) -> FloatingRecord:
    """Register a floating member, or end the registration; the member's flag and the
    organizations whose life they attend follow."""
    with transaction.atomic():
        previous = _locked(FloatingRecord, record.pk) if record.pk else None
        if previous is not None:
            if previous.ended_on:
                raise ValidationError(_("已结束的流动登记不能修改"))
            if previous.member_id != record.member_id:
                raise ValidationError({"member": _("登记的党员不能更改，请结束本登记后重新登记")})
            if previous.host_party_org_id != record.host_party_org_id:
                raise ValidationError(
                    {"host_party_org": _("参加组织生活的党组织变动的，请结束本登记后重新登记")}
                )
        record.full_clean()
        member = _locked(Member, record.member_id)
        if not record.pk and record.host_party_org_id:
            record.added_attendance = not member.attends.filter(
                pk=record.host_party_org_id
            ).exists()
        record._history_user = user
        record.save()
        if record.added_attendance and record.host_party_org_id:
            if record.ended_on:
                member.attends.remove(record.host_party_org_id)
            else:
                member.attends.add(record.host_party_org_id)
        floating = FloatingRecord.objects.filter(member=member).open().exists()
        if member.is_floating != floating:
            member.is_floating = floating
            _save_member(member, user)
    return record


# --- relationship checks and lost contact -----------------------------------------------


def check_start(*, check: RelationshipCheck, user, scope) -> int:
    """Open a campaign over the members on the register in `scope`, one pending finding
    each. Returns how many members it covers."""
    with transaction.atomic():
        if scope.unit_id:
            check.unit_id, check.party_org_id = scope.unit_id, None
        elif scope.party_org_id:
            check.unit_id, check.party_org_id = None, scope.party_org_id
        check.full_clean()
        check._history_user = user
        check.save()
        ids = Member.objects.for_scope(scope).on_register().values_list("pk", flat=True)
        CheckFinding.objects.bulk_create(
            (CheckFinding(campaign=check, member_id=pk) for pk in ids.iterator()), batch_size=2000
        )
        # One history row per finding, copied in the database (a city is 150,000 rows).
        finding_ids = list(check.findings.values_list("pk", flat=True))
        record_history(
            CheckFinding,
            finding_ids,
            history_type=CREATED,
            user=user,
            reason=_("开始组织关系排查"),
            date=timezone.now(),
        )
        return len(finding_ids)


def finding_record(*, finding: CheckFinding, user) -> CheckFinding:
    """Record one member's result; a member found counts as contacted that day."""
    with transaction.atomic():
        finding.full_clean()
        finding._history_user = user
        finding.save()
        if finding.result == CheckFinding.Result.FOUND:
            member = _locked(Member, finding.member_id)
            if member.last_contact_on is None or member.last_contact_on < finding.checked_on:
                member.last_contact_on = finding.checked_on
                _save_member(member, user)
    return finding


def lost_contact_register(*, case: LostContact, user) -> LostContact:
    with transaction.atomic():
        case.full_clean()
        case._history_user = user
        case.save()
    return case


def lost_contact_close(*, case: LostContact, outcome, on, decision_body="", user) -> LostContact:
    """End a lost-contact case: contact regained, or membership stopped (停止党籍) once the
    full period has passed, by a named Party organization."""
    with transaction.atomic():
        case = _locked(LostContact, case.pk)
        if case.outcome != LostContact.Outcome.OPEN:
            raise ValidationError(_("该失联党员已处理完毕"))
        _check_date(on, "outcome_on", not_before=case.registered_on, not_before_label=_("登记日期"))
        member = _locked(Member, case.member_id)
        if outcome == LostContact.Outcome.RECONTACTED:
            member.last_contact_on = max(on, member.last_contact_on or on)
        elif outcome == LostContact.Outcome.SUSPENDED:
            problem = rules.suspension_problem(case.lost_since, on)
            if problem:
                raise ValidationError({"outcome_on": problem})
            if not decision_body.strip():
                raise ValidationError({"decision_body": _("停止党籍须填写决定党组织")})
            if member.status != Member.Status.ACTIVE:
                raise ValidationError(_("该党员已不在册"))
            member.status = Member.Status.SUSPENDED
            _leave_register(member, on, user)
        else:
            raise ValidationError({"outcome": _("请选择处理结果")})
        _save_member(member, user)
        case.outcome, case.outcome_on = outcome, on
        case.decision_body = decision_body.strip()
        case._history_user = user
        case.save()
    return case


# --- dispositions -----------------------------------------------------------------------


def disposition_save(*, disposition: Disposition, user) -> Disposition:
    """Record a disposition; 劝退 and 除名 take the member off the register at once."""
    with transaction.atomic():
        if disposition.pk:
            previous = _locked(Disposition, disposition.pk)
            decision = ("kind", "member_id", "decided_on")
            if any(getattr(previous, f) != getattr(disposition, f) for f in decision):
                raise ValidationError(
                    {"kind": _("处置决定作出后不能改变党员、处置方式或决定日期，请另行登记")}
                )
        disposition.full_clean()
        disposition._history_user = user
        disposition.save()
        status = Disposition.STATUS_AFTER.get(disposition.kind)
        if status:
            member = _locked(Member, disposition.member_id)
            if member.status == Member.Status.ACTIVE:
                member.status = status
                member._change_reason = disposition.get_kind_display()
                _leave_register(member, disposition.decided_on, user)
                _save_member(member, user)
    return disposition
