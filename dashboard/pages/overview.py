from dashboard import overview
from dashboard.context import run_page

run_page(overview.render)
