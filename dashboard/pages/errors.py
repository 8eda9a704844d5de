from dashboard import errors
from dashboard.context import run_page

run_page(errors.render)
