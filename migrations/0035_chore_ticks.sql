-- The scheduled time each chore last ran for, across replicas (issue #21 item 2). Every replica's
-- cron fires every chore; an advisory lock keeps two runs from overlapping, and this row keeps a
-- replica whose cron fires a little later (its clock, a slow start) from running a tick again that
-- another replica already ran. Only the PostgreSQL store uses it: one SQLite file has one daemon.
CREATE TABLE chore_ticks (
  name       TEXT    PRIMARY KEY,
  tick       INTEGER NOT NULL,
  started_at INTEGER NOT NULL
) STRICT;
