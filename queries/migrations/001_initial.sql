-- Facts, each with a natural key so that re-collecting or re-importing never duplicates.
-- Times are TIMESTAMPTZ and always written as UTC.

CREATE TABLE IF NOT EXISTS instances (
    instance    VARCHAR PRIMARY KEY,
    label       VARCHAR,
    is_demo     BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS collection_runs (
    run_id        VARCHAR PRIMARY KEY,
    instance      VARCHAR NOT NULL,
    job           VARCHAR NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL,          -- ok | failed | partial
    rows_written  BIGINT NOT NULL DEFAULT 0,
    api_calls     INTEGER NOT NULL DEFAULT 0,
    error         VARCHAR
);

-- Time series: backlog, throughput, inflow ... per object and direction.
CREATE TABLE IF NOT EXISTS sync_stats (
    instance    VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    object      VARCHAR NOT NULL,
    direction   VARCHAR NOT NULL,            -- sfdc_to_marketo | marketo_to_sfdc
    metric      VARCHAR NOT NULL,            -- backlog | throughput | inflow | ...
    value       DOUBLE NOT NULL,
    provenance  VARCHAR NOT NULL,            -- reported | estimated | demo | imported
    PRIMARY KEY (instance, ts, object, direction, metric, provenance)
);

-- Steps of Marketo's Sync Status page (admin CSV export).
CREATE TABLE IF NOT EXISTS sync_cycles (
    instance    VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    object      VARCHAR NOT NULL,
    operation   VARCHAR NOT NULL,
    direction   VARCHAR,
    status      VARCHAR NOT NULL,
    new_count     BIGINT NOT NULL DEFAULT 0,
    updated_count BIGINT NOT NULL DEFAULT 0,
    deleted_count BIGINT NOT NULL DEFAULT 0,
    failed_count  BIGINT NOT NULL DEFAULT 0,
    skipped_count BIGINT NOT NULL DEFAULT 0,
    source      VARCHAR NOT NULL,
    raw         JSON,
    PRIMARY KEY (instance, started_at, object, operation)
);

-- Record- and job-level sync failures; error_message keeps the original text verbatim.
CREATE TABLE IF NOT EXISTS sync_errors (
    error_id       VARCHAR PRIMARY KEY,      -- hash of instance + the source row's identity
    instance       VARCHAR NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    object         VARCHAR,
    direction      VARCHAR,
    failed_on      VARCHAR,                  -- record | job
    marketo_id     VARCHAR,
    sfdc_id        VARCHAR,
    error_type     VARCHAR,                  -- as the source wrote it
    error_code     VARCHAR,
    category       VARCHAR NOT NULL,
    fields         VARCHAR[],
    owner          VARCHAR NOT NULL,
    error_message  VARCHAR,
    source         VARCHAR NOT NULL,         -- sync_errors_export | demo | salesforce | marketo
    raw            JSON
);

-- Describe / permission snapshots: a new one only when the content changed.
CREATE TABLE IF NOT EXISTS snapshots (
    instance      VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,          -- describe | permissions
    scope         VARCHAR NOT NULL,          -- the sObject
    captured_at   TIMESTAMPTZ NOT NULL,
    content_hash  VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    PRIMARY KEY (instance, kind, scope, captured_at)
);

CREATE TABLE IF NOT EXISTS field_inventory (
    instance            VARCHAR NOT NULL,
    object              VARCHAR NOT NULL,
    captured_at         TIMESTAMPTZ NOT NULL,
    field               VARCHAR NOT NULL,
    label               VARCHAR,
    type                VARCHAR,
    length              INTEGER,
    is_custom           BOOLEAN,
    calculated          BOOLEAN NOT NULL,
    calculated_formula  VARCHAR,
    updateable          BOOLEAN,
    createable          BOOLEAN,
    raw                 JSON,
    PRIMARY KEY (instance, object, captured_at, field)
);

CREATE TABLE IF NOT EXISTS field_permissions (
    instance     VARCHAR NOT NULL,
    object       VARCHAR NOT NULL,
    captured_at  TIMESTAMPTZ NOT NULL,
    field        VARCHAR NOT NULL,           -- '' = object level
    readable     BOOLEAN NOT NULL,
    editable     BOOLEAN NOT NULL,
    PRIMARY KEY (instance, object, captured_at, field)
);

-- Who changed synced records (explains inflow and backlog spikes).
CREATE TABLE IF NOT EXISTS change_counts (
    instance    VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    object      VARCHAR NOT NULL,
    modifier    VARCHAR NOT NULL,
    field       VARCHAR NOT NULL DEFAULT '',
    changes     BIGINT NOT NULL,
    provenance  VARCHAR NOT NULL,
    PRIMARY KEY (instance, ts, object, modifier, field)
);

CREATE TABLE IF NOT EXISTS api_usage (
    instance    VARCHAR NOT NULL,
    ts          TIMESTAMPTZ NOT NULL,
    source      VARCHAR NOT NULL,            -- salesforce | marketo
    metric      VARCHAR NOT NULL,
    used        DOUBLE NOT NULL,
    quota       DOUBLE,
    PRIMARY KEY (instance, ts, source, metric)
);

CREATE TABLE IF NOT EXISTS audit_events (
    instance     VARCHAR NOT NULL,
    event_id     VARCHAR NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    actor        VARCHAR,
    action       VARCHAR,
    subject      VARCHAR,
    detail       VARCHAR,
    source       VARCHAR NOT NULL,
    raw          JSON,
    PRIMARY KEY (instance, event_id)
);

CREATE TABLE IF NOT EXISTS activity_counts (
    instance       VARCHAR NOT NULL,
    ts             TIMESTAMPTZ NOT NULL,
    activity_type  VARCHAR NOT NULL,
    detail         VARCHAR NOT NULL DEFAULT '',
    activities     BIGINT NOT NULL,
    provenance     VARCHAR NOT NULL,
    PRIMARY KEY (instance, ts, activity_type, detail)
);

CREATE TABLE IF NOT EXISTS watermarks (
    instance    VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    value       VARCHAR NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (instance, name)
);

-- Rejected input, kept verbatim so it can be fixed and replayed.
CREATE TABLE IF NOT EXISTS quarantine (
    quarantine_id  VARCHAR PRIMARY KEY,
    instance       VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    origin         VARCHAR NOT NULL,         -- file path or endpoint
    line           INTEGER,
    reason         VARCHAR NOT NULL,
    raw            VARCHAR NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL
);

-- Findings: narrow, changing state maintained by the check runner.
CREATE TABLE IF NOT EXISTS findings (
    fingerprint      VARCHAR PRIMARY KEY,    -- check + instance + subject
    instance         VARCHAR NOT NULL,
    check_id         VARCHAR NOT NULL,
    subject          VARCHAR NOT NULL,
    severity         VARCHAR NOT NULL,
    title            VARCHAR NOT NULL,
    detail           VARCHAR NOT NULL,
    owner            VARCHAR NOT NULL,
    evidence         JSON,
    status           VARCHAR NOT NULL,       -- open | resolved
    first_seen       TIMESTAMPTZ NOT NULL,
    last_seen        TIMESTAMPTZ NOT NULL,
    resolved_at      TIMESTAMPTZ,
    acknowledged_at  TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS finding_events (
    fingerprint  VARCHAR NOT NULL,
    changed_at   TIMESTAMPTZ NOT NULL,
    transition   VARCHAR NOT NULL,           -- opened | escalated | deescalated | resolved | reopened
    severity     VARCHAR NOT NULL,
    PRIMARY KEY (fingerprint, changed_at, transition)
);

-- Latest outcome per check and subject, including "not evaluated" (e.g. too little history).
CREATE TABLE IF NOT EXISTS check_outcomes (
    instance    VARCHAR NOT NULL,
    check_id    VARCHAR NOT NULL,
    subject     VARCHAR NOT NULL,
    outcome     VARCHAR NOT NULL,            -- finding | not_evaluated
    reason      VARCHAR,
    evaluated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (instance, check_id, subject)
);
