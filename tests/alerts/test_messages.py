"""External text in an alert is inert in every channel's format: a sync error message holding a
Markdown link, HTML or emphasis reads as those characters in the Markdown body (Teams, JSON
webhooks), in Slack's mrkdwn as apprise translates it, and in an email's HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import apprise

from monitor.alerts.channels import body_for
from monitor.alerts.messages import AlertLine, alert_message

PHISH = "[Reset your password](https://evil.example/phish)"
HTML = '<img src=x onerror="alert(1)"> & <a href="https://evil.example">click</a>'
EMPHASIS = "**urgent** _now_ `code` ~~gone~~ # heading | table"
# A Salesforce Incoming Webhook URL shape and a mail URL; nothing is sent by these tests.
SLACK_URL = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"
MAIL_URL = "mailto://monitor:secret@example.com"


def hostile_message():
    line = AlertLine(
        fingerprint="f1",
        check="validation_rule_failures",
        subject=f"Lead: {PHISH}",
        title=f"Salesforce rejects Lead updates: {HTML} {EMPHASIS}",
        owner="Salesforce admin",
        severity="critical",
        transitions=["opened"],
        at=datetime(2026, 11, 20, 14, 5, tzinfo=UTC),
    )
    return alert_message("prod", [line])


def test_the_markdown_body_escapes_every_markup_character_of_external_text():
    body = hostile_message().body
    assert (
        "- **CRITICAL opened** · validation_rule_failures · "
        "Lead: \\[Reset your password\\]\\(https://evil.example/phish\\)"
    ) in body
    assert (
        '  Salesforce rejects Lead updates: \\<img src=x onerror="alert\\(1\\)"\\> & '
        '\\<a href="https://evil.example"\\>click\\</a\\> '
        "\\*\\*urgent\\*\\* \\_now\\_ \\`code\\` \\~\\~gone\\~\\~ \\# heading \\| table"
    ) in body
    # Nothing of the external text is left that could open a link, a tag or emphasis.
    unescaped = re.compile(r"(?<!\\)(\]\(|<img|<a |\*\*urgent)")
    assert not unescaped.search(body), unescaped.search(body)


def test_field_names_keep_their_underscores_unescaped_inside_words():
    line = AlertLine("f", "permission_failures", "Lead.Lead_Score__c", "t", "o", "warning",
                     ["opened"], datetime(2026, 11, 20, tzinfo=UTC))  # fmt: skip
    assert "· permission_failures · Lead.Lead_Score__c" in alert_message("prod", [line]).body


def test_slack_gets_mrkdwn_with_no_link_and_html_as_entities():
    plugin = apprise.Apprise.instantiate(SLACK_URL)
    body, body_format = body_for(plugin, hostile_message().body)
    assert body_format == apprise.NotifyFormat.MARKDOWN
    slack = plugin.dialect_convert(body, body_format)  # what apprise posts to Slack
    assert "<https://evil.example" not in slack and "|Reset your password>" not in slack
    assert "[Reset your password](https://evil.example/phish)" in slack
    assert "&lt;img src=x" in slack and "<img" not in slack
    assert "&lt;a href=" in slack and "<a " not in slack
    assert "*CRITICAL opened*" in slack  # our own bold, in Slack's spelling


def test_email_gets_html_where_external_text_is_only_text():
    plugin = apprise.Apprise.instantiate(MAIL_URL)
    body, body_format = body_for(plugin, hostile_message().body)
    assert body_format == apprise.NotifyFormat.HTML
    tags = set(re.findall(r"</?([a-z]+)", body))
    assert tags == {"ul", "li", "b", "br", "p"}, tags
    assert f"Lead: {PHISH}" in body  # the characters, not a link
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;a href=" in body
    assert "**urgent** _now_ `code` ~~gone~~ # heading | table" in body
    assert body.startswith("<ul>\n<li><b>CRITICAL opened</b> · validation_rule_failures · ")


def test_the_title_holds_the_instance_as_plain_characters_only():
    line = AlertLine("f", "c", "s", "t", "o", "warning", ["opened"],
                     datetime(2026, 11, 20, tzinfo=UTC))  # fmt: skip
    # A store written before instance names were validated may hold any name.
    message = alert_message("prod](https://evil.example) <b>", [line])
    assert message.title == "[prod__https___evil.example___b_] Sync health: 1 opened"
    assert "/findings?instance=prod%5D%28https%3A%2F%2Fevil.example%29%20%3Cb%3E" in message.body
