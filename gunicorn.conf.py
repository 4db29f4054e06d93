"""gunicorn's settings for the production stack (docker-compose.yml passes ``--config``).

The access log keeps the path (``%(U)s``) but never the query string nor the referrer, which hold
what people searched for: names, dates of birth, NHS numbers (``cse_portal/log_filters.py``)."""

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
