"""Background exports (issue 8 §6): a job goes queued → running → done through the
database task backend and its worker, with progress; its file goes only to its requester
or a superuser; expired files are purged (410); failures leave a message and no file.

The reports' real exporters are written elsewhere: most tests register a small exporter
of their own (`Rows`, thousands of rows through the real xlsx/CSV writers) as
`ledger.catalog.exporter_for`; one test goes through the real catalog.

Tests that run `db_worker` use transaction=True: `jobs.start` enqueues on commit, and the
worker claims its task in a transaction of its own, as in production.
"""

import datetime
import io
import json
import os
import re
import stat
from io import StringIO
from types import SimpleNamespace
from urllib.parse import quote

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ledger import catalog, jobs, tasks
from ledger.exporters import FORMATS, INT, Column, Exporter, Sheet
from ledger.models import ExportJob
from orgs.models import Unit
from tests import factories
from tests.ledger.conftest import SHANGHAI, TODAY, frozen

ROWS = 6000  # the writers report progress every 5,000 rows
YEAR = 2026


class Rows(Exporter):
    """A one-sheet export of `state.rows` numbered rows; it records the job's row as the
    worker saved it after the first 5,000 rows, and fails after `state.fail_after` rows."""

    report = "ledger"
    formats = ("xlsx", "csv", "json")
    title = "测试年度台账"

    def __init__(self, state, user, year):
        self.state, self.year = state, year
        self.scope_label = user.unit.name if user.unit_id else "全市"

    def size(self):
        return self.state.rows

    def sheets(self):
        columns = [Column("序号", INT), Column("名称"), Column("年度", INT)]
        yield Sheet("社会组织", columns, self._rows(), count=self.state.rows)

    def _rows(self):
        for index in range(self.state.rows):
            if index == 5000:
                self.state.midway = list(ExportJob.objects.values("status", "done", "total"))
            if self.state.fail_after is not None and index == self.state.fail_after:
                raise RuntimeError("the database went away")
            yield index + 1, f"=测试协会{index + 1}", self.year

    def as_json(self):
        return {"rows": self.state.rows, "year": self.year}


@pytest.fixture
def exporters(monkeypatch):
    """`catalog.exporter_for` giving `Rows` for the target "own" of the users in
    `allowed`, None for anything else."""
    state = SimpleNamespace(rows=ROWS, fail_after=None, midway=None, allowed=set(), asked=[])

    def exporter_for(user, report, target_key, year, *, today, reveal_ids=False):
        state.asked.append((user.pk, report, target_key, year, today, reveal_ids))
        if target_key != "own" or user.pk not in state.allowed:
            return None
        return Rows(state, user, year)

    monkeypatch.setattr(catalog, "exporter_for", exporter_for)
    return state


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    settings.EXPORT_KEEP_HOURS = 72
    return settings.EXPORT_DIR


@pytest.fixture
def people(db, exporters):
    """A registration office's user (the requester), a colleague of the same unit, a user
    of another unit, a superuser; all may export "own"."""
    city = factories.CityFactory()
    office = factories.UnitFactory(name="南京市民政局", region=city)
    other = factories.UnitFactory(name="南京市教育局", kind=Unit.Kind.SUPERVISOR, region=city)
    made = SimpleNamespace(
        requester=factories.UserFactory(username="requester", unit=office),
        colleague=factories.UserFactory(username="colleague", unit=office),
        other_unit=factories.UserFactory(username="other_unit", unit=other),
        superuser=factories.UserFactory(username="root", unit=None, is_superuser=True),
    )
    exporters.allowed |= {u.pk for u in vars(made).values()}
    return made


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--verbosity", "0")


def finished(user, fmt="xlsx", **options):
    """A job of `user` run to its end by the task's own function (no worker)."""
    job = jobs.start(user, "ledger", fmt, "own", YEAR, **options)
    tasks.run_export.call(job.pk)
    job.refresh_from_db()
    return job


