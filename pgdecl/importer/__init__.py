"""Import: an existing database -> a pgdecl project, so a team can adopt pgdecl.

The catalog is read with plain pg_catalog queries (never migra: only `pgdecl/diff.py` imports it).
Every object becomes YAML in the spec format when the model can express it; whatever it cannot
(partitioned and inherited tables, overloaded functions, exclusion constraints, composite and range
types, revokes, ...) goes to a raw `.sql` file of the project, made with PostgreSQL's own `pg_get_*def`
functions where they exist. Anything that depends on a raw object goes raw too, because raw SQL is
loaded after the YAML objects. Nothing is dropped silently: the summary lists each raw object with its
reason, and what the importer does not cover at all.

Output, deterministic for a given database: `00_database.yaml` (extensions, roles, schemas),
`10_<schema>.yaml` per schema, `90_raw.sql`. The written project is loaded and validated before it
is kept; an object pgdecl's validation rejects is moved to raw SQL with the reason.

Modules: constants, names, sqltext, acl (pure helpers); queries (the catalog SQL); reader (units and
their dependencies: what goes raw); writer_base, writer_objects, writer_tables, writer_database, writer
(spec data and raw SQL); yamlout (YAML text); result (the summary); project (validation, the files).
"""

from __future__ import annotations

from .acl import AclEntry, _public_privileges, acl_delta, privilege_list, sequence_defaults, setting_value, topo_order  # noqa: F401
from .constants import DATABASE_FILE, FK_ACTIONS, INDEX_METHODS, INT_RANGES, ImportFailed, LIST_SETTINGS, POLICY_COMMANDS, PRIVILEGE_ORDER, RAW_FILE, SHOWN_STATEMENTS, _COLUMN_KEYS, _OBJTYPES, _SPEC_ORDER  # noqa: F401
from .names import _TYPE_ALIASES, _grantee, _odd_name, _yaml_role, index_column, literal, public_relative, qualified, quote_ident, schema_file_name, short_type  # noqa: F401
from .project import _demote, build_project, import_database, spec_texts  # noqa: F401
from .queries import ACL_SQL, AGGREGATES_SQL, COLLATIONS_SQL, COLUMNS_SQL, COLUMN_ACL_SQL, COMPOSITE_COLUMNS_SQL, CONSTRAINTS_SQL, DEFAULT_ACL_SQL, DEPENDS_SQL, DOMAIN_COLLATION_SQL, EVENT_TRIGGERS_SQL, EXTENSIONS_SQL, EXTENSION_USERS_SQL, FUNCTIONS_SQL, INDEXES_SQL, POLICIES_SQL, RANGES_SQL, RELATIONS_SQL, ROLES_SQL, RULES_SQL, SCHEMAS_SQL, SEQUENCE_OPTIONS_SQL, STATISTICS_SQL, TRIGGERS_SQL, TYPES_SQL, UNCOVERED_SQL, _not_ext  # noqa: F401
from .reader import Importer, Unit, _plpgsql_parses  # noqa: F401
from .result import ImportResult, RawItem, summary_text  # noqa: F401
from .sqltext import IndexParts, _check_expr, _truthy, matching_paren, parse_index, split_top_level, strip_outer_parens  # noqa: F401
from .writer import Writer  # noqa: F401
from .yamlout import _Block, _Dumper, _ODD_BREAKS, _is_scalar, _leaf, _represent_dict, _represent_list, _represent_str, _short, dump_yaml  # noqa: F401
