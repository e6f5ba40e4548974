"""Exports at city scale (issue 8 §7), on the database `seed_demo` filled.

Run by bench/run.py after `seed_demo --orgs 20000` (DATABASE_URL names the database).
Each measure against a naive version in the same run, so that the gain is a ratio:

- the members sheet (党员, about 150,000 rows) of the city's annual ledger to xlsx:
  `ledger.exporters.write_xlsx` (openpyxl write-only, lxml) against the same cells through
  openpyxl's normal mode (`Workbook()`, `ws.append`, `wb.save`). Each in a fresh process
  of its own (this script run with `xlsx ours|naive`), from the moment the sheet is in
  hand (the ledger's facts of the orgs and Party organizations loaded, no member read):
  seconds, and memory as the process's peak RSS (getrusage) and its growth over the RSS
  just before the export started;
- a dossier (一社一档) PDF of three demo orgs with a Party organization that met this
  year and members working there: the orgs at the median and the 90th percentile of
  members (each the median of REPEAT after a warm-up) and the one with the most (one
  render, the first orgs having warmed up fonts and templates), with the queries of a
  render;
- an annual ledger PDF of about 200 pages (the district, district's managing channel or
  unit whose ledger comes closest, found by rendering ours): ours (what
  `export(ledger, "pdf")` does: its parts rendered in two processes, joined and
  page-numbered) against the same document as one part, each sheet one long table, laid
  out by one WeasyPrint process. Each in a fresh process of its own (`ledger-pdf
  ours|naive <target>`), timed from the exporter's construction (both read the same
  rows); memory as the largest sum over the process and its descendants, sampled every
  50 ms, of their PSS (a page the forked workers share with their parent counted once,
  in shares: the memory the export takes) and of their VmRSS (shared pages counted in
  every process: an overstatement of ours).

CPU seconds (user and system, the workers' included) are given beside the wall-clock
seconds, and each child gives the load average as it ends: on a machine where other work
shares the two cores, the wall-clock seconds (of ours most, which wants both) grow.

Prints one JSON line.
"""

import datetime
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from timing import median_ms  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from assessments.models import Activity  # noqa: E402
from ledger import targets  # noqa: E402
from ledger.annual import AnnualLedger  # noqa: E402
from ledger.dossier import Dossier  # noqa: E402
from ledger.exporters import (  # noqa: E402
    DATE,
    HEADER_ALIGN,
    HEADER_FILL,
    HEADER_FONT,
    NUMBER_FORMATS,
    TEXT,
    PdfPart,
    _sheet_title,
    clean_text,
    export,
    render_parts,
    write_xlsx,
)
from members.models import Member  # noqa: E402
from orgs.models import PartyOrganization, Region, SocialOrg, Unit  # noqa: E402

MEMBERS_SHEET = "党员"
LEDGER_PAGES = 200
# Renders of ours spent looking for the target whose ledger PDF comes closest to
# LEDGER_PAGES, from a first guess of pages per row of AnnualLedger.size() (the demo's).
FIND_ATTEMPTS = 3
PAGES_PER_ROW = 1 / 21
SAMPLE_SECONDS = 0.05


def mb(kb):
    return round(kb / 1024, 1)


def status_kb(pid="self", field="VmRSS"):
    """A field of /proc/<pid>/status or, for Pss, of /proc/<pid>/smaps_rollup, in kB
    (0 when the process is gone)."""
    name = "smaps_rollup" if field == "Pss" else "status"
    try:
        with open(f"/proc/{pid}/{name}") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid="self"):
    return status_kb(pid)


def tree_kb(root):
    """(VmRSS, Pss) summed over `root` and all its descendants. A forked child's RSS
    counts again the pages it still shares with its parent; its PSS (proportional set
    size) counts a shared page as a share, so the PSS sum is the memory the tree takes."""
    children = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        rss += status_kb(pid)
        pss += status_kb(pid, "Pss")
        todo += children.get(pid, [])
    return rss, pss


