#!/bin/bash
# supafleet master backup (cron): makes sure backup/restic-password holds the
# password derived from the fleet seal key (supafleet-master-backup-password),
# then runs the shared backup.sh. (A master waiting for its restore has no cron
# job yet, and with its database down backup.sh refuses to make a snapshot.)
set -euo pipefail
umask 077
root=${SUPAFLEET_ROOT:-}
dir="$root/opt/supafleet-master"
file="$dir/backup/restic-password"
if [ ! -s "$file" ]; then
  "$root/usr/local/sbin/supafleet-master-backup-password" >"$file.tmp" || {
    rm -f "$file.tmp"
    exit 1
  }
  mv "$file.tmp" "$file"
fi
exec "$dir/backup/backup.sh"
