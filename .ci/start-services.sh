#!/usr/bin/env bash
# Installs and starts everything Berth's tests need on a Debian machine, as root:
# the Docker engine (no systemd here, so dockerd runs in the background), busybox for
# the local test images, two local registries (plain and htpasswd), and Chromium.
# Idempotent: safe to run again on a machine where some of it already runs (under CI=true it
# restarts the engine and the registries as its own, below).
set -euo pipefail

need_packages=()
command -v dockerd >/dev/null || need_packages+=(docker.io)
[ -x /bin/busybox ] && file /bin/busybox 2>/dev/null | grep -q static || need_packages+=(busybox-static)
command -v chromium >/dev/null || need_packages+=(chromium)
command -v docker-registry >/dev/null || need_packages+=(docker-registry)
command -v htpasswd >/dev/null || need_packages+=(apache2-utils)
command -v file >/dev/null || need_packages+=(file)
command -v xgettext >/dev/null || need_packages+=(gettext)  # the catalogue test extracts strings
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "installing: ${need_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

# Stops a process by its pid and waits until it is gone (a dockerd stops its containers first).
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 1
  done
  kill -9 "$pid" 2>/dev/null || true
}

# Under CI the engine and the registries must be the run's own. CI runs on the machine a session
# left, and what that session started in the background is stopped when the session ends: once
# its dockerd went away seven minutes into the suite (the socket gone, the last tests failed).
# So CI stops them (by their pids, and only ours: the main dockerd's pidfile and the registries
# serving our configs) and starts its own, in their own session (setsid) so they outlive the
# shell that started them. Outside CI a running engine is left alone.
if [ "${CI:-}" = true ]; then
  if [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    echo "CI: restarting the running dockerd as this run's own"
    stop_pid "$(cat /var/run/docker.pid)"
  fi
  for pid in $(pgrep -f "docker-registry serve /etc/berth-registry/" || true); do
    stop_pid "$pid"
  done
fi

# The Docker engine.
if ! /usr/bin/docker version >/dev/null 2>&1; then
  echo "starting dockerd"
  setsid nohup dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 120); do
    /usr/bin/docker version >/dev/null 2>&1 && break
    sleep 1
  done
  /usr/bin/docker version >/dev/null || { tail -30 /var/log/dockerd.log; exit 1; }
fi

# Local registries: 127.0.0.1:5000 open, 127.0.0.1:5001 with htpasswd (berth / berth-secret).
start_registry() {
  local port=$1 config=$2
  if ! curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null \
     && ! curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" 2>/dev/null | grep -q 401; then
    setsid nohup docker-registry serve "$config" >"/var/log/registry-$port.log" 2>&1 < /dev/null &
  fi
}
mkdir -p /var/lib/berth-registry/open /var/lib/berth-registry/auth /etc/berth-registry
cat >/etc/berth-registry/open.yml <<YAML
version: 0.1
storage:
  filesystem: {rootdirectory: /var/lib/berth-registry/open}
  delete: {enabled: true}
http: {addr: "127.0.0.1:5000"}
YAML
htpasswd -Bbc /etc/berth-registry/htpasswd berth berth-secret >/dev/null 2>&1
cat >/etc/berth-registry/auth.yml <<YAML
version: 0.1
storage:
  filesystem: {rootdirectory: /var/lib/berth-registry/auth}
  delete: {enabled: true}
http: {addr: "127.0.0.1:5001"}
auth:
  htpasswd: {realm: berth-test, path: /etc/berth-registry/htpasswd}
YAML
start_registry 5000 /etc/berth-registry/open.yml
start_registry 5001 /etc/berth-registry/auth.yml

# PostgreSQL and Redis come with this kind of machine; start them if they are not answering.
if command -v pg_ctlcluster >/dev/null && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi

for _ in $(seq 1 30); do
  curl -s -o /dev/null "http://127.0.0.1:5000/v2/" && curl -s -o /dev/null "http://127.0.0.1:5001/v2/" && break
  sleep 0.5
done
echo "services ready: $(/usr/bin/docker version --format 'engine {{.Server.Version}}')"
