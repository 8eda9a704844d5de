"""Fields: the data dictionary of synced fields as the sync user sees them."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import View, demo_banner, keep_in_url, run_page, show_table, url_choice
from dashboard.labels import local_time

ALL = "(all)"


def render(view: View) -> None:
    st.title("Synced fields")
    demo_banner(view)
    fields = data.load("field_dictionary", instance=view.instance, now=view.now, object="")
    if fields.empty:
        st.info("No describe collected yet: import a Salesforce describe JSON on the Sources page.")
        return
    objects = [ALL, *sorted(fields["object"].unique())]
    chosen = url_choice("object", objects, ALL)
    chosen = st.selectbox("Object", objects, index=objects.index(chosen), key="object")
    keep_in_url("object", chosen)
    shown = fields if chosen == ALL else fields[fields["object"] == chosen]
    formulas = shown[shown["calculated"]]
    cols = st.columns(3)
    cols[0].metric("Fields visible to the sync user", len(shown))
    cols[1].metric(
        "Formula fields",
        len(formulas),
        help="Formula changes do not move SystemModstamp: these go stale in Marketo.",
    )
    cols[2].metric("Not editable by the sync user", int((~shown["updateable"].fillna(False)).sum()))
    if len(formulas):
        st.warning(
            "Formula fields in the sync: "
            + ", ".join(
                f"{o}.{f}" for o, f in zip(formulas["object"], formulas["field"], strict=True)
            )
        )
    show_table(
        shown,
        "data-dictionary",
        column_config={
            "calculated": st.column_config.CheckboxColumn("formula"),
            "calculated_formula": "formula text",
            "fill_rate": st.column_config.ProgressColumn(
                "fill rate",
                help="Share of records with a value, from the daily count (blank: not counted, "
                "e.g. checkboxes, long text, required fields).",
                format="percent",
                min_value=0.0,
                max_value=1.0,
            ),
            "last_change": st.column_config.DatetimeColumn(
                "last change",
                help="Latest Marketo Change Data Value activity or field-level change seen.",
            ),
        },
    )

    reconciliation_section(view, chosen)

    st.subheader("Changes since the previous describe")
    changes = data.load("describe_changes", **view.params())
    if changes.empty:
        st.caption("No field appeared, disappeared or changed for the sync user in this range.")
    else:
        show_table(changes, "field-changes")


def reconciliation_section(view: View, chosen: str) -> None:
    """The latest reconciliation sample: what was compared, what it cost, which fields differ."""
    st.subheader("Reconciliation sample: the same data on both sides?")
    runs = data.load("reconciliation_runs_latest", instance=view.instance, now=view.now)
    if runs.empty:
        st.caption(
            "No reconciliation sample yet: the daily reconciliation job needs both the "
            "Salesforce and the Marketo login (README, Reconciliation sample)."
        )
        return
    zone = data.config().zone
    st.caption(
        f"Sample of {local_time(runs['sampled_at'].max(), zone)}: Leads and Contacts drawn "
        "among recently changed and long-untouched records, read from Salesforce and from "
        "Marketo and compared by the sync's rules; values are masked. Cost: "
        f"{int(runs['salesforce_calls'].max()):,} Salesforce API calls (of the org's daily "
        f"allowance) and {int(runs['marketo_calls'].max()):,} Marketo calls of its 50,000 a day."
    )
    show_table(
        runs[["object", "recent", "untouched", "read_salesforce", "found_in_marketo", "in_flight"]],
        "reconciliation-runs",
        column_config={
            "recent": st.column_config.NumberColumn(
                "recently changed", help="Drawn among records changed in the last days."
            ),
            "untouched": st.column_config.NumberColumn(
                "long untouched", help="Drawn among records not changed for months."
            ),
            "read_salesforce": "read from Salesforce",
            "found_in_marketo": "found in Marketo",
            "in_flight": st.column_config.NumberColumn(
                "in flight", help="Changed too recently to judge: not compared."
            ),
        },
    )
    findings = data.load("reconciliation_findings", **view.params())
    if findings.empty:
        st.success("No field differs between the two sides beyond chance in the latest sample.")
    else:
        show_table(
            findings,
            "reconciliation-findings",
            column_config={
                "worst_rate": st.column_config.NumberColumn("worst rate", format="percent")
            },
        )
    rates = data.load("reconciliation_field_rates", instance=view.instance, now=view.now)
    if chosen != ALL:
        rates = rates[rates["object"] == chosen]
    # The sample's time is in the caption, in the configured zone.
    rates = rates.drop(columns=["sampled_at"], errors="ignore")
    percent = {"format": "percent"}
    show_table(
        rates,
        "reconciliation-fields",
        column_config={
            "is_formula": st.column_config.CheckboxColumn("formula"),
            "is_readable": st.column_config.CheckboxColumn("sync user reads"),
            "rate": st.column_config.NumberColumn("mismatch rate", **percent),
            "ci_low": st.column_config.NumberColumn("95 % CI low", **percent),
            "ci_high": st.column_config.NumberColumn("95 % CI high", **percent),
        },
    )


run_page(render)