class TreePeak:
    """The largest tree_kb (RSS and PSS sums) of this process, sampled every
    SAMPLE_SECONDS in a thread while the block runs."""

    def __enter__(self):
        self.start_kb, self.start_pss_kb = tree_kb(os.getpid())
        self.peak_kb, self.peak_pss_kb = self.start_kb, self.start_pss_kb
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _take(self):
        rss, pss = tree_kb(os.getpid())
        self.peak_kb, self.peak_pss_kb = max(self.peak_kb, rss), max(self.peak_pss_kb, pss)

    def _sample(self):
        while not self._stop.wait(SAMPLE_SECONDS):
            self._take()

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._take()


def cpu_seconds():
    """CPU seconds (user and system) of this process and its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pdf_pages(data):
    return len(PdfReader(io.BytesIO(data)).pages)


def child(args):
    """Run this script again as `args` in a fresh process; its JSON line."""
    completed = subprocess.run(
        [sys.executable, __file__, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"export benchmark step failed: {' '.join(args)}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def target_for(key):
    """A target of the keys `candidates` gives: city, district:<code>, unit:<pk>,
    channel:<district code>:<channel>."""
    if key == "city":
        return targets.city_target()
    kind, _sep, value = key.partition(":")
    if kind == "district":
        return targets.district_target(Region.objects.get(code=value, level=Region.Level.DISTRICT))
    if kind == "unit":
        return targets.unit_target(Unit.objects.select_related("region__parent").get(pk=value))
    if kind == "channel":
        code, _sep, channel = value.partition(":")
        district = Region.objects.get(code=code, level=Region.Level.DISTRICT)
        return targets.channel_target(district, channel)
    raise SystemExit(f"unknown target {key}")


# --- members to xlsx ------------------------------------------------------------------------


def members_sheet(today):
    """The members sheet of the city's annual ledger this year, rows not yet read."""
    ledger = AnnualLedger(targets.city_target(), today.year, today=today)
    for sheet in ledger.sheets():
        if str(sheet.title) == MEMBERS_SHEET:
            return sheet
    raise SystemExit(f"the annual ledger has no sheet {MEMBERS_SHEET}")


class Counted:
    """An iterable counting what it hands out."""

    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def naive_cells(columns):
    """Per column, a function giving what openpyxl's normal mode is handed for a value:
    the value itself (text cleaned, a Decimal from text), with the column's number
    format and text that looks like a formula kept as text, set on the cell after."""

    def value(column):
        def convert(v):
            if v is None or v == "":
                return None
            if column.kind == TEXT:
                return clean_text(v if isinstance(v, str) else str(v))
            if column.kind == DATE and isinstance(v, datetime.datetime):
                return v.replace(tzinfo=None)
            return v

        return convert

    return [value(column) for column in columns]


