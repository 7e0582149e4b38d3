"""Gunicorn settings for the web service, behind nginx (``deploy/nginx.conf``).

Guarantees: the compose file's ``web`` service and the Dockerfile both start gunicorn with this
file, so one place says how the service is served. Sync workers are enough because nginx
buffers every request body and every response: a worker only ever talks to nginx, at local
speed, so a slow client costs an nginx connection, never a worker (docs/decisions.md,
"Production serving: nginx buffers, gunicorn's sync workers compute").

Each value can be changed from the environment without editing the file.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

# A request that computes for longer than this is killed and its worker replaced. The PDF of a
# large public report is the slowest page; release builds run in Celery, not here.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# On SIGTERM (a deploy, `docker compose stop`) a worker finishes its request for this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 2

# The same header limits as nginx's large_client_header_buffers (4 x 8k): a request nginx
# passes is never refused here, and one that reaches gunicorn directly is held to them too.
limit_request_line = 8190
limit_request_fields = 64
limit_request_field_size = 8190

# Workers' heartbeat files in memory: on a container's overlay file system a blocked disk
# write would look like a hung worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Nothing uses gunicornc; a control socket in $HOME would be shared by every gunicorn a user
# runs on one machine (tests, a second checkout).
control_socket_disable = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
