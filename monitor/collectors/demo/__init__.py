"""The demo workspace: a deterministic simulation of a realistic org, written through the same
store functions as the real collectors (workspace builds it; org, marketo and hygiene simulate
the Salesforce org, Marketo's activity log and the daily hygiene counts)."""
