"""The Salesforce collector: the cycle (inflow, the sync user's writes, modifiers, audit trail,
login history) and backfill in cycle; describe and permission snapshots in schema; the daily
hygiene pass in hygiene; the client (simple-salesforce, logins, /composite) and SOQL."""
