from dashboard import sources
from dashboard.context import run_page

run_page(sources.render, needs_data=False)
