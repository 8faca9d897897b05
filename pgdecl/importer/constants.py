"""File names, catalog code tables and the importer's error."""

from __future__ import annotations



from ..errors import PgdeclError


DATABASE_FILE = "00_database.yaml"
RAW_FILE = "90_raw.sql"
SHOWN_STATEMENTS = 20  # privilege/comment statements listed one by one in the summary

INDEX_METHODS = ("btree", "hash", "gin", "gist", "brin", "spgist")
PRIVILEGE_ORDER = ("select", "insert", "update", "delete", "truncate", "references", "trigger",
                   "usage", "create", "execute", "connect", "temporary")
FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
POLICY_COMMANDS = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}
# settings whose value pg_get_functiondef writes unquoted (GUC_LIST_QUOTE)
LIST_SETTINGS = frozenset({"search_path", "temp_tablespaces", "session_preload_libraries",
                           "shared_preload_libraries", "local_preload_libraries"})
INT_RANGES = {"smallint": (-32768, 32767), "integer": (-2147483648, 2147483647),
              "bigint": (-9223372036854775808, 9223372036854775807)}


class ImportFailed(PgdeclError):
    """The import could not be written as asked."""


_COLUMN_KEYS = ("type", "nullable", "default", "identity", "generated", "primary_key", "unique", "references",
                "on_delete", "on_update", "check", "collation", "comment")


_OBJTYPES = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}

_SPEC_ORDER = ("schema", "extensions", "roles", "schemas", "enums", "domains", "sequences", "functions", "tables",
               "views")
