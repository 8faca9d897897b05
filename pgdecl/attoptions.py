"""Column options (`pg_attribute.attoptions`) that belong to the user.

PostgreSQL itself knows two per-column options, `n_distinct` and `n_distinct_inherited`
(`ALTER TABLE ... ALTER COLUMN ... SET (...)`). Some builds store their own entries there: Debian's
PostgreSQL 15.20 writes `pg_attver=N` into every column's attoptions. Such an entry cannot be set
by `ALTER TABLE` on a stock server, so it is never imported, diffed or fingerprinted: everything that
reads attoptions keeps only the options below.
"""

from __future__ import annotations

from collections.abc import Iterable

USER_ATTOPTIONS: tuple[str, ...] = ("n_distinct", "n_distinct_inherited")


def user_attoptions(options: Iterable[str] | None) -> list[str]:
    """The `name=value` entries of `options` a user can set, sorted by name; internal or unknown
    ones (`pg_attver=3`, entries without `=`) are left out."""
    kept = []
    for option in options or ():
        name, sep, _value = option.partition("=")
        if sep and name.strip().lower() in USER_ATTOPTIONS:
            kept.append(option)
    return sorted(kept, key=lambda o: o.partition("=")[0].strip().lower())


def sql_user_attoptions(column: str = "a.attoptions") -> str:
    """SQL expression giving the `text[]` of `column` (an attoptions array) restricted the same way,
    sorted, so catalog reads that compare or hash it ignore internal entries too."""
    names = ", ".join(f"'{n}'" for n in USER_ATTOPTIONS)
    return (f"ARRAY(SELECT o FROM unnest(coalesce({column}, '{{}}'::text[])) o "
            f"WHERE lower(split_part(o, '=', 1)) IN ({names}) AND position('=' in o) > 0 ORDER BY o)")
