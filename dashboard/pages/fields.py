from dashboard import fields
from dashboard.context import run_page

run_page(fields.render)
