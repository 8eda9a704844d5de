"""The Marketo REST collector: the cycle and backfill (cycle), activity paging by stream
(paging), API usage and error statistics (usage) and the REST client (client)."""
