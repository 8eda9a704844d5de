from dashboard import backlog
from dashboard.context import run_page

run_page(backlog.render)
