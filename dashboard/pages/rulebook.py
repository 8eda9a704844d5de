from dashboard import rulebook
from dashboard.context import run_page

run_page(rulebook.render, needs_data=False)
