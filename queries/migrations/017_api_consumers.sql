-- Salesforce API calls per consumer and UTC day, from the ApiTotalUsage event log files
-- (monitor/collectors/salesforce/api_consumers.py): who used the org's daily API pool.
-- kind: marketo_sync | integration | person. share: of the day's counted calls in the log.
CREATE TABLE IF NOT EXISTS api_consumers_daily (
    instance     VARCHAR NOT NULL,
    day          DATE NOT NULL,
    consumer     VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    calls        BIGINT NOT NULL,
    share        DOUBLE NOT NULL,
    collected_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (instance, day, consumer)
);
