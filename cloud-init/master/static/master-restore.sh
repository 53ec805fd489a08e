#!/bin/bash
# supafleet master restore: brings a master back from its own restic backup on the
# Storage Box. The operator runs it over SSH on a master rebuilt in restore mode
# (sudo supafleet-master-restore [--snapshot ID]), after installing the fleet seal
# private key and the Storage Box key. Every step prints a phase line; a failure
# names the step. Nothing is replaced before the whole snapshot is restored to a
# staging directory on the same disk, where the freshly rendered files (backup.json
# "rendered") replace the snapshot's copies; the files the snapshot replaces are moved
# aside (and moved back when putting the snapshot's files in place fails).
set -euo pipefail
umask 077
root=${SUPAFLEET_ROOT:-}
dir="$root/opt/supafleet-master"
etc="$root/etc/supafleet"
conf="$dir/backup/backup.json"
step=arguments
# Appended to every failure: what state the master is in at that point.
after=" Nothing was changed."
say() { echo "supafleet-restore: $1"; }
phase() {
  step=$1
  say "$(date -u +%Y-%m-%dT%H:%M:%SZ) $1"
}
fail() {
  say "$step failed: $1.$after" >&2
  exit 1
}
trap 'say "$step failed (line $LINENO).$after" >&2' ERR

