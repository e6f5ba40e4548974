"""Benchmarks: python bench/run.py  (or `make bench`). Writes bench/RESULTS.md.

Runs bench/import_bench.py on a fresh SQLite file and, when PostgreSQL answers on
127.0.0.1:5432, on a fresh PostgreSQL database; on each it also times `seed_demo --orgs
20000` and its rerun, with the Party organizations and members it made and the member
import's own time, and then the member-lifecycle pages (bench/pages_bench.py), the
coverage dashboard (bench/dashboard_bench.py), organizational life
(bench/life_bench.py), the money (bench/money_bench.py) and the exports
(bench/export_bench.py) on it.
Environment: BENCH_ROWS (default 20000), BENCH_BASELINE_ROWS (rows for the
django-import-export baseline, default the same), BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432/dangjiantong_bench), BENCH_SEED_ORGS (default 20000).

BENCH_ONLY=export BENCH_DB=<database URL> runs only the exports, on a database
`seed_demo --orgs 20000` already filled, prints bench/export_bench.py's JSON line and
their section, and puts the section in place of the one in bench/RESULTS.md (the rest of
the file stays as the last full run wrote it).
"""

import datetime
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/dangjiantong_bench")
TARGET_SECONDS = 8.0


def run_python(args, env_extra):
    env = {**os.environ, **env_extra}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"benchmark step failed: {' '.join(args)}")
    return completed.stdout, elapsed


def recreate_pg_database(url):
    name = url.rsplit("/", 1)[-1]
    base = url.rsplit("/", 1)[0] + "/postgres"
    try:
        import psycopg

        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
            version = conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        print(f"PostgreSQL not reachable ({exc}); skipping its benchmark.")
        return None
    return version


def import_bench(database_url):
    stdout, _ = run_python(["bench/import_bench.py"], {"DATABASE_URL": database_url})
    return json.loads(stdout.strip().splitlines()[-1])


SEED_TARGET_SECONDS = 120.0
# architecture.md: any dashboard, list or admin page.
PAGE_TARGET_MS = 300
PAGE_MAX_QUERIES = 12
# architecture.md: the city's coverage dashboard against its hand-written SQL aggregate.
DASHBOARD_MAX_RATIO = 3.0
# issue 8: 150,000 member rows to xlsx, a dossier PDF, a 200-page annual ledger PDF.
XLSX_SECONDS, XLSX_MB = 15.0, 100
DOSSIER_MS = 500
LEDGER_PDF_SECONDS, LEDGER_PDF_MB = 15.0, 800
EXPORT_TITLE = "## Exports on the demo city"
CLOSING_NOTE = (
    "These machines are noisy: compare the columns of one run, not runs of different days."
)


def export_bench(database_url):
    stdout, _ = run_python(["bench/export_bench.py"], {"DATABASE_URL": database_url})
    return json.loads(stdout.strip().splitlines()[-1])


