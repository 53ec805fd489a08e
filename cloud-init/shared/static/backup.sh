#!/bin/bash
# supafleet backup (workers and the master): database dumps and the paths listed
# in backup.json, to restic on the Storage Box, then retention from backup.json
# where it says prune (the master; a worker's sub-account only adds snapshots, and
# retention of its repository runs from the Storage Box's main account).
# Settings come from backup.json beside this script (read with jq); the status
# file is written with jq so it is always valid JSON, on failure too.
set -uo pipefail
umask 077

dir=$(cd "$(dirname "$0")" && pwd)
conf="$dir/backup.json"
# Relative paths in backup.json are relative to the bundle (the parent of backup/).
bundle=$(dirname "$dir")
state=$(jq -r .state_dir "$conf")
status_file=${BACKUP_STATUS_FILE:-$state/backup-status.json}
started=$(date +%s)
error=""
snapshot=""

exec 9>"$state/backup.lock"
if ! flock -n 9; then
  echo "supafleet-backup: another backup is running" >&2
  exit 75
fi

# Dumps are staged at a stable path, so every snapshot holds them at
# <state_dir>/backup-staging/<name>.sql.gz, where a restore finds them.
work="$state/backup-staging"
rm -rf "$work"
install -d -m 0700 "$work"
trap 'rm -rf "$work"' EXIT

record() {
  # Keeps the first error: later steps often fail because of it.
  [ -n "$error" ] || error=$1
  echo "supafleet-backup: $1" >&2
}

# A worker's Storage Box sub-account (user@host) is written at first boot to the file
# target_file names; {target} in repository and sftp_command stands for it.
target=""
target_file=$(jq -r '.target_file // empty' "$conf")
if [ -n "$target_file" ]; then
  target=$(head -n 1 "$target_file" 2>/dev/null) || target=""
  if ! [[ $target =~ ^[a-z0-9][a-z0-9-]*@[a-z0-9][a-z0-9.-]*$ ]]; then
    record "backup target $target_file is missing or not user@host"
    target=""
  fi
fi
RESTIC_REPOSITORY=$(jq -r .repository "$conf")
RESTIC_REPOSITORY=${RESTIC_REPOSITORY//\{target\}/$target}
RESTIC_PASSWORD_FILE="$dir/restic-password"
RESTIC_CACHE_DIR="$state/.restic-cache"
export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE RESTIC_CACHE_DIR
sftp_command=$(jq -r .sftp_command "$conf")
sftp_command=${sftp_command//\{target\}/$target}
tag=$(jq -r .tag "$conf")
prune=$(jq -r 'if .prune == false then "no" else "yes" end' "$conf")
restic_opts=()
case $RESTIC_REPOSITORY in
  sftp:*) restic_opts=(-o "sftp.command=$sftp_command") ;;
esac

if [ -z "$error" ]; then
  restic "${restic_opts[@]}" cat config >/dev/null 2>"$work/restic.err"
  rc=$?
  # restic 0.17+ exits 10 when there is no repository yet; older versions exit 1 and say so.
  if [ "$rc" -eq 10 ] || { [ "$rc" -eq 1 ] && grep -q 'Is there a repository at the following location' "$work/restic.err"; }; then
    restic "${restic_opts[@]}" init || record "restic init failed"
  elif [ "$rc" -ne 0 ]; then
    record "restic repository not reachable (exit $rc)"
  fi
fi

size=""
paths=()
while IFS= read -r dump; do
  [ -z "$error" ] || break
  name=$(jq -r .name <<<"$dump")
  container=$(jq -r .container <<<"$dump")
  mapfile -t command < <(jq -r '.command[]' <<<"$dump")
  # </dev/null: docker exec -i would otherwise swallow the rest of this loop's input.
  docker exec -i "$container" "${command[@]}" </dev/null | gzip >"$work/$name.sql.gz"
  statuses=("${PIPESTATUS[@]}")
  if [ "${statuses[0]}" -ne 0 ] || [ "${statuses[1]}" -ne 0 ]; then
    record "database dump $name failed"
  fi
  size=$((${size:-0} + $(stat -c %s "$work/$name.sql.gz")))
  paths+=("$work/$name.sql.gz")
done < <(jq -c '.dumps[]' "$conf")

if [ -z "$error" ]; then
  while IFS= read -r p; do
    case $p in
      /*) [ -e "$p" ] && paths+=("$p") ;;
      *) [ -e "$bundle/$p" ] && paths+=("$bundle/$p") ;;
    esac
  done < <(jq -r '.paths[]' "$conf")
  if restic "${restic_opts[@]}" backup --json --tag supafleet --tag "$tag" "${paths[@]}" >"$work/restic-backup.json"; then
    snapshot=$(jq -r 'select(.message_type == "summary") | .snapshot_id' "$work/restic-backup.json" | tail -n 1)
  else
    record "restic backup failed"
  fi
fi

if [ -z "$error" ] && [ "$prune" = yes ]; then
  mapfile -t keep < <(jq -r '.keep | "--keep-daily", .daily, "--keep-weekly", .weekly, "--keep-monthly", .monthly' "$conf")
  restic "${restic_opts[@]}" forget "${keep[@]}" --prune || record "restic forget failed"
fi

finished=$(date +%s)
jq -n \
  --arg error "$error" \
  --arg snapshot "$snapshot" \
  --arg size "$size" \
  --arg finished "$(date -u -d "@$finished" +%Y-%m-%dT%H:%M:%SZ)" \
  --argjson duration "$((finished - started))" \
  '{success: ($error == ""), finished_at: $finished, duration_s: $duration,
    snapshot_id: (if $snapshot == "" then null else $snapshot end),
    size_bytes: (if $size == "" then null else ($size | tonumber) end),
    error: (if $error == "" then null else $error end)}' >"$status_file.tmp" &&
  mv "$status_file.tmp" "$status_file"

ping=$(jq -r '.healthcheck_url // empty' "$conf")
if [ -n "$ping" ]; then
  [ -z "$error" ] || ping="$ping/fail"
  curl -fsS --max-time 10 --retry 3 -o /dev/null "$ping" || echo "supafleet-backup: healthcheck ping failed" >&2
fi

[ -z "$error" ]