snapshot=""
if [ $# -eq 2 ] && [ "$1" = --snapshot ]; then
  snapshot=$2
elif [ $# -ne 0 ]; then
  fail "usage: supafleet-master-restore [--snapshot ID]"
fi
[ -s "$conf" ] || fail "$conf is missing"

phase keys
# The seal key is the master API's (uid 1000) alone; the Storage Box key root's.
for key in fleet-seal.key backup.key; do
  how='install -m 0600'
  [ "$key" = fleet-seal.key ] && how='install -o 1000 -g 1000 -m 0400'
  [ -s "$etc/$key" ] ||
    fail "$etc/$key is missing; install it: ssh <user>@<master> 'sudo $how /dev/stdin /etc/supafleet/$key' <$key"
done
state=$(jq -r .state_dir "$conf")
work="$state/restore"
install -d -m 0700 "$work"
rm -rf "$work/files"
trap 'rm -rf "$work/files" "$work/password"' EXIT

phase password
"$root/usr/local/sbin/supafleet-master-backup-password" >"$work/password" || fail "see the message above"
RESTIC_REPOSITORY=$(jq -r .repository "$conf")
RESTIC_PASSWORD_FILE="$work/password"
RESTIC_CACHE_DIR="$state/.restic-cache"
export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE RESTIC_CACHE_DIR
opts=()
case $RESTIC_REPOSITORY in
  sftp:*) opts=(-o "sftp.command=$(jq -r .sftp_command "$conf")") ;;
esac
tag=$(jq -r .tag "$conf")

phase snapshots
rc=0
restic "${opts[@]}" snapshots --json --tag "$tag" >"$work/snapshots.json" 2>"$work/restic.log" || rc=$?
# restic 0.17+ exits 12 for a wrong password; older versions exit 1 and say so.
if [ "$rc" -eq 12 ] || { [ "$rc" -ne 0 ] && grep -q 'wrong password' "$work/restic.log"; }; then
  fail "the password derived from $etc/fleet-seal.key does not open $RESTIC_REPOSITORY (restic exit $rc); install the seal private key of this fleet"
elif [ "$rc" -ne 0 ]; then
  fail "restic exit $rc: $(tail -n 3 "$work/restic.log" | tr '\n' ' ')"
fi
count=$(jq length "$work/snapshots.json")
[ "$count" -gt 0 ] || fail "$RESTIC_REPOSITORY has no snapshot tagged $tag, nothing to restore"
pick=$(jq -c --arg id "$snapshot" 'sort_by(.time) | map(select(.id | startswith($id))) |
  if $id == "" then last elif length == 1 then .[0] else empty end' "$work/snapshots.json")
[ -n "$pick" ] || fail "--snapshot $snapshot is not exactly one of the $count snapshots tagged $tag"
id=$(jq -r .id <<<"$pick")
when=$(jq -r '.time | sub("\\.[0-9]+"; "")' <<<"$pick")
pos=latest
[ -z "$snapshot" ] || pos=chosen
say "snapshot ${id:0:8} taken $when ($pos of $count tagged $tag)"

phase "restore to staging"
restic "${opts[@]}" restore "$id" --target "$work/files" >"$work/restic.log" 2>&1 ||
  fail "see $work/restic.log"
for name in $(jq -r '.dumps[].name' "$conf"); do
  [ -s "$work/files$state/backup-staging/$name.sql.gz" ] || fail "snapshot ${id:0:8} has no dump $name"
done
# The files this master's user_data just rendered (the fleet file, the compose file, ...)
# win over the snapshot's copies: a change to the fleet made since the backup reaches
# the restored master. Everything else the snapshot holds comes back as it was.
while read -r f; do
  [ -e "$f" ] || continue
  mkdir -p "$(dirname "$work/files$f")"
  cp -p "$f" "$work/files$f"
done < <(jq -r --arg d "$dir" '.rendered // [] | .[] | if startswith("/") then . else "\($d)/\(.)" end' "$conf")

phase stop
after=""
compose=(docker compose -p supafleet-master --project-directory "$dir" -f "$dir/docker-compose.yml")
if [ -n "$("${compose[@]}" ps -q 2>/dev/null || true)" ]; then "${compose[@]}" stop; fi
if systemctl is-active --quiet wg-quick@wg0; then systemctl stop wg-quick@wg0; fi

phase files
previous="$work/previous-$(date -u +%Y%m%dT%H%M%SZ)"
moved=()
put_back() {
  local t
  while read -r t; do
    [ -e "$work/files$t" ] || continue
    # The two keys the operator just installed win over the snapshot's copies.
    if [ "$t" = "$etc" ]; then cp -p "$etc/fleet-seal.key" "$etc/backup.key" "$work/files$t/" || return 1; fi
    mkdir -p "$(dirname "$previous$t")" "$(dirname "$t")" || return 1
    if [ -e "$t" ]; then mv "$t" "$previous$t" || return 1; fi
    moved=("$t" "${moved[@]}")
    mv "$work/files$t" "$t" || return 1
    say "restored $t"
  done < <(jq -r --arg d "$dir" '.paths[] | if startswith("/") then . else "\($d)/\(.)" end' "$conf")
}
if ! put_back; then
  for t in "${moved[@]}"; do
    rm -rf "$t"
    if [ -e "$previous$t" ]; then mv "$previous$t" "$t"; fi
  done
  fail "the previous files are back in place"
fi
after=" The replaced files are in $previous"

phase database
db=$(jq -r '.dumps[0].container' "$conf")
"${compose[@]}" up -d db
# As the compose health check: TCP only answers once the image's init scripts are
# done, and the image trusts loopback TCP (its socket wants supabase_admin's password).
for ((i = 0; ; i++)); do
  docker exec "$db" pg_isready -q -h 127.0.0.1 -U postgres && break
  [ "$i" -lt 90 ] || fail "no connection within 180 s (docker logs $db)"
  sleep 2
done
# Each database is recreated as init.sql makes it, then loaded from its dump.
while IFS=$'\t' read -r name container database owner <&4; do
  sql=(docker exec -i "$container" psql -h 127.0.0.1 -U supabase_admin -v ON_ERROR_STOP=1 -q)
  if ! {
    "${sql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
      -c "CREATE DATABASE $database OWNER $owner" -c "REVOKE ALL ON DATABASE $database FROM PUBLIC" </dev/null &&
      gunzip -c "$work/files$state/backup-staging/$name.sql.gz" | "${sql[@]}" -d "$database"
  } >/dev/null 2>"$work/psql.log"; then
    fail "dump $name into database $database: $(grep -m 1 ERROR "$work/psql.log") (log: $work/psql.log)"
  fi
  say "loaded dump $name into database $database (owner $owner)"
done 4< <(jq -r '.dumps[] | [.name, .container, .database, .owner] | @tsv' "$conf")

phase marker
jq -n --arg id "$id" --arg time "$when" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  '{snapshot_id: $id, snapshot_time: $time, restored_at: $at}' >"$etc/restored.json"

phase start
"$root/usr/local/sbin/supafleet-master-up" ||
  fail "see /var/log/supafleet-bootstrap.log, then run sudo supafleet-master-up again"
rm -rf "$previous" "$work"/*.json "$work"/*.log
phase "done: snapshot ${id:0:8} taken $when is restored, wg0 and the stack are starting"
