"""Database housekeeping shared by the bulk writers (imports, the demo generator)."""

from django.core.exceptions import EmptyResultSet
from django.db import connection

# A write this large changes the tables' shape enough to refresh the planner's statistics.
BULK_ROWS = 1000


def refresh_statistics():
    """Refresh the query planner's statistics after a bulk write.

    Without them both planners guess: with none, the worklist count of a city's 150,000
    members took 37 ms on SQLite instead of 2 ms, and PostgreSQL joined the whole scope
    before filtering. PostgreSQL's autovacuum catches up by itself, later; SQLite never
    analyses on its own. ANALYZE of the 20,000-org demo takes 0.2 s on SQLite and 0.9 s
    on PostgreSQL.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def count_each(querysets):
    """{key: row count} of several querysets, in one SQL statement.

    `SELECT (SELECT COUNT(*) FROM (<queryset 1>)), (SELECT COUNT(*) FROM (<queryset 2>)) …`:
    each count keeps its own WHERE (and so its indexes), and a page of many counts (the
    dashboard's worklists) costs one round trip instead of one per count.
    """
    parts, params, counts = [], [], {}
    for number, (key, queryset) in enumerate(querysets.items()):
        try:
            sql, query_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            counts[key] = 0  # a filter that can match nothing (an empty scope)
            continue
        parts.append((key, f"(SELECT COUNT(*) FROM ({sql}) counted_{number})"))
        params.extend(query_params)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(sql for _key, sql in parts), params)
            row = cursor.fetchone()
        counts.update({key: value for (key, _sql), value in zip(parts, row, strict=True)})
    return {key: counts[key] for key in querysets}
