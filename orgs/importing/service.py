"""The one import service behind the admin upload, its preview, and `import_data`.

It reads the file, maps the Chinese headers through the template's import-export
resource, validates every row (widgets, required columns, model validation, duplicates
inside the file and against the database, the user's scope), and only when nothing is
wrong writes all rows in one transaction with their audit history. A dry run does the
same writes and rolls them back, so its report is exactly what a real run would do.
"""

import logging
import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.db import BULK_ROWS, refresh_statistics
from orgs.history import CHANGED, record_history
from orgs.history import CREATED as ADDED
from orgs.importing.readers import ImportFileError, read_table
from orgs.importing.registry import get_template
from orgs.scopes import Scope

logger = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
ACTION_LABELS = {CREATED: "新增", UPDATED: "更新", UNCHANGED: "无变化"}
BATCH_SIZE = 500


@dataclass(frozen=True)
class RowError:
    row: int | None  # spreadsheet row number; None for a problem with the whole file
    column: str
    message: str

    def __str__(self):
        if self.row is None:
            return f"{self.column}: {self.message}" if self.column else self.message
        return f"第{self.row}行 {self.column}: {self.message}"


@dataclass
class RowResult:
    row: int
    action: str
    label: str

    @property
    def action_label(self):
        return ACTION_LABELS[self.action]


