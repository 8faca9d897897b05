-- everything of billing goes: dropped in the reverse order of its dependencies
CREATE SCHEMA billing;