def naive_xlsx(sheet, path):
    """The sheet's cells as write_xlsx makes them (typed with the column's number format,
    formula-looking text as text, bold frozen header with filters, widths) through
    openpyxl's normal mode: every cell an object held in memory until the workbook is
    saved."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = _sheet_title(sheet.title)
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    ws.append([clean_text(str(column.header)) for column in sheet.columns])
    for cell in ws[1]:
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
    converters = naive_cells(sheet.columns)
    formats = [NUMBER_FORMATS.get(column.kind) for column in sheet.columns]
    rows = 0
    for row in sheet.rows:
        values = [convert(value) for convert, value in zip(converters, row, strict=True)]
        ws.append(values)
        rows += 1
        for index, (value, number_format) in enumerate(zip(values, formats, strict=True), start=1):
            if value is None:
                continue
            cell = ws.cell(row=rows + 1, column=index)
            if cell.data_type == "f":
                cell.data_type = "s"
            elif number_format:
                cell.number_format = number_format
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{rows + 1}"
    workbook.save(path)


def xlsx_child(variant):
    today = timezone.localdate()
    django_kb = rss_kb()
    started = time.perf_counter()
    sheet = members_sheet(today)
    facts_s = time.perf_counter() - started
    counted = Counted(sheet.rows)
    sheet.rows = counted
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "members.xlsx"
        before_kb = rss_kb()
        cpu, started = cpu_seconds(), time.perf_counter()
        if variant == "ours":
            with open(path, "wb") as out:
                write_xlsx([sheet], out)
        else:
            naive_xlsx(sheet, path)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = path.stat().st_size
    return {
        "rows": counted.count,
        "expected_rows": sheet.count,
        "s": round(seconds, 2),
        "cpu_s": round(cpu, 2),
        "facts_s": round(facts_s, 2),
        "django_mb": mb(django_kb),
        "before_mb": mb(before_kb),
        "peak_mb": mb(peak_kb),
        "growth_mb": mb(peak_kb - before_kb),
        "file_mb": round(size / 2**20, 1),
        "load": round(os.getloadavg()[0], 1),
    }


def members_xlsx():
    ours = child(["xlsx", "ours"])  # first: it gets the colder caches
    naive = child(["xlsx", "naive"])
    if not ours["rows"] or ours["rows"] != naive["rows"] or ours["rows"] != ours["expected_rows"]:
        raise SystemExit(f"members written differ: ours {ours}, naive {naive}")
    return {
        "rows": ours["rows"],
        "ours": ours,
        "naive": naive,
        "ratio": round(naive["s"] / ours["s"], 1),
        "memory_ratio": round(naive["growth_mb"] / max(ours["growth_mb"], 1), 1),
    }


# --- the dossier ---------------------------------------------------------------------------


def dossier_orgs(today):
    """(label, org) of the orgs covered by a Party organization that met this year, with
    members working there: the ones at the median and the 90th percentile of members, and
    the largest."""
    met = Activity.objects.filter(held_on__year=today.year).values("party_org_id")
    links = PartyOrganization.covered_orgs.through.objects.filter(partyorganization_id__in=met)
    counts = list(
        Member.objects.on_register()
        .filter(workplace_id__in=links.values("socialorg_id"))
        .values("workplace_id")
        .annotate(n=Count("id"))
        .order_by("n", "workplace_id")
        .values_list("workplace_id", "n")
    )
    if not counts:
        raise SystemExit("no org with a Party organization that met this year and members")
    picks = [
        ("median", counts[len(counts) // 2]),
        ("p90", counts[int(len(counts) * 0.9)]),
        ("largest", counts[-1]),
    ]
    return [(label, SocialOrg.objects.get(pk=pk), n) for label, (pk, n) in picks]


def dossiers(today):
    """Each picked org's dossier PDF: pages and queries of a first render (the warm-up),
    then the median of REPEAT renders; the largest (many pages) is timed on that first
    render alone, the others' having warmed up the fonts and templates."""
    result = []
    for label, org, members in dossier_orgs(today):
        target = targets.org_target(org)

        def run(target=target):
            out = io.BytesIO()
            export(Dossier(target, today.year, today=today), "pdf", out)
            return out.getvalue()

        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            pdf = run()
            ms = (time.perf_counter() - started) * 1000
        pages = pdf_pages(pdf)
        if label != "largest":
            ms = median_ms(run)
        result.append(
            {
                "org": label,
                "name": org.name,
                "members": members,
                "pages": pages,
                "ms": round(ms, 1),
                "queries": len(queries),
            }
        )
    return result


# --- the annual ledger PDF -------------------------------------------------------------------


def one_long_part(parts):
    """The ledger's PDF parts as one: the first part's context (cover, figures) with the
    pieces of each table joined again into one table."""
    tables = []
    for part in parts:
        for piece in part.context["tables"]:
            if piece["continued"]:
                tables[-1]["body"] += piece["body"]
            else:
                tables.append({**piece, "body": str(piece["body"])})
    for table in tables:
        table["body"] = mark_safe(table["body"])
    return PdfPart(parts[0].template, {**parts[0].context, "tables": tables})


