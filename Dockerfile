# Berth's production image. Every base image is a build argument: the defaults are the
# official images; CI passes a Debian base it builds locally (.ci/image-test.sh), since no
# registry is reachable there. Both bases need python3 with venv (and node with npm).
# Node 24 is an LTS line with security fixes until April 2028 (Node 20's ended in April 2026).
ARG PYTHON_BASE=python:3.11-slim
ARG NODE_BASE=node:24-slim

# ---- browser assets (htmx, xterm.js, uPlot) from npm
FROM ${NODE_BASE} AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# ---- Python wheels, installed into a virtualenv the final stage copies
FROM ${PYTHON_BASE} AS python-build
# Another package index (a mirror); empty means pip's own default.
ARG PIP_INDEX_URL=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
# The runtime lock only (no Daphne, pytest, Playwright or ruff: requirements-dev.txt has those),
# every file checked against its hash.
COPY requirements.txt .
RUN if [ -n "$PIP_INDEX_URL" ]; then export PIP_INDEX_URL; else unset PIP_INDEX_URL; fi \
 && python3 -m venv /opt/berth/venv \
 && /opt/berth/venv/bin/pip install --quiet --require-hashes -r requirements.txt

# ---- the image
FROM ${PYTHON_BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/berth/venv/bin:$PATH \
    DATABASE_URL=sqlite:////data/db.sqlite3 SECRET_KEY_FILE=/data/secret_key \
    BERTH_USER=berth
# No useradd in a minimal Debian: the account is two lines. /data holds the SQLite database
# and the generated secret key when no DATABASE_URL or SECRET_KEY is given.
RUN echo "berth:x:10001:10001:Berth:/data:/usr/sbin/nologin" >> /etc/passwd \
 && echo "berth:x:10001:" >> /etc/group \
 && mkdir -p /data && chown berth:berth /data
COPY --from=python-build /opt/berth/venv /opt/berth/venv
WORKDIR /app
COPY --from=assets /build/node_modules /app/node_modules
COPY . /app
RUN SECRET_KEY=collectstatic-only python3 manage.py collectstatic --noinput --verbosity 0 \
 && SECRET_KEY=collectstatic-only python3 manage.py compile_catalogues \
 && install -m 0755 deploy/entrypoint.sh /usr/local/bin/berth-entrypoint
VOLUME /data
EXPOSE 8000
# GET /healthz from inside the container (dashboard/healthcheck.py: python, no curl): up when
# the engine and the database answer. Its own wait for the engine is 2 s (dashboard/health.py).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python3", "-m", "dashboard.healthcheck"]
# The entrypoint starts as root only to join the docker socket's group, then drops to berth.
ENTRYPOINT ["berth-entrypoint"]
CMD ["python3", "-m", "dashboard.serve", "--host", "0.0.0.0", "--port", "8000"]
