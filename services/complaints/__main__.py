"""`python -m services.complaints`: serve on COMPLAINTS_PORT."""
from shared.serve import serve

from .app import create_app
from .settings import ComplaintsSettings

if __name__ == "__main__":
    settings = ComplaintsSettings()
    serve(create_app(settings), settings)
