"""The smallest Django project: one app, blog, on the database DATABASE_URL names, served by
gunicorn (wsgi.py) with GET / reading the first post and GET /up answering the health check."""
import os
from urllib.parse import parse_qs, urlparse

_url = urlparse(os.environ["DATABASE_URL"])
_query = parse_qs(_url.query)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": _url.username or "",
        "PASSWORD": _url.password or "",
        # cutover's scratch copy is on a unix socket, named by the URL's host parameter.
        "HOST": _query.get("host", [_url.hostname or ""])[0],
        "PORT": _query.get("port", [str(_url.port or "")])[0],
        # Each gunicorn worker keeps its connection, as production settings do.
        "CONN_MAX_AGE": 60,
    }
}
INSTALLED_APPS = ["blog"]
ROOT_URLCONF = "urls"
# cutover's proxy and health check reach the app on the loopback address.
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECRET_KEY = "only-for-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
