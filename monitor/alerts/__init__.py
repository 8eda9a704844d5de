"""Alerts: finding transitions become grouped, rate-limited messages delivered through an
outbox to apprise channels (and optionally a Marketo smart campaign); silences suppress them.

    dispatch          one alert round: consume transitions, group, repeat, queue, deliver
    messages          the text of an alert
    outbox            deliveries that are retried until they are sent, never dropped
    channels          apprise channels, known by label (their URLs hold secrets)
    marketo_campaign  the optional channel that triggers a Marketo smart campaign
    silences          [[silences]] from monitor.toml and from the dashboard
"""
