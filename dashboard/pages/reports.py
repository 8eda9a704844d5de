from dashboard import reports
from dashboard.context import run_page

run_page(reports.render)
