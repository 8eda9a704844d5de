-- Marketo lead activities that matter to the sync (Sync Lead to SFDC, SFDC Activity, Push Lead
-- to Marketo, Change Data Value, ...), from the REST API or Data Streams. The same activity seen
-- through both has the same activity_id (REST marketoGUID = stream activityLogItemId), so it is
-- stored once. These are the evidence rows; activity_counts holds the per-cycle counts.
CREATE TABLE IF NOT EXISTS marketo_activities (
    instance           VARCHAR NOT NULL,
    activity_id        VARCHAR NOT NULL,
    occurred_at        TIMESTAMPTZ NOT NULL,
    activity_type_id   INTEGER NOT NULL,
    activity_type      VARCHAR NOT NULL,
    lead_id            VARCHAR,
    primary_attribute  VARCHAR,
    attributes         JSON,
    source             VARCHAR NOT NULL,         -- marketo_rest | data_streams | demo
    received_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (instance, activity_id)
);
