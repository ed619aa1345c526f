#!/usr/bin/env bash
# CI for the production image, without any registry: builds a local base image
# (a debootstrap'd Debian bookworm with python3, python3-venv, nodejs and npm, cached in
# $BERTH_BASE_CACHE and reused), builds the Dockerfile with every base pointing at it,
# runs the image against the host engine through the mounted socket, then logs in over
# HTTP and lists containers. As root on a Debian machine with a running Docker engine.
# Cold (no cache) about 3 minutes on this machine kind; warm about 5 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${BERTH_BASE_CACHE:-/var/cache/berth-base}
BASE=berth-base:local
IMAGE=${BERTH_IMAGE:-berth:ci}
NAME=berth-ci-$$
PASSWORD=ci-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
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
}

cleanup() {
  status=$?
  if [ "$status" != 0 ] && docker inspect "$NAME" >/dev/null 2>&1; then
    echo "image-test failed; the server's last words:"; docker logs "$NAME" 2>&1 | tail -40
  fi
  docker rm -f "$NAME" >/dev/null 2>&1 || true
  rm -f "${JAR:-}"
}
trap cleanup EXIT

build_base
log "docker build $IMAGE on $BASE"
previous=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
# The classic builder: BuildKit needs the buildx plugin, which this machine's clients lack.
DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} docker build -q \
  --build-arg PYTHON_BASE="$BASE" --build-arg NODE_BASE="$BASE" \
  --build-arg PIP_INDEX_URL="${PIP_INDEX_URL:-}" \
  -t "$IMAGE" . >/dev/null
# The image this build replaced is ours: do not let them pile up (never prune: others build here too).
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]; then
  docker rmi "$previous" >/dev/null 2>&1 || true
fi

log "run $IMAGE with the host's docker socket"
docker run -d --name "$NAME" -p 127.0.0.1::8000 \
  -v /var/run/docker.sock:/var/run/docker.sock \
  -e DJANGO_SUPERUSER_USERNAME=admin -e DJANGO_SUPERUSER_PASSWORD="$PASSWORD" \
  -e ALLOWED_HOSTS=127.0.0.1,localhost "$IMAGE" >/dev/null
PORT=$(docker port "$NAME" 8000/tcp | head -1 | sed 's/.*://')
URL="http://127.0.0.1:$PORT"

for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "$URL/accounts/login/" 2>/dev/null && break
  docker inspect -f '{{.State.Running}}' "$NAME" | grep -q true || { docker logs "$NAME"; exit 1; }
  sleep 0.5
done

uid=$(docker exec "$NAME" stat -c %u /proc/1)
[ "$uid" != 0 ] || { echo "the server runs as root"; exit 1; }
user=$(docker exec "$NAME" stat -c %U /proc/1)

log "log in over HTTP and list containers"
JAR=$(mktemp)
curl -fsS -c "$JAR" -b "$JAR" -o /dev/null "$URL/accounts/login/"
csrf=$(awk '$6 == "csrftoken" {print $7}' "$JAR")
status=$(curl -sS -c "$JAR" -b "$JAR" -o /dev/null -w '%{http_code}' \
  -H "Referer: $URL/accounts/login/" \
  --data-urlencode "csrfmiddlewaretoken=$csrf" --data-urlencode username=admin \
  --data-urlencode "password=$PASSWORD" "$URL/accounts/login/")
[ "$status" = 302 ] || { echo "login answered $status"; docker logs "$NAME" | tail -20; exit 1; }
page=$(curl -fsS -b "$JAR" "$URL/containers/?all=1")
echo "$page" | grep -q "$NAME" || { echo "the container list does not show $NAME"; echo "$page" | head -40; exit 1; }
log "ok: $user served the container list from the host engine"
