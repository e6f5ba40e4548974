"""Bulk writes refresh the query planner's statistics (orgs.db.refresh_statistics): the
worklists' plans depend on them, and SQLite never gathers them by itself."""

import io

import pytest
from django.db import connection

from orgs import db
from orgs.importing.service import import_file
from tests.orgs.conftest import csv_bytes, org_row, rows_to_matrix

pytestmark = pytest.mark.django_db


def has_statistics(table):
    """Whether the planner has statistics for `table`, read from the database's catalog."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            return cursor.fetchone()[0] > 0
        # ANALYZE sets the row estimate in the catalog at once (-1: never analysed).
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0] >= 0


def test_refresh_statistics_gives_the_planner_statistics(nanjing):
    assert not has_statistics("orgs_region") or connection.vendor == "postgresql"
    db.refresh_statistics()
    assert has_statistics("orgs_region")


@pytest.mark.parametrize(("threshold", "refreshed"), [(1, True), (2, False)])
def test_an_import_of_bulk_size_refreshes_the_statistics(
    nanjing, superuser, monkeypatch, threshold, refreshed
):
    """One row imported: refreshed when the bulk size is 1, not when it is 2."""
    calls = []
    monkeypatch.setattr(db, "BULK_ROWS", threshold)
    monkeypatch.setattr("orgs.importing.service.BULK_ROWS", threshold)
    original = db.refresh_statistics
    monkeypatch.setattr(
        "orgs.importing.service.refresh_statistics", lambda: calls.append(1) or original()
    )
    report = import_file(
        template_name="orgs",
        file=io.BytesIO(csv_bytes(rows_to_matrix([org_row()]))),
        filename="orgs.csv",
        user=superuser,
    )
    assert not report.errors and report.created == 1
    assert bool(calls) is refreshed
