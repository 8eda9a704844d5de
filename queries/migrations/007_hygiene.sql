-- Data hygiene of the synced objects, measured once a day by the Salesforce collector's
-- hygiene pass (or simulated by the demo). Each measurement is keyed by when it was taken, so
-- collecting twice at the same moment stores nothing twice and the history stays comparable.

-- How many records fill each countable field: COUNT(Id) and COUNT(field) of one object.
CREATE TABLE IF NOT EXISTS field_fill (
    instance     VARCHAR NOT NULL,
    object       VARCHAR NOT NULL,
    captured_at  TIMESTAMPTZ NOT NULL,
    field        VARCHAR NOT NULL,
    records      BIGINT NOT NULL,            -- records of the object (COUNT(Id))
    filled       BIGINT NOT NULL,            -- records where the field is not null
    source       VARCHAR NOT NULL,           -- salesforce | demo
    PRIMARY KEY (instance, object, captured_at, field)
);

-- Values shared by several records of the dedupe field (email by default), worst first.
-- The values are what an admin needs to merge the records; checks mask them in findings.
CREATE TABLE IF NOT EXISTS duplicate_values (
    instance     VARCHAR NOT NULL,
    object       VARCHAR NOT NULL,
    field        VARCHAR NOT NULL,
    captured_at  TIMESTAMPTZ NOT NULL,
    value        VARCHAR NOT NULL,
    records      BIGINT NOT NULL,
    source       VARCHAR NOT NULL,
    PRIMARY KEY (instance, object, field, captured_at, value)
);

-- Per measurement: how many values are duplicated and how many records share them.
-- is_capped: Salesforce returned its maximum of grouped rows, so the figures are lower bounds.
CREATE TABLE IF NOT EXISTS duplicate_summary (
    instance           VARCHAR NOT NULL,
    object             VARCHAR NOT NULL,
    field              VARCHAR NOT NULL,
    captured_at        TIMESTAMPTZ NOT NULL,
    duplicated_values  BIGINT NOT NULL,
    records            BIGINT NOT NULL,      -- records sharing a duplicated value
    is_capped          BOOLEAN NOT NULL,
    source             VARCHAR NOT NULL,
    PRIMARY KEY (instance, object, field, captured_at)
);

-- Record counts per value of a sync filter field (e.g. Do_Not_Sync__c true / false).
CREATE TABLE IF NOT EXISTS field_value_counts (
    instance     VARCHAR NOT NULL,
    object       VARCHAR NOT NULL,
    field        VARCHAR NOT NULL,
    captured_at  TIMESTAMPTZ NOT NULL,
    value        VARCHAR NOT NULL,           -- 'true' | 'false' | '' (null)
    records      BIGINT NOT NULL,
    source       VARCHAR NOT NULL,
    PRIMARY KEY (instance, object, field, captured_at, value)
);
