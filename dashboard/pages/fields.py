"""Fields: the data dictionary of synced fields as the sync user sees them."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.context import View, demo_banner, keep_in_url, run_page, show_table, url_choice

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

    st.subheader("Changes since the previous describe")
    changes = data.load("describe_changes", **view.params())
    if changes.empty:
        st.caption("No field appeared, disappeared or changed for the sync user in this range.")
    else:
        show_table(changes, "field-changes")


run_page(render)
