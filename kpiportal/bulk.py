"""Bulk writes on PostgreSQL by COPY: for imports of tens of thousands of rows.

Django's `bulk_create` spends most of its time compiling each value of each
row; `COPY … FROM STDIN` streams plain tuples. Callers keep an ORM path for
other databases (the local SQLite default), where `bulk_create` is fine.
"""

from collections.abc import Iterable, Sequence

from django.db import connection


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model, fields: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)


def copy_rows(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY `rows` (tuples in the order of `fields`, by field name) into the model's table; returns how many."""
    written = 0
    sql = f"COPY {_table(model)} ({_columns(model, fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        write_row = copy.write_row
        for row in rows:
            write_row(row)
            written += 1
    return written


def next_ids(model, count: int) -> list[int]:
    """Reserve `count` primary keys from the model's sequence (so rows written by COPY can be referred to)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def update_from_rows(
    model, key: str, fields: Sequence[str], rows: Iterable[Sequence], *, set_also: dict | None = None
) -> int:
    """UPDATE the rows matched on `key` with `fields` from `rows` ((key, *fields) tuples), via a temporary table.

    `set_also` sets further columns to one value for every matched row (e.g. who loaded them, and when).
    Returns the number of rows updated.
    """
    # Table and column names come from the model's metadata, quoted; values are always parameters.
    table = _table(model)
    temp = connection.ops.quote_name(f"_update_{model._meta.db_table}")
    names = [key, *fields]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        columns = _columns(model, names)
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {columns} FROM {table} WITH NO DATA")  # noqa: S608
        with cursor.cursor.copy(f"COPY {temp} ({_columns(model, names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        assignments = [f"{c} = u.{c}" for c in (_columns(model, [f]) for f in fields)]
        params = []
        for field, value in (set_also or {}).items():
            assignments.append(f"{_columns(model, [field])} = %s")
            params.append(value)
        key_column = _columns(model, [key])
        cursor.execute(
            f"UPDATE {table} AS t SET {', '.join(assignments)} "  # noqa: S608
            f"FROM {temp} AS u WHERE t.{key_column} = u.{key_column}",
            params,
        )
        updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {temp}")
        return updated