def ledger_pdf_child(variant, key):
    today = timezone.localdate()
    target = target_for(key)
    with TreePeak() as memory:
        cpu, started = cpu_seconds(), time.perf_counter()
        ledger = AnnualLedger(target, today.year, today=today)
        parts = ledger.pdf_parts()
        if variant == "ours":  # what export(ledger, "pdf", out) does
            pdf = render_parts(parts)
        else:
            pdf = render_parts([one_long_part(parts)])
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {
        "pages": pdf_pages(pdf),
        "parts": len(parts) if variant == "ours" else 1,
        "s": round(seconds, 2),
        "cpu_s": round(cpu, 2),
        "start_mb": mb(memory.start_kb),
        "peak_mb": mb(memory.peak_kb),
        "peak_pss_mb": mb(memory.peak_pss_kb),
        "load": round(os.getloadavg()[0], 1),
    }


def candidates(today):
    """(key, label, rows) of the districts, their managing channels and the managing
    units' scopes, rows as AnnualLedger.size() guesses them."""
    result = []
    for district in Region.objects.filter(level=Region.Level.DISTRICT).order_by("code"):
        result.append(f"district:{district.code}")
        result += [f"channel:{district.code}:{c}" for c in SocialOrg.Channel.values]
    units = Unit.objects.exclude(
        kind__in=[Unit.Kind.TWO_NEW, Unit.Kind.ORGANIZATION_DEPT, Unit.Kind.FINANCE]
    )
    result += [f"unit:{pk}" for pk in units.order_by("pk").values_list("pk", flat=True)]
    sized = []
    for key in result:
        target = target_for(key)
        rows = AnnualLedger(target, today.year, today=today).size()
        if rows:
            sized.append((key, target.label, rows))
    return sized


def ledger_pdf(today):
    """Ours on the candidate whose rows promise about LEDGER_PAGES pages, corrected by the
    pages each render gave (at most FIND_ATTEMPTS, stopping when no candidate left
    promises to come closer than one rendered); then the naive way on the closest."""
    sized = candidates(today)
    pages_per_row = PAGES_PER_ROW
    tried = {}
    for _attempt in range(FIND_ATTEMPTS):
        left = [c for c in sized if c[0] not in tried]
        if not left:
            break
        key, label, rows = min(left, key=lambda c: abs(c[2] * pages_per_row - LEDGER_PAGES))
        promise = abs(rows * pages_per_row - LEDGER_PAGES)
        if tried and promise >= min(abs(t["pages"] - LEDGER_PAGES) for t in tried.values()):
            break
        ours = child(["ledger-pdf", "ours", key])
        tried[key] = {"label": label, "size": rows, **ours}
        pages_per_row = ours["pages"] / rows
    key = min(tried, key=lambda k: abs(tried[k]["pages"] - LEDGER_PAGES))
    ours = {k: v for k, v in tried[key].items() if k not in ("label", "size")}
    label, rows = tried[key]["label"], tried[key]["size"]
    naive = child(["ledger-pdf", "naive", key])
    if not ours["pages"] or abs(ours["pages"] - naive["pages"]) > 0.05 * ours["pages"]:
        raise SystemExit(f"ledger PDFs differ: ours {ours}, naive {naive}")
    return {
        "target": key,
        "label": label,
        "size": rows,
        "tried": {k: [t["size"], t["pages"]] for k, t in tried.items()},
        "pages": ours["pages"],
        "ours": ours,
        "naive": naive,
        "ratio": round(naive["s"] / ours["s"], 1),
    }


def main():
    today = timezone.localdate()
    result = {"members_xlsx": members_xlsx()}
    result["dossier"] = dossiers(today)
    result["ledger_pdf"] = ledger_pdf(today)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "xlsx":
        print(json.dumps(xlsx_child(sys.argv[2])))
    elif len(sys.argv) > 1 and sys.argv[1] == "ledger-pdf":
        print(json.dumps(ledger_pdf_child(sys.argv[2], sys.argv[3])))
    else:
        main()
