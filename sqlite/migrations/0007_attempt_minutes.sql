-- Attempts per minute, for the operator's overview (Store.Overview): one
-- row per minute in which attempts started (minute: its start, Unix
-- microseconds), with how many succeeded (2xx) and failed. RecordAttempts
-- adds its batch's counts in its own transaction, one upsert per minute the
-- batch holds, so that the overview reads at most 60 rows rather than the
-- attempt logs (which have no index on their start). Purge drops the rows
-- older than its IdempotencyBefore (24 hours). Counting starts with this
-- migration: attempts made before it are not counted.
--
-- Version 6 is left to the portal links' migration, written beside this one.

CREATE TABLE attempt_minutes (
    minute    INTEGER PRIMARY KEY,
    succeeded INTEGER NOT NULL,
    failed    INTEGER NOT NULL
) STRICT;
