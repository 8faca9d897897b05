"""The proofs of `pgdecl test` are discovered from `pgdecl/proptest/proofs/` like the lint rules, and
run in a fixed order (the order of the results)."""

from __future__ import annotations

import pkgutil

from pgdecl.proptest import proofs
from pgdecl.proptest.proofs import Proof, all_proofs, project_proofs, table_proofs


def test_every_proof_module_declares_one_proof() -> None:
    modules = {m.name for m in pkgutil.iter_modules(proofs.__path__)}
    found = all_proofs()
    assert len({p.name for p in found}) == len(found)
    # on_delete is run by foreign_key (right after each key), so it declares no Proof of its own
    assert modules - {"on_delete"} == {"check", "domain", "enum", "foreign_key", "key", "not_null", "type_limit"}
    assert len(found) == len(modules) - 1


def test_proofs_run_in_the_order_of_the_report() -> None:
    assert [p.name for p in project_proofs()] == ["enum", "domain check, domain not null"]
    assert [p.name for p in table_proofs()] == [
        "primary key, unique, unique index", "foreign key, on delete", "check", "not null", "type"]
    for p in all_proofs():
        assert isinstance(p, Proof)
        assert (p.project is None) != (p.table is None), p.name
