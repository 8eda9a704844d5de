"""Collectors: every source of facts, each pulling into the store (raw facts only; the checks
run afterwards).

    salesforce  the Salesforce API (simple-salesforce)
    marketo     the Marketo REST API
    exports     Marketo's admin CSV exports and other files (import, and the inbox folder)
    streams     Marketo Data Streams (an HTTP webhook receiver)
    demo        a simulated workspace, when nothing is configured
"""
