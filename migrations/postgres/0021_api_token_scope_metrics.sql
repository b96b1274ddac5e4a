-- PostgreSQL override of migrations/0021_api_token_scope_metrics.sql. Why: SQLite rebuilds the
-- table to widen a CHECK; PostgreSQL changes the constraint in place, and a rebuild would leave
-- the table's constraints named after api_tokens_new. Same columns, same order, same check.
-- api_tokens_scope_check is the name PostgreSQL gave the CHECK of 0014's ADD COLUMN scope.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scope_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scope_check CHECK (scope IN ('push', 'read', 'metrics', 'admin'));
