-- A disable fails the webhook's pending deliveries in batches, each in a
-- transaction of its own (backlog.go), so that a large backlog is not
-- failed in one long transaction. failing_at is the time of the disable
-- whose batches are not all done (NULL: none), the updated_at of the
-- deliveries they fail; failing_spare is a delivery they leave alone (the
-- one whose record disabled the webhook; '' for none). Every process
-- resumes, at start, the batches of a disable that a crash cut short.

ALTER TABLE webhooks ADD COLUMN failing_at timestamptz,
    ADD COLUMN failing_spare text NOT NULL DEFAULT '';
