"""Gunicorn settings for `make serve`, sized for a small machine (2 cores).

Runs `bakery.wsgi` (the production settings). The address comes from
`--bind` (`make serve BIND=...`); WEB_CONCURRENCY changes the number of
worker processes.
"""

import os

wsgi_app = "bakery.wsgi:application"
bind = ["127.0.0.1:8000"]

# Two processes of four threads each: a page mostly waits on the database,
# and on SQLite, which takes one writer at a time (IMMEDIATE transactions
# queue behind its busy timeout), more processes would only wait longer.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
# The application is imported once, before the workers are forked: they start
# at once and share its memory. Nothing opens a database connection at import.
preload_app = True

# Longer than SQLite's 20 s busy timeout, so a write that waits for the lock
# ends with the application's own error, not a killed worker.
timeout = 30
graceful_timeout = 20
keepalive = 5

accesslog = "-"
errorlog = "-"

# No runtime control socket: it would live in $HOME and be shared by every
# gunicorn of this user.
control_socket_disable = True

# The worker heartbeat in memory rather than on disk, where there is one.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
