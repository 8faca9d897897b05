"""The plan engine: compare -> typed operations -> order -> rewrite -> render.

- `ops`: the typed operation every later stage works on (object, action, needs/provides, phase,
  hazards, lock level, origin), built once from each statement's parse tree (`describe`);
- `graph`: the dependency graph of a database, read from `pg_depend` and `pg_rewrite`;
- `order`: operations sorted so creates come after what they use and drops before what blocks them;
- `views`: minimal plans: views recreated only when a column they read changes, materialized views
  recreated with their indexes;
- `kinds`: per-kind comparers registered like lint rules (catalog SQL in `sql/`).
"""
