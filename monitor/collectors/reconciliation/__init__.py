"""Reconciliation sampling: a daily stratified sample of Leads and Contacts read from both
Salesforce and Marketo and compared field by field (sample: which ids; compare: the sync's
rules; collect: the job that reads, compares and stores)."""
