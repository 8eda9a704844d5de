from dashboard import findings
from dashboard.context import run_page

run_page(findings.render)
