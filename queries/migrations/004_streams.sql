-- Every event the Data Streams receiver accepted, keyed by the event id Adobe I/O Events gives
-- it (eventid / event_id / id). A redelivered event finds its row and stores nothing again,
-- including events that leave no other trace (activity types the sync does not care about,
-- notifications). `outcome` says where the event went: activity | audit | api_usage | ignored.
CREATE TABLE IF NOT EXISTS stream_events (
    instance     VARCHAR NOT NULL,
    event_id     VARCHAR NOT NULL,
    event_type   VARCHAR NOT NULL,
    outcome      VARCHAR NOT NULL,
    occurred_at  TIMESTAMPTZ,
    received_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (instance, event_id)
);
