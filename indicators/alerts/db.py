"""Insert rows unless they exist, learning which ones this call created: the basis of "at most once"."""

from collections.abc import Sequence

from django.db import connection

CHUNK = 200


def insert_new(model, objects: Sequence, unique: Sequence[str]) -> list:
    """Insert the objects whose `unique` fields are not taken; returns only the objects inserted, with their pk.

    `INSERT … ON CONFLICT (unique) DO NOTHING RETURNING` (PostgreSQL and SQLite
    3.35+). `unique` must match a unique constraint. A concurrent transaction
    inserting the same key makes this one wait for it, then skip the row, so
    exactly one of them goes on to act on it (send, list, remind).
    """
    meta = model._meta
    key_fields = [meta.get_field(name) for name in unique]
    by_key = {tuple(getattr(obj, f.attname) for f in key_fields): obj for obj in objects}
    if not by_key:
        return []
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    key_columns = ", ".join(quote(f.column) for f in key_fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    rows = list(by_key.values())
    created = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            params = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for obj in chunk for f in fields]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(chunk))} "  # noqa: S608 - names from the model, values as parameters
                f"ON CONFLICT ({key_columns}) DO NOTHING RETURNING {quote(meta.pk.column)}, {key_columns}",
                params,
            )
            for pk, *key in cursor.fetchall():
                obj = by_key[tuple(f.to_python(value) for f, value in zip(key_fields, key, strict=True))]
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias
                created.append(obj)
    return created