@dataclass
class ImportReport:
    template: str
    title: str
    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self):
        return not self.errors

    @property
    def written(self):
        return self.ok and not self.dry_run

    def summary(self):
        verb = _("校验通过（未写入）") if self.dry_run else _("导入完成")
        return _(
            "{title}{verb}：共{total}行，新增{created}，更新{updated}，无变化{unchanged}"
        ).format(
            title=self.title,
            verb=verb,
            total=self.total,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
        )


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a run that failed late."""


class ImportPermissionError(Exception):
    pass


def import_file(*, template_name, file, filename, user, dry_run=False):
    """Validate and (unless `dry_run`) write one file. Never writes part of it."""
    started = time.perf_counter()
    template = get_template(template_name)
    if not user.has_perm(template.permission):
        raise ImportPermissionError(_("您没有导入{title}的权限").format(title=template.title))
    report = ImportReport(template=template.name, title=template.title, dry_run=dry_run)
    try:
        table = read_table(file, filename)
    except ImportFileError as exc:
        report.errors.append(RowError(None, _("文件"), str(exc)))
        return report
    # Read, validate and write in one transaction: the stored rows that the file updates
    # are read (and on PostgreSQL locked) inside it, so an edit made meanwhile in the
    # admin is not overwritten with values read before it.
    with transaction.atomic():
        _Run(template, table, user, report).execute()
    if not dry_run and not report.errors and report.created + report.updated >= BULK_ROWS:
        refresh_statistics()
    report.seconds = time.perf_counter() - started
    return report


class _Run:
    def __init__(self, template, table, user, report):
        self.template = template
        self.table = table
        self.user = user
        self.scope = Scope.for_user(user)
        self.report = report
        self.resource = template.resource_class()
        self.fields = {f.column_name: f for f in self.resource.get_import_fields()}
        self.column_of = {f.attribute: f.column_name for f in self.fields.values()}
        self.column_of.update(template.extra_error_columns)
        self.model_fields = {f.name: f for f in template.model._meta.concrete_fields}
        # Every stored field is compared, not only those named by columns: clean() and
        # prepare() derive some (a filed org becomes a community org), and those changes
        # must be written too. Stamps the template sets itself are not a change.
        skipped = set(template.touched_fields) | set(template.validation_exclude)
        self.compared = [
            f for f in self.model_fields.values() if not f.primary_key and f.name not in skipped
        ]
        # Foreign keys are not re-validated per row (that is one query each): the lookup
        # widgets resolved them from their restricted querysets, and the database's
        # foreign-key constraints hold the rest.
        self.validation_exclude = set(template.validation_exclude) | {
            f.name for f in template.model._meta.concrete_fields if f.is_relation
        }

    def error(self, row, column, message):
        self.report.errors.append(RowError(row, column, str(message)))

    def execute(self):
        report = self.report
        report.total = len(self.table.rows)
        if not self._check_headers():
            return
        if not self.table.rows:
            self.error(None, _("文件"), _("没有数据行"))
            return
        parsed = self._drop_outside_scope(self._parse_rows())
        self.context = self.template.begin([values for _n, _k, values, bad in parsed if not bad])
        keys = [entry[1] for entry in parsed if entry[1] is not None]
        existing = self.template.load_existing(keys)
        in_scope = self.template.in_scope_ids(self.scope, [o.pk for o in existing.values()])
        creates, updates, changed_fields = [], [], set()
        seen = {}
        for number, key, values, bad in parsed:
            instance = None
            if key is not None:
                if key in seen:
                    self.error(
                        number,
                        self.template.key_column(key),
                        _("与第{row}行重复").format(row=seen[key]),
                    )
                    continue
                seen[key] = number
                instance = existing.get(key)
                if instance is not None and instance.pk not in in_scope:
                    self.error(number, *self.template.outside_scope(key, instance))
                    continue
            # A row with bad cells is still checked against the model rules on the cells
            # that did parse, so one upload names every problem of the file.
            outcome = self._build(number, instance, values, bad)
            if outcome is None or bad:
                continue
            action, obj, fields = outcome
            report.rows.append(RowResult(number, action, self.template.label(obj)))
            if action == CREATED:
                creates.append((number, obj))
            elif action == UPDATED:
                updates.append((number, obj))
                changed_fields |= fields
        # Scope first: rows that reach outside it are not checked against other records
        # (a clash there would describe records the user may not see).
        written = creates + updates
        outside = set()
        for number, column, message in self.template.check_scope(self.scope, written):
            self.error(number, column, message)
            outside.add(number)
        for number, column, message in self.template.check_rows(
            [(n, obj) for n, obj in written if n not in outside], [o.pk for o in existing.values()]
        ):
            self.error(number, column, message)
        if report.errors:
            report.errors.sort(key=lambda error: error.row or 0)  # stable: columns keep order
            report.rows = []
            return
        report.created = len(creates)
        report.updated = len(updates)
        report.unchanged = len(report.rows) - report.created - report.updated
        self._write(creates, updates, changed_fields)

    def _check_headers(self):
        ok = True
        seen = set()
        for header in self.table.headers:
            if not header:
                continue
            if header not in self.fields:
                self.error(1, header, _("未知列，请对照模板检查列名"))
                ok = False
            elif header in seen:
                self.error(1, header, _("列名重复"))
                ok = False
            seen.add(header)
        for column in self.template.required_columns:
            if column not in seen:
                self.error(1, column, _("缺少必填列"))
                ok = False
        for number, row in self.table.rows:
            if "" in row:
                self.error(number, _("（无表头列）"), _("该列没有表头，但有数据"))
                ok = False
        return ok

    def _parse_rows(self):
        """Each row as (number, key, values, bad attributes); key is None if unreadable."""
        parsed = []
        required = set(self.template.required_columns)
        for number, row in self.table.rows:
            values, bad = {}, set()
            for column, field_ in self.fields.items():
                if column not in row:
                    continue
                try:
                    value = field_.clean(row)
                except ValueError as exc:
                    self.error(number, column, exc)
                    bad.add(field_.attribute)
                    continue
                if column in required and value in (None, ""):
                    self.error(number, column, _("必填"))
                    bad.add(field_.attribute)
                    continue
                values[field_.attribute] = value
            if not bad:
                for attribute, message in self.template.check_values(values):
                    self.error(number, self.column_of.get(attribute, attribute), message)
                    bad.add(attribute)
            key = None if self.template.key_attribute in bad else self.template.key(values)
            parsed.append((number, key, values, bad))
        return parsed

    def _drop_outside_scope(self, parsed):
        """Rows naming records outside the scope: reported as not found, and the value
        dropped, before model validation could describe the record (its dates, say)."""
        flagged = self.template.rows_outside_scope(self.scope, [entry[2] for entry in parsed])
        if not flagged:
            return parsed
        checked = []
        for index, (number, key, values, bad) in enumerate(parsed):
            for attribute, message in flagged.get(index, ()):
                self.error(number, self.column_of.get(attribute, attribute), message)
                values.pop(attribute, None)
                bad = bad | {attribute}
                key = None
            checked.append((number, key, values, bad))
        return checked

    def _build(self, number, instance, values, bad=frozenset()):
        """Apply values; validate; return (action, instance, changed fields) or None.

        `bad` names attributes whose cells were already reported: they are not validated
        again, and model errors about them are not repeated.
        """
        model = self.template.model
        action = UPDATED
        if instance is None:
            instance, action = model(), CREATED
        before = {f.name: f.value_from_object(instance) for f in self.compared}
        for name, value in values.items():
            field_ = self.model_fields.get(name)
            if field_ is None:
                continue  # a column that prepare() turns into model fields
            if value in (None, "") and field_.has_default():
                if action == UPDATED:
                    continue  # a blank cell keeps what is stored (a 注销 org stays 注销)
                value = field_.get_default()  # and means the published default for a new one
            elif value is None and not field_.null:
                value = field_.get_default()
            setattr(instance, name, value)
        if bad:
            # Derived fields need every cell they come from: a bad row skips prepare(), and
            # model rules about what it would have derived are not reported either.
            bad = set(bad) | set(self.template.extra_error_columns)
        else:
            instance.import_context = self.context
            self.template.prepare(instance, values)
        instance.import_values = values  # for the template's write hooks
        related_changed = (
            action == UPDATED and not bad and self.template.related_changed(instance, values)
        )
        if (
            action == UPDATED
            and not related_changed
            and all(before[f.name] == f.value_from_object(instance) for f in self.compared)
        ):
            # Nothing to write, so nothing to validate: the row equals what is stored.
            return UNCHANGED, instance, set()
        try:
            instance.full_clean(
                exclude=self.validation_exclude | set(bad),
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            reported = False
            for name, messages in exc.message_dict.items():
                if name in bad:
                    continue
                column = self.column_of.get(name, name)
                for message in messages:
                    self.error(number, column, message)
                    reported = True
            if reported or not bad:
                return None
        changed = {f.name for f in self.compared if before[f.name] != f.value_from_object(instance)}
        if action == UPDATED and not changed and not related_changed:
            return UNCHANGED, instance, set()
        instance.import_changed = changed  # for the template's write hooks
        return action, instance, changed

    def _write(self, creates, updates, changed_fields):
        template, report = self.template, self.report
        now = timezone.now()
        reason = _("导入{title}").format(title=template.title)
        model = template.model
        try:
            with transaction.atomic():
                new = [obj for number, obj in creates]
                changed = [obj for number, obj in updates]
                template.before_write(new + changed, now)
                # Updates go first: a row that renames or deregisters a record frees its
                # unique value for a new row of the same file.
                history = {"user": self.user, "reason": reason, "date": now}
                if changed:
                    template.release_unique_values(changed, changed_fields)
                    # A row may change only related data (covered orgs, posts): then no
                    # field is written, and bulk_update refuses an empty field list.
                    fields = sorted(changed_fields | set(template.touched_fields))
                    if fields:
                        model.objects.bulk_update(changed, fields=fields, batch_size=BATCH_SIZE)
                    record_history(model, [o.pk for o in changed], history_type=CHANGED, **history)
                if new:
                    model.objects.bulk_create(new, batch_size=BATCH_SIZE)
                    record_history(model, [o.pk for o in new], history_type=ADDED, **history)
                # Related rows (covered orgs, posts) once every record has its key.
                template.after_write(updates + creates, history)
                # The same Q that guards reads guards the result: every written row must
                # end up inside the user's scope.
                written = creates + updates
                inside = template.in_scope_ids(self.scope, [obj.pk for number, obj in written])
                for number, obj in written:
                    if obj.pk not in inside:
                        self.error(
                            number, template.scope_column, _("导入后该记录将不在您的管理范围内")
                        )
                if report.errors or report.dry_run:
                    raise _Rollback
        except _Rollback:
            if report.errors:
                report.created = report.updated = report.unchanged = 0
        except DatabaseError as exc:
            logger.exception("import of %s failed while writing", template.name)
            report.created = report.updated = report.unchanged = 0
            # The first line names the constraint; PostgreSQL's DETAIL line would show the
            # row's data to whoever uploaded the file, so it stays in the log.
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.error(
                None, _("数据库"), _("写入失败，未导入任何数据：{error}").format(error=reason)
            )