def files_in(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


# --- the worker -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_job_goes_from_queued_to_done_through_the_database_worker(people, exporters, export_dir):
    job = jobs.start(people.requester, "ledger", "xlsx", "own", YEAR)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.QUEUED
    assert (job.done, job.total, job.file.name) == (0, 0, "")
    queued = DBTaskResult.objects.get(pk=job.task_id)
    assert queued.status == TaskResultStatus.READY
    assert queued.task_path == "ledger.tasks.run_export"
    assert queued.args_kwargs == {"args": [job.pk], "kwargs": {}}

    run_worker()

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    # Progress as the page saw it while the rows were written, and at the end.
    assert exporters.midway == [{"status": "running", "done": 5000, "total": ROWS}]
    assert (job.done, job.total, job.percent) == (ROWS, ROWS, 100)
    assert re.fullmatch(r"[0-9a-f]{32}\.xlsx", job.file.name)
    assert files_in(export_dir) == [job.file.name]  # no temporary file left
    path = export_dir / job.file.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert job.size == path.stat().st_size
    assert job.filename == "测试年度台账（南京市民政局）.xlsx"
    assert (job.title, job.target_label) == ("测试年度台账", "南京市民政局")
    assert job.started_at <= job.finished_at
    assert job.expires_at == job.finished_at + datetime.timedelta(hours=72)
    workbook = openpyxl.load_workbook(path, read_only=True)
    sheet = workbook["社会组织"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "名称", "年度")
    assert len(rows) == ROWS + 1
    assert rows[-1] == (ROWS, f"=测试协会{ROWS}", YEAR)  # typed number, text stays text
    workbook.close()
    assert DBTaskResult.objects.get(pk=job.task_id).status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True)
def test_a_failing_exporter_leaves_the_job_failed_with_a_message_and_no_file(
    people, exporters, export_dir
):
    exporters.fail_after = 5500  # after progress was saved and rows went to the file
    job = jobs.start(people.requester, "ledger", "csv", "own", YEAR)

    run_worker()

    job.refresh_from_db()
    assert exporters.midway == [{"status": "running", "done": 5000, "total": ROWS}]
    assert job.status == ExportJob.Status.FAILED
    assert "生成报表时出错（RuntimeError）" in job.error
    assert job.file.name == "" and job.size is None and job.finished_at is not None
    assert files_in(export_dir) == []
    result = DBTaskResult.objects.get(pk=job.task_id)
    assert result.status == TaskResultStatus.FAILED
    assert result.exception_class_path == "builtins.RuntimeError"


@pytest.mark.django_db(transaction=True)
def test_the_scope_is_the_requesters_when_the_job_runs(people, exporters, export_dir):
    job = jobs.start(people.requester, "ledger", "xlsx", "own", YEAR)
    exporters.allowed.discard(people.requester.pk)  # moved to another unit meanwhile

    run_worker()

    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert job.error == "无权导出该范围的报表"
    assert files_in(export_dir) == []


@pytest.mark.django_db(transaction=True)
def test_the_city_summary_as_json_through_the_real_catalog(users, export_dir):
    """The one test on the reports' own exporters: the city 两新工委's compliance summary,
    whose JSON has the keys of templates.md and the dashboard's figures."""
    from tests.ledger.conftest import CITY_TOTALS

    with frozen(TODAY):
        job = jobs.start(users["city_two_new"], "summary", "json", "city", TODAY.year)
        run_worker()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    data = json.loads((export_dir / job.file.name).read_text(encoding="utf-8"))
    assert {"year", "as_of", "scope", "totals", "by_district", "worklists"} <= set(data)
    assert data["year"] == TODAY.year
    for key, value in CITY_TOTALS.items():
        assert str(data["totals"][key]) == str(value), key
    assert job.filename.endswith(".json") and re.search(r"[\u4e00-\u9fff]", job.filename)


# --- starting and running ---------------------------------------------------------------


