"""`python -m services.notify`: serve on NOTIFY_PORT."""
from shared.serve import serve

from .app import create_app
from .settings import NotifySettings

if __name__ == "__main__":
    settings = NotifySettings()
    serve(create_app(settings), settings)
