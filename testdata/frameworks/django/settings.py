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
    }
}
INSTALLED_APPS = ["blog"]
SECRET_KEY = "only-for-tests"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
