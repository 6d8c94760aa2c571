-- Attempts per minute, for the operator's overview (Store.Overview): how
-- many attempts that started in each minute succeeded (2xx) and failed.
-- Each process counts the attempts it records in memory and adds its
-- counts here every second (and before it answers an overview or purges),
-- in one transaction, to the rows of one shard picked at random (0 to 15),
-- so that the processes sharing the database seldom wait for each other on
-- one row. The overview sums the shards of the last 60 minutes (at most 960
-- rows) rather than reading the attempts table, which has no index on
-- started_at. Purge drops the rows older than its IdempotencyBefore (24
-- hours). Counting starts with this migration: attempts made before it are
-- not counted.
--
-- Version 4 is left to the portal links' migration, written beside this one.

CREATE TABLE attempt_minutes (
    minute    timestamptz NOT NULL, -- the minute's start
    shard     smallint NOT NULL,
    succeeded bigint NOT NULL,
    failed    bigint NOT NULL,
    PRIMARY KEY (minute, shard)
);