def seed_bench(database_url, orgs):
    """Wall-clock seconds of seed_demo on an empty database and of its rerun, with what
    the first run printed: how many Party organizations and members it holds, and the
    member import's own seconds (the rest of its step is generating the rows)."""
    run_python(["manage.py", "migrate", "-v0"], {"DATABASE_URL": database_url})
    stdout, first = run_python(
        ["manage.py", "seed_demo", "--orgs", str(orgs)], {"DATABASE_URL": database_url}
    )
    rerun_stdout, rerun = run_python(
        ["manage.py", "seed_demo", "--orgs", str(orgs)], {"DATABASE_URL": database_url}
    )
    party_orgs = re.search(r"党组织：新增\d+个.*?共(\d+)个演示党组织", stdout)
    members = re.search(r"党员：新增\d+名，共(\d+)名演示党员（导入用时([\d.]+)秒）", stdout)
    if not (party_orgs and members) or "党员：新增0名" not in rerun_stdout:
        sys.stderr.write(stdout + rerun_stdout)
        raise SystemExit("seed_demo printed no Party organization or member counts")
    pages_stdout, _ = run_python(["bench/pages_bench.py"], {"DATABASE_URL": database_url})
    dashboard_stdout, _ = run_python(["bench/dashboard_bench.py"], {"DATABASE_URL": database_url})
    life_stdout, _ = run_python(["bench/life_bench.py"], {"DATABASE_URL": database_url})
    money_stdout, _ = run_python(["bench/money_bench.py"], {"DATABASE_URL": database_url})
    exports = export_bench(database_url)
    return {
        "export": exports,
        "money": json.loads(money_stdout.strip().splitlines()[-1]),
        "life": json.loads(life_stdout.strip().splitlines()[-1]),
        "pages": json.loads(pages_stdout.strip().splitlines()[-1])["pages"],
        "dashboard": json.loads(dashboard_stdout.strip().splitlines()[-1]),
        "first": first,
        "rerun": rerun,
        "party_orgs": int(party_orgs.group(1)),
        "members": int(members.group(1)),
        "member_import": float(members.group(2)),
    }


def machine():
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f"{total_kb / 2**20:.0f} GiB"
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def ratio(theirs, theirs_rows, ours, ours_rows):
    """How many times faster per row ours is than theirs."""
    return (theirs / theirs_rows) / (ours / ours_rows)