def test_a_target_not_the_users_fails_at_once_and_is_not_queued(
    people, exporters, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = jobs.start(people.requester, "ledger", "xlsx", "unit:999", YEAR)
    assert callbacks == []
    assert job.status == ExportJob.Status.FAILED
    assert job.error == "无权导出该范围的报表"
    assert not DBTaskResult.objects.exists()


def test_a_job_is_queued_only_when_the_transaction_commits(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.start(people.requester, "ledger", "xlsx", "own", YEAR)
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert str(DBTaskResult.objects.get().pk) == job.task_id


def lose_the_target(user, state):
    state.allowed.discard(user.pk)


def deactivate(user, state):
    user.is_active = False
    user.save(update_fields=["is_active"])


@pytest.mark.parametrize(
    "unit_kind, fmt, reveal, meanwhile, error",
    [
        (Unit.Kind.REGISTRATION, "xlsx", False, None, ""),
        (Unit.Kind.REGISTRATION, "xlsx", False, lose_the_target, "无权导出该范围的报表"),
        (Unit.Kind.REGISTRATION, "xlsx", False, deactivate, "申请人的账号已停用，不能导出"),
        (Unit.Kind.REGISTRATION, "xlsx", True, None, "无权导出完整身份证号"),
        (Unit.Kind.TWO_NEW, "xlsx", True, None, ""),  # 两新工委 may reveal them
        (Unit.Kind.REGISTRATION, "pdf", False, None, "年度台账不能导出为PDF"),
    ],
)
def test_what_the_worker_refuses_when_the_job_runs(
    db, exporters, export_dir, unit_kind, fmt, reveal, meanwhile, error
):
    exporters.rows = 10
    user = factories.UserFactory(unit=factories.UnitFactory(kind=unit_kind))
    exporters.allowed.add(user.pk)
    job = jobs.start(user, "ledger", fmt, "own", YEAR, reveal_ids=reveal)
    if meanwhile:
        meanwhile(user, exporters)
    assert tasks.run_export.call(job.pk) == ("failed" if error else "done")
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed" if error else "done", error)
    if error:
        assert files_in(export_dir) == []
    else:  # the exporter was asked for what the user asked for
        assert exporters.asked[-1][-1] is reveal


@pytest.mark.parametrize(
    "report, fmt, reveal",
    [
        ("summary", "xlsx", True),  # only the annual ledger reveals ID numbers
        ("summary", "csv", False),  # a format the report does not offer
        ("payroll", "xlsx", False),  # no such report
    ],
)
def test_start_refuses_what_no_report_offers(people, report, fmt, reveal):
    with pytest.raises(ValueError):
        jobs.start(people.requester, report, fmt, "own", YEAR, reveal_ids=reveal)
    assert not ExportJob.objects.exists()


def test_a_job_that_cannot_be_queued_fails_with_a_message(
    people, settings, django_capture_on_commit_callbacks
):
    # A backend that takes only another queue refuses run_export's.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["imports"]}
    }
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start(people.requester, "ledger", "xlsx", "own", YEAR)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED
    assert job.error == "无法加入后台任务队列，请稍后重新导出"
    assert not DBTaskResult.objects.exists()


def test_the_exporter_is_built_for_the_day_the_job_was_asked_for(people, exporters):
    exporters.rows = 10
    with frozen(datetime.date(2026, 12, 31), hour=23):
        job = jobs.start(people.requester, "ledger", "xlsx", "own", YEAR)
    with frozen(datetime.date(2027, 1, 1), hour=9):
        tasks.run_export.call(job.pk)
    assert exporters.asked[-1][4] == datetime.date(2026, 12, 31)


def test_a_job_is_run_once(people, exporters, export_dir):
    exporters.rows = 10
    job = finished(people.requester)
    assert tasks.run_export.call(job.pk) is None  # a second delivery of the task
    job.refresh_from_db()
    assert files_in(export_dir) == [job.file.name]


@pytest.mark.parametrize(
    "calls",
    [
        # (clock in seconds, whether this call writes done/total to the job)
        [(0.0, True)],  # the first at once: the page shows the total early
        [(0.0, True), (0.5, False), (0.99, False)],  # nothing more within the second
        [(0.0, True), (0.5, False), (1.0, True), (1.2, False), (2.5, True), (2.6, False)],
    ],
)
def test_progress_is_saved_at_most_once_a_second(people, calls, django_assert_num_queries):
    job = ExportJob.objects.create(
        requester=people.requester, report="ledger", fmt="xlsx", target_key="own", year=YEAR
    )
    clock = iter([moment for moment, _writes in calls])
    saver = tasks.ProgressSaver(job.pk, clock=lambda: next(clock))
    last_written = None
    for done, (_moment, writes) in enumerate(calls, start=1):
        with django_assert_num_queries(1 if writes else 0):
            saver(done * 10, 100)
        if writes:
            last_written = done * 10
    job.refresh_from_db()
    assert (job.done, job.total) == (last_written, 100)


# --- files: expiry and tidying ------------------------------------------------------------

NOW = datetime.datetime(2026, 6, 15, 12, tzinfo=SHANGHAI)
HOUR = datetime.timedelta(hours=1)


def make_job(user, status="queued", *, created=NOW, file="", **fields):
    return ExportJob.objects.create(
        requester=user, report="ledger", fmt="xlsx", target_key="own", year=YEAR,
        title="测试年度台账", target_label="南京市民政局", status=status, created_at=created,
        file=file, **fields,
    )  # fmt: skip


def write_file(directory, name, *, age=None, content=b"PK\x03\x04"):
    os.makedirs(directory, exist_ok=True)
    path = directory / name
    path.write_bytes(content)
    if age is not None:
        moment = (NOW - age).timestamp()
        os.utime(path, (moment, moment))
    return path


@pytest.mark.parametrize(
    "status, age, expires_in, after, file_kept",
    [
        ("done", 71 * HOUR, HOUR, "done", True),  # still within its time
        ("done", 73 * HOUR, -HOUR, "done", False),  # expired: the file goes, the row stays
        ("queued", 23 * HOUR, None, "queued", None),  # waiting for a worker
        ("queued", 25 * HOUR, None, "failed", None),  # lost in the queue
        ("running", 23 * HOUR, None, "running", None),  # a long export
        ("running", 25 * HOUR, None, "failed", None),  # its worker died
        ("failed", 100 * HOUR, None, "failed", None),
    ],
)
def test_purge_rules(people, export_dir, status, age, expires_in, after, file_kept):
    fields = {"started_at": NOW - age} if status in ("running", "done") else {}
    if status == "done":
        write_file(export_dir, "a.xlsx")
        fields |= {"file": "a.xlsx", "expires_at": NOW + expires_in, "finished_at": NOW - age}
    job = make_job(people.requester, status, created=NOW - age, **fields)

    jobs.purge(now=NOW)

    job.refresh_from_db()
    assert job.status == after
    if after == "failed" and status != "failed":
        assert "请重新导出" in job.error
    if file_kept is not None:
        assert (export_dir / "a.xlsx").exists() is file_kept
        assert job.file.name == ("a.xlsx" if file_kept else "")


@pytest.mark.parametrize(
    "name, age, named, kept",
    [
        ("1f.xlsx", 2 * HOUR, False, False),  # no job names it (its user was deleted)
        ("1f.xlsx", 0.5 * HOUR, False, True),  # the worker may be saving its name
        ("1f.xlsx", 1000 * HOUR, True, True),  # a job's file: only its expiry removes it
        (".1f.xlsx.part", 25 * HOUR, False, False),  # a dead worker's unfinished file
        (".1f.xlsx.part", 2 * HOUR, False, True),  # an export being written
    ],
)
def test_purge_removes_files_no_job_names(people, export_dir, name, age, named, kept):
    path = write_file(export_dir, name, age=age)
    if named:
        make_job(people.requester, "done", file=name, expires_at=NOW + HOUR)
    assert jobs.purge(now=NOW)["stray"] == (0 if kept else 1)
    assert path.exists() is kept


def test_an_expired_file_is_purged_and_its_download_answers_410(
    client, people, exporters, export_dir
):
    exporters.rows = 10
    job = finished(people.requester)
    path = export_dir / job.file.name
    download = reverse("ledger:export_download", args=[job.pk])
    client.force_login(people.requester)
    with time_machine.travel(job.expires_at - datetime.timedelta(minutes=1)):
        call_command("purge_exports", stdout=StringIO())
        assert path.exists()
        assert client.get(download).status_code == 200
    with time_machine.travel(job.expires_at + datetime.timedelta(minutes=1)):
        assert client.get(download).status_code == 410  # past its time, purged or not
        out = StringIO()
        call_command("purge_exports", stdout=out)
        response = client.get(download)
    assert "已删除过期文件 1 个" in out.getvalue()
    assert not path.exists()
    job.refresh_from_db()
    assert (job.status, job.file.name) == ("done", "")
    assert response.status_code == 410
    assert "该文件已过期并已删除" in response.content.decode()
    page = client.get(reverse("ledger:export_job", args=[job.pk])).content.decode()
    assert "已过期" in page and download not in page


def test_a_file_missing_from_the_disk_answers_410(client, people, exporters, export_dir):
    exporters.rows = 10
    job = finished(people.requester)
    (export_dir / job.file.name).unlink()
    client.force_login(people.requester)
    assert client.get(reverse("ledger:export_download", args=[job.pk])).status_code == 410


# --- pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("requester", 200), ("colleague", 404), ("other_unit", 404), ("superuser", 200)],
)
def test_a_job_and_its_file_are_only_its_requesters_or_a_superusers(
    client, people, exporters, export_dir, who, status
):
    exporters.rows = 10
    job = finished(people.requester)
    client.force_login(getattr(people, who))
    assert client.get(reverse("ledger:export_job", args=[job.pk])).status_code == status
    response = client.get(reverse("ledger:export_download", args=[job.pk]))
    assert response.status_code == status
    if status != 200:
        return
    body = b"".join(response.streaming_content)
    assert body == (export_dir / job.file.name).read_bytes()
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(
        "测试年度台账（南京市民政局）.xlsx"
    )
    assert response["Content-Type"] == FORMATS["xlsx"][0]
    assert response["X-Content-Type-Options"] == "nosniff"
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True)["社会组织"]
    assert len(list(sheet.iter_rows(values_only=True))) == 10 + 1


