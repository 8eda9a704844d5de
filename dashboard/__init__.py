"""Streamlit pages: each renders query results and findings; no SQL, no thresholds here."""
