"""Marketo Data Streams: an HTTP receiver for Adobe I/O Events webhooks (receiver), what an
event is and where it goes (events), and the one transaction that stores a batch (writer)."""
