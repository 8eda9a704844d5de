from dashboard import permissions
from dashboard.context import run_page

run_page(permissions.render)
