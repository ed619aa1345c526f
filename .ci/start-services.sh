#!/usr/bin/env bash
# Installs and starts everything Berth's tests need on a Debian machine, as root:
# the Docker engine (no systemd here, so dockerd runs in the background), busybox for
# the local test images, two local registries (plain and htpasswd), and Chromium.
# Idempotent: safe to run again on a machine where some of it already runs.
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

# The Docker engine.
if ! /usr/bin/docker version >/dev/null 2>&1; then
  echo "starting dockerd"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
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
    nohup docker-registry serve "$config" >"/var/log/registry-$port.log" 2>&1 &
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
