"""pgdecl: declarative schema-as-code for PostgreSQL.

Pipeline: spec (YAML -> model) -> render (DDL) -> validate -> scratch (load) -> diff (migra) -> plan -> apply.
"""

__version__ = "0.1.0"
