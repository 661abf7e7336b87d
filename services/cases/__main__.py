"""`python -m services.cases`: serve on CASES_PORT."""
from shared.serve import serve

from .app import create_app
from .settings import CasesSettings

if __name__ == "__main__":
    settings = CasesSettings()
    serve(create_app(settings), settings)
