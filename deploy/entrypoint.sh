#!/bin/sh
# Berth's container entrypoint. As root, it lets the berth user reach the mounted Docker
# socket whatever group id owns it on this host (adding a group with that id if the image
# has none), then drops to berth for good. As berth, it migrates, makes the first admin
# if there is none, and runs the command (uvicorn, through dashboard/serve.py, by default).
set -eu
SOCKET=${DOCKER_SOCKET:-/var/run/docker.sock}
BERTH_USER=${BERTH_USER:-berth}

join_socket_group() {
  gid=$(stat -c %g "$SOCKET")
  group=$(awk -F: -v gid="$gid" '$3 == gid { print $1; exit }' /etc/group)
  if [ -z "$group" ]; then
    group=docker-host
    echo "$group:x:$gid:" >> /etc/group
  fi
  awk -F: -v OFS=: -v g="$group" -v u="$BERTH_USER" '
    $1 == g { n = split($4, members, ","); found = 0
              for (i = 1; i <= n; i++) if (members[i] == u) found = 1
              if (!found) $4 = ($4 == "" ? u : $4 "," u) }
    { print }' /etc/group > /etc/group.berth
  cat /etc/group.berth > /etc/group && rm -f /etc/group.berth
}

if [ "$(id -u)" = 0 ]; then
  [ -S "$SOCKET" ] && join_socket_group
  chown "$BERTH_USER:" /data 2>/dev/null || true
  exec setpriv --reuid="$BERTH_USER" --regid="$BERTH_USER" --init-groups "$0" "$@"
fi

python3 /app/manage.py migrate --noinput
python3 /app/manage.py ensure_admin
exec "$@"
