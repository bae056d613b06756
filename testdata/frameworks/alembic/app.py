"""The web side of the Alembic app, a WSGI application for gunicorn (`gunicorn app:application`):
GET /up answers the health check without the database; any other GET reads the number of posts and
the columns of the first one that columns.READ lists, with psycopg2 on DATABASE_URL (one connection
per worker process, which gunicorn's sync workers use for one request at a time)."""
import json
import os

import psycopg2

from columns import READ

_conn = None


def connection():
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(os.environ["DATABASE_URL"])
        _conn.autocommit = True
    return _conn


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/up":
        return respond(start_response, "200 OK", "ok\n")
    with connection().cursor() as cur:
        cur.execute("SELECT count(*) FROM posts")
        count = cur.fetchone()[0]
        cur.execute("SELECT " + ", ".join(READ) + " FROM posts ORDER BY id LIMIT 1")
        row = cur.fetchone()
    first = dict(zip(READ, row)) if row else None
    return respond(start_response, "200 OK", json.dumps({"count": count, "first": first}) + "\n")


def respond(start_response, status, text):
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
