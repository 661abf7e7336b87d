"""`python -m services.credit`: serve on CREDIT_PORT."""
from shared.serve import serve

from .app import create_app
from .settings import CreditSettings

if __name__ == "__main__":
    settings = CreditSettings()
    serve(create_app(settings), settings)
