-- Alerting state (monitor/alerts.py). Channels are stored by label (scheme + short hash of the
-- URL), never by URL: apprise URLs carry tokens and passwords.

-- Every finding transition the alerting layer has consumed, and what it did with it. The
-- primary key is finding_events' own: a transition is consumed exactly once, in the same
-- transaction that queues the message announcing it.
CREATE TABLE IF NOT EXISTS alert_transitions (
    fingerprint  VARCHAR NOT NULL,
    changed_at   TIMESTAMPTZ NOT NULL,
    transition   VARCHAR NOT NULL,           -- as in finding_events
    instance     VARCHAR NOT NULL,
    severity     VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,           -- pending | alerted | suppressed | stale | not_alerted
    reason       VARCHAR,                    -- why suppressed or not alerted
    message_id   VARCHAR,                    -- the alert that announced it
    seen_at      TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    PRIMARY KEY (fingerprint, changed_at, transition)
);

-- Per finding: when it was last alerted (repeat interval) and whether its opening was announced
-- without a resolution since (a resolution is only announced for an announced opening).
CREATE TABLE IF NOT EXISTS alert_state (
    fingerprint      VARCHAR PRIMARY KEY,
    instance         VARCHAR NOT NULL,
    last_alerted_at  TIMESTAMPTZ NOT NULL,
    is_announced     BOOLEAN NOT NULL
);

-- Per instance: when its last alert was queued (group interval).
CREATE TABLE IF NOT EXISTS alert_groups (
    instance         VARCHAR PRIMARY KEY,
    last_alerted_at  TIMESTAMPTZ NOT NULL,
    last_message_id  VARCHAR NOT NULL
);

-- Every message composed: alerts, weekly reports, test messages.
CREATE TABLE IF NOT EXISTS alert_messages (
    message_id   VARCHAR PRIMARY KEY,
    instance     VARCHAR NOT NULL,           -- '' when the message is about no one instance
    kind         VARCHAR NOT NULL,           -- alert | report | test
    notify_type  VARCHAR NOT NULL,           -- info | success | warning | failure
    title        VARCHAR NOT NULL,
    body         VARCHAR NOT NULL,
    attachments  VARCHAR[] NOT NULL,
    lines        INTEGER NOT NULL,           -- findings listed
    created_at   TIMESTAMPTZ NOT NULL
);

-- One delivery of a message to one channel; failed deliveries stay and are retried.
CREATE TABLE IF NOT EXISTS alert_outbox (
    message_id       VARCHAR NOT NULL,
    channel          VARCHAR NOT NULL,       -- label such as json:3fa1b2c4 or marketo:campaign-1234
    status           VARCHAR NOT NULL,       -- pending | sending | sent | failed | dropped
    attempts         INTEGER NOT NULL,
    parts_done       INTEGER NOT NULL,       -- Marketo: lead chunks already triggered
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_attempt_at  TIMESTAMPTZ,
    sent_at          TIMESTAMPTZ,
    error            VARCHAR,
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (message_id, channel)
);

-- Silences created from the dashboard (those of monitor.toml live in the file).
CREATE TABLE IF NOT EXISTS silences (
    silence_id  VARCHAR PRIMARY KEY,
    instance    VARCHAR NOT NULL,            -- '' = every instance
    check_id    VARCHAR NOT NULL,            -- '' = every check
    subject     VARCHAR NOT NULL,            -- glob; '' = every subject
    until       TIMESTAMPTZ NOT NULL,
    reason      VARCHAR NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ                  -- set when ended early from the dashboard
);