def write_results(info, runs, seeds):
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.py` on {datetime.date.today().isoformat()}.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in info.items()),
        "",
        "## Import of the 社会组织名册 (demo city rows, fully validated, all-or-nothing)",
        "",
        "Seconds of wall-clock time in one process per database, same run, same file. "
        '"Theirs" is django-import-export\'s default admin path with the same resource '
        "(dry run, then import), given the rows that have a USCC: its single import id "
        "cannot match 备案 orgs without one. The speed-up compares seconds per row. Target: ≤ "
        f"{TARGET_SECONDS:.0f} s for 20,000 rows.",
        "",
        "| database | rows | ours xlsx | ours CSV | ours unchanged rerun | "
        "ours dry run + import | theirs dry run + import (rows) | per-row speed-up | "
        "peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in runs.items():
        speedup = ratio(
            r["theirs_xlsx_dry_run_then_import"],
            r["baseline_rows"],
            r["ours_xlsx_dry_run_then_import"],
            r["rows"],
        )
        verdict = "✓" if r["ours_xlsx_import"] <= TARGET_SECONDS else "✗ over target"
        lines.append(
            f"| {name} | {r['rows']} | {r['ours_xlsx_import']:.2f} {verdict} | "
            f"{r['ours_csv_import']:.2f} | {r['ours_xlsx_unchanged_rerun']:.2f} | "
            f"{r['ours_xlsx_dry_run_then_import']:.2f} | "
            f"{r['theirs_xlsx_dry_run_then_import']:.2f} ({r['baseline_rows']}) | "
            f"{speedup:.1f}× | {r['peak_rss_mb']:.0f} |"
        )
    if seeds:
        lines += [
            "",
            "## Demo city",
            "",
            "Units, orgs, year records, workstations, Party organizations and members, "
            "all but the workstations through the import service. Target: under "
            f"{SEED_TARGET_SECONDS:.0f} s for the first run.",
            "",
            "| database | command | first run s | rerun s (creates nothing) | "
            "Party organizations | members | member import s (first run) |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, (orgs, s) in seeds.items():
            verdict = "✓" if s["first"] < SEED_TARGET_SECONDS else "✗ over target"
            lines.append(
                f"| {name} | `seed_demo --orgs {orgs}` | {s['first']:.1f} {verdict} | "
                f"{s['rerun']:.1f} | {s['party_orgs']:,} | {s['members']:,} | "
                f"{s['member_import']:.1f} |"
            )
    if seeds:
        lines += [
            "",
            "## Member-lifecycle pages on the demo city",
            "",
            "Median server time of each page (Django's test client, no network) as demo "
            "accounts of the seeded city: liangxin (the city's 两新工委), zhuguan (a supervising "
            "unit), jiedao (a street committee), shuji (a branch secretary); SQL queries per "
            f"request and the rows the page counts. Target: ≤ {PAGE_TARGET_MS} ms and ≤ "
            f"{PAGE_MAX_QUERIES} queries.",
            "",
            "| database | user | page | ms | queries | rows |",
            "|---|---|---|---|---|---|",
        ]
        for name, (_orgs, s) in seeds.items():
            for page in s["pages"]:
                verdict = (
                    "✓"
                    if page["ms"] <= PAGE_TARGET_MS and page["queries"] <= PAGE_MAX_QUERIES
                    else "✗ over target"
                )
                lines.append(
                    f"| {name} | {page['user']} | {page['page']} | {page['ms']:.0f} {verdict} | "
                    f"{page['queries']} | {page['rows'] if page['rows'] is not None else ''} |"
                )
    if seeds:
        lines += [
            "",
            "## Coverage dashboard on the demo city",
            "",
            "As liangxin (the city's 两新工委), median of repeated requests after a warm-up. "
            "The hand-written SQL is the single statement a DBA would write for the "
            "figures the page shows (coverage of every active org by district, kind, "
            "sector, channel and key-sector status, with the members working there; "
            "`bench/dashboard_bench.py`); the page also counts every worklist, sums the "
            "breakdowns and renders (组织生活缺失 is linked, counted on its own page). "
            "Targets: ≤ "
            f"{DASHBOARD_MAX_RATIO:.0f}× the hand-written SQL, ≤ {PAGE_MAX_QUERIES} queries.",
            "",
            "| database | page ms | queries | hand-written SQL ms | ratio | "
            "`export_report summary --format json` ms | orgs | members |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, (_orgs, s) in seeds.items():
            d = s["dashboard"]["dashboard"]
            ok = d["ratio"] <= DASHBOARD_MAX_RATIO and d["queries"] <= PAGE_MAX_QUERIES
            lines.append(
                f"| {name} | {d['page_ms']:.0f} | {d['queries']} | {d['hand_sql_ms']:.0f} | "
                f"{d['ratio']:.2f} {'✓' if ok else '✗ over target'} | {d['json_ms']:.0f} | "
                f"{d['orgs']:,} | {d['members']:,} |"
            )
        lines += [
            "",
            "The org lists the dashboard's numbers open (drill-down), as the same user: "
            f"target ≤ {PAGE_TARGET_MS} ms and ≤ {PAGE_MAX_QUERIES} queries.",
            "",
            "| database | list | ms | queries | rows |",
            "|---|---|---|---|---|",
        ]
        for name, (_orgs, s) in seeds.items():
            for page in s["dashboard"]["drilldown"]:
                ok = page["ms"] <= PAGE_TARGET_MS and page["queries"] <= PAGE_MAX_QUERIES
                lines.append(
                    f"| {name} | {page['page']} | {page['ms']:.0f} "
                    f"{'✓' if ok else '✗ over target'} | {page['queries']} | {page['rows']} |"
                )
    if seeds:
        lines += [
            "",
            "## Organizational life on the demo city",
            "",
            "The gaps of every Party organization of the city this year (`bench/life_bench.py`): "
            "`selectors.year_gaps` (month bitmasks in one aggregate, the rule in Python) "
            "against the compliance calendar's way, one Party organization after another; "
            "both must find the same Party organizations.",
            "",
            "| database | Party organizations | with gaps | activities this year | "
            "year_gaps ms | queries | one by one ms | ratio |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, (_orgs, s) in seeds.items():
            g = s["life"]["gaps"]
            lines.append(
                f"| {name} | {g['party_orgs']:,} | {g['with_gaps']:,} | {g['activities']:,} | "
                f"{g['bulk_ms']:.0f} | {g['bulk_queries']} | {g['naive_ms']:.0f} | "
                f"{g['ratio']:.1f}× |"
            )
        lines += [
            "",
            f"Its pages (target ≤ {PAGE_TARGET_MS} ms and ≤ {PAGE_MAX_QUERIES} queries) and "
            "its imports as dry runs (everything but the commit), as liangxin:",
            "",
            "| database | user | page | ms | queries |",
            "|---|---|---|---|---|",
        ]
        for name, (_orgs, s) in seeds.items():
            for page in s["life"]["pages"]:
                ok = page["ms"] <= PAGE_TARGET_MS and page["queries"] <= PAGE_MAX_QUERIES
                lines.append(
                    f"| {name} | {page['user']} | {page['page']} | {page['ms']:.0f} "
                    f"{'✓' if ok else '✗ over target'} | {page['queries']} |"
                )
        lines += [
            "",
            "| database | import | rows | seconds |",
            "|---|---|---|---|",
        ]
        for name, (_orgs, s) in seeds.items():
            i = s["life"]["imports"]
            lines.append(
                f"| {name} | 组织生活 (with attendees) | {i['activities_rows']:,} | "
                f"{i['activities_s']:.2f} |"
            )
            lines.append(
                f"| {name} | 党组织年度考核 ({i['assessments_queries']} queries) | "
                f"{i['assessments_rows']:,} | {i['assessments_s']:.2f} |"
            )
    if seeds:
        lines += [
            "",
            "## Money on the demo city",
            "",
            "The lines of the city's budget this year (`bench/money_bench.py`): "
            "`subsidies.budgets.compute` (the facts of every Party organization in a few "
            "queries, the rules in Python) against asking each Party organization's members, "
            "grade and secretaries one by one; both must give the same totals. Last year's "
            "counts its members as of 31 December from the change history.",
            "",
            "| database | lines | compute ms | queries | last year ms | one by one ms | ratio "
            "| freeze a district (lines, ms) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, (_orgs, s) in seeds.items():
            c, f = s["money"]["compute"], s["money"]["freeze"]
            lines.append(
                f"| {name} | {c['lines']:,} | {c['ms']:.0f} | {c['queries']} | "
                f"{c['past_year_ms']:.0f} | {c['naive_ms']:.0f} | {c['ratio']:.1f}× | "
                f"{f['lines']:,}, {f['ms']:.0f} |"
            )
        lines += [
            "",
            f"Its pages (target ≤ {PAGE_TARGET_MS} ms and ≤ {PAGE_MAX_QUERIES} queries):",
            "",
            "| database | user | page | ms | queries |",
            "|---|---|---|---|---|",
        ]
        for name, (_orgs, s) in seeds.items():
            for page in s["money"]["pages"]:
                ok = page["ms"] <= PAGE_TARGET_MS and page["queries"] <= PAGE_MAX_QUERIES
                lines.append(
                    f"| {name} | {page['user']} | {page['page']} | {page['ms']:.0f} "
                    f"{'✓' if ok else '✗ over target'} | {page['queries']} |"
                )
    if seeds:
        lines += export_lines(seeds)
    lines += ["", CLOSING_NOTE, ""]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def mark(ok):
    return "✓" if ok else "✗ over target"


def export_lines(seeds):
    """The exports' section (bench/export_bench.py), starting with an empty line."""
    lines = [
        "",
        EXPORT_TITLE,
        "",
        "The members sheet (党员) of the city's annual ledger this year to xlsx "
        "(`bench/export_bench.py`): `ledger.exporters.write_xlsx` (openpyxl write-only, lxml) "
        "against the same cells through openpyxl's normal mode (`Workbook()`, `ws.append`, "
        "`wb.save`: every cell an object until the workbook is saved). Each in a fresh "
        "process, timed from the moment the sheet is in hand (the ledger's facts of the orgs "
        "and Party organizations loaded, no member read yet), reading the members from the "
        "database as it writes. CPU s: the process's user and system seconds (the wall-clock "
        "seconds grow when other work shares the cores). Memory: the process's peak RSS, and "
        "its growth over the RSS just before the export (Django and the ledger's facts), "
        f"which the memory target applies to. Targets: ≤ {XLSX_SECONDS:.0f} s and ≤ "
        f"{XLSX_MB} MB.",
        "",
        "| database | writer | rows | s | CPU s | RSS before MB | peak RSS MB | growth MB | "
        "file MB | speed-up | memory ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, (_orgs, s) in seeds.items():
        x = s["export"]["members_xlsx"]
        ours, naive = x["ours"], x["naive"]
        lines.append(
            f"| {name} | ours (write-only) | {x['rows']:,} | "
            f"{ours['s']:.1f} {mark(ours['s'] <= XLSX_SECONDS)} | {ours['cpu_s']:.1f} | "
            f"{ours['before_mb']:.0f} | {ours['peak_mb']:.0f} | "
            f"{ours['growth_mb']:.0f} {mark(ours['growth_mb'] <= XLSX_MB)} | "
            f"{ours['file_mb']:.1f} | {x['ratio']:.1f}× | {x['memory_ratio']:.0f}× less |"
        )
        lines.append(
            f"| {name} | openpyxl normal mode | {naive['rows']:,} | {naive['s']:.1f} | "
            f"{naive['cpu_s']:.1f} | {naive['before_mb']:.0f} | {naive['peak_mb']:.0f} | "
            f"{naive['growth_mb']:.0f} | {naive['file_mb']:.1f} | | |"
        )
    lines += [
        "",
        "一社一档 (dossier) PDF of an org whose Party organization met this year, as "
        '`export(Dossier(...), "pdf")`: the orgs at the median and the 90th percentile of '
        "members working there (each the median of repeated renders after a warm-up) and the "
        "one with the most (one render, after the others warmed up; the pages hand a dossier "
        f"of over 250 members to a background job). Target: ≤ {DOSSIER_MS} ms.",
        "",
        "| database | org | members working there | pages | ms | queries |",
        "|---|---|---|---|---|---|",
    ]
    labels = {
        "median": "median of members",
        "p90": "90th percentile of members",
        "largest": "most members",
    }
    for name, (_orgs, s) in seeds.items():
        for d in s["export"]["dossier"]:
            lines.append(
                f"| {name} | {d['name']} ({labels[d['org']]}) | {d['members']:,} | "
                f"{d['pages']} | {d['ms']:.0f} {mark(d['ms'] <= DOSSIER_MS)} | "
                f"{d['queries']} |"
            )
    lines += [
        "",
        "The annual ledger PDF of the target (a district, one of its managing channels or a "
        "unit's scope) whose ledger comes closest to 200 pages (found by rendering ours). "
        'Ours: `export(ledger, "pdf")`, its parts (at most 400 table rows each) rendered two '
        "at a time, each in a fresh process forked after a warm-up, joined and stamped with "
        "page numbers. Naive: the same document as one part, each sheet one long table, laid "
        "out by one WeasyPrint process. Each in a fresh process, timed from the exporter's "
        "construction (both read the same rows); CPU s counts the workers too. Memory: the "
        "largest sum, sampled every 50 ms over the process and its descendants, of their "
        "PSS (a page a forked worker shares with its parent counted once: the memory the "
        "export takes, which the target applies to) and of their VmRSS (shared pages "
        f"counted in every process). Targets: ≤ {LEDGER_PDF_SECONDS:.0f} s and ≤ "
        f"{LEDGER_PDF_MB} MB.",
        "",
        "| database | target | pages | renderer | s | CPU s | peak PSS MB | peak RSS sum MB "
        "| speed-up |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, (_orgs, s) in seeds.items():
        p = s["export"]["ledger_pdf"]
        ours, naive = p["ours"], p["naive"]
        lines.append(
            f"| {name} | {p['label']} | {ours['pages']} | "
            f"ours ({ours['parts']} parts, 2 at a time) | "
            f"{ours['s']:.1f} {mark(ours['s'] <= LEDGER_PDF_SECONDS)} | {ours['cpu_s']:.1f} | "
            f"{ours['peak_pss_mb']:.0f} {mark(ours['peak_pss_mb'] <= LEDGER_PDF_MB)} | "
            f"{ours['peak_mb']:.0f} | {p['ratio']:.1f}× |"
        )
        lines.append(
            f"| {name} | {p['label']} | {naive['pages']} | one process, one long table | "
            f"{naive['s']:.1f} | {naive['cpu_s']:.1f} | {naive['peak_pss_mb']:.0f} | "
            f"{naive['peak_mb']:.0f} | |"
        )
    return lines


def database_name(url):
    """How RESULTS.md names the database at `url` ("SQLite", "PostgreSQL 15.2 ...")."""
    if url.startswith("sqlite"):
        return "SQLite"
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            return f"PostgreSQL {conn.execute('SHOW server_version').fetchone()[0]}"
    except Exception:  # noqa: BLE001 - the name is only a label
        return "PostgreSQL"


def replace_section(text, title, section):
    """`text` (RESULTS.md) with its section `title` (up to the next "## " heading or the
    closing note) replaced by the lines `section`, or `section` put before the note."""
    body = "\n".join(section).strip("\n") + "\n\n"
    start = text.find(title)
    closing = text.find(CLOSING_NOTE)
    if start == -1:
        if closing == -1:
            return text.rstrip("\n") + "\n\n" + body
        return text[:closing] + body + text[closing:]
    end = text.find("\n## ", start + len(title))
    end = end + 1 if end != -1 else (closing if closing != -1 else len(text))
    return text[:start] + body + text[end:]


def export_only(database_url):
    """BENCH_ONLY=export: the exports on an already seeded database; their JSON and
    section are printed, the section put in place of the one in RESULTS.md."""
    info = machine()
    result = export_bench(database_url)
    print(json.dumps(result, ensure_ascii=False))
    seeds = {database_name(database_url): (None, {"export": result})}
    section = export_lines(seeds)
    section[3:3] = [
        f"Rerun alone (`BENCH_ONLY=export`) on {datetime.date.today().isoformat()} on "
        f"{info['host']} ({info['cpu']}, {info['cores']} cores, {info['memory']}).",
        "",
    ]
    print("\n".join(["## Machine", "", *(f"- {k}: {v}" for k, v in info.items()), *section]))
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    results.write_text(replace_section(text, EXPORT_TITLE, section), encoding="utf-8")


def main():
    only = os.environ.get("BENCH_ONLY")
    if only:
        if only != "export" or not os.environ.get("BENCH_DB"):
            raise SystemExit("BENCH_ONLY=export needs BENCH_DB=<a seeded database's URL>")
        export_only(os.environ["BENCH_DB"])
        return
    runs, seeds = {}, {}
    seed_orgs = int(os.environ.get("BENCH_SEED_ORGS", "20000"))
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{folder}/bench.sqlite3"
        runs["SQLite"] = import_bench(sqlite_url)
        seed_url = f"sqlite:///{folder}/seed.sqlite3"
        seeds["SQLite"] = (seed_orgs, seed_bench(seed_url, seed_orgs))
    version = recreate_pg_database(PG_URL)
    if version:
        runs[f"PostgreSQL {version}"] = import_bench(PG_URL)
        recreate_pg_database(PG_URL)
        seeds[f"PostgreSQL {version}"] = (seed_orgs, seed_bench(PG_URL, seed_orgs))
    write_results(machine(), runs, seeds)


if __name__ == "__main__":
    main()