def test_the_pages_need_a_login(client, people, exporters):
    exporters.rows = 10
    job = finished(people.requester)
    for url in (
        reverse("ledger:export_jobs"),
        reverse("ledger:export_job", args=[job.pk]),
        reverse("ledger:export_download", args=[job.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_only_a_finished_job_downloads(client, people, status):
    job = make_job(people.requester, status)
    client.force_login(people.requester)
    assert client.get(reverse("ledger:export_download", args=[job.pk])).status_code == 404


SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
REFRESH = '<meta http-equiv="refresh" content="2">'


@pytest.mark.parametrize(
    "status, done, total, refreshes, progress, shown",
    [
        ("queued", 0, 0, True, '<progress max="100" value="0">', "正在排队等待后台处理"),
        ("running", 30, 120, True, '<progress max="100" value="25">', "（30 / 120）"),
        ("done", 120, 120, False, None, "下载 测试年度台账（南京市民政局）.xlsx"),
        ("failed", 30, 120, False, None, "生成报表时出错（OSError）"),
    ],
)
def test_a_jobs_page_shows_progress_and_refreshes_itself_while_unfinished(
    client, people, export_dir, status, done, total, refreshes, progress, shown
):
    fields = {"done": done, "total": total}
    if status == "done":
        write_file(export_dir, "b.xlsx")
        fields |= {
            "file": "b.xlsx", "filename": "测试年度台账（南京市民政局）.xlsx", "size": 4,
            "expires_at": timezone.now() + HOUR,
        }  # fmt: skip
    if status == "failed":
        fields["error"] = "生成报表时出错（OSError），请稍后重新导出；仍不成功请联系系统管理员。"
    job = make_job(people.requester, status, **fields)
    client.force_login(people.requester)
    page = client.get(reverse("ledger:export_job", args=[job.pk])).content.decode()
    assert (REFRESH in page) is refreshes
    assert (progress in page) if progress else ("<progress" not in page)
    assert shown in page
    assert (reverse("ledger:export_download", args=[job.pk]) in page) is (status == "done")
    # No inline script (a Content Security Policy without them comes later).
    assert all("src=" in attrs for attrs in SCRIPT.findall(page))


def job_rows(response):
    return [int(pk) for pk in re.findall(r'<tr data-job="(\d+)"', response.content.decode())]


def test_the_list_shows_ones_own_jobs_newest_first_a_superuser_everybodys(client, people):
    mine = [make_job(people.requester, created=NOW - i * HOUR) for i in range(3)]
    colleagues = make_job(people.colleague, created=NOW - 0.5 * HOUR)
    client.force_login(people.requester)
    assert job_rows(client.get(reverse("ledger:export_jobs"))) == [job.pk for job in mine]
    client.force_login(people.colleague)
    assert job_rows(client.get(reverse("ledger:export_jobs"))) == [colleagues.pk]
    client.force_login(people.superuser)
    response = client.get(reverse("ledger:export_jobs"))
    assert job_rows(response) == [mine[0].pk, colleagues.pk, mine[1].pk, mine[2].pk]
    assert "<td>colleague</td>" in response.content.decode()


LIST_QUERIES = 5  # session, user, (the user's unit), count, page


@pytest.mark.parametrize("who", ["requester", "superuser"])
def test_the_list_takes_the_same_queries_for_2_jobs_or_120(
    client, people, exporters, export_dir, who, django_assert_max_num_queries
):
    exporters.rows = 10
    finished(people.requester)
    make_job(people.colleague, "failed", error="无权导出该范围的报表")
    client.force_login(getattr(people, who))
    url = reverse("ledger:export_jobs")
    with django_assert_max_num_queries(LIST_QUERIES) as few:
        client.get(url)
    for i in range(120):
        make_job(people.colleague if i % 2 else people.requester, created=NOW - i * HOUR)
    with django_assert_max_num_queries(LIST_QUERIES) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert len(job_rows(response)) == 50
    shown = 2 + 120 if who == "superuser" else 1 + 60  # 3 pages or 2
    last = client.get(url, {"p": shown // 50 + 1})
    assert len(job_rows(last)) == shown % 50
