from dashboard import alerts
from dashboard.context import run_page

run_page(alerts.render, needs_data=False)
