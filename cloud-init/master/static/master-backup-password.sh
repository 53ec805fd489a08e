#!/bin/bash
# Prints the restic password of the master's own backups, derived from the fleet
# seal private key (cloud-init/master/backup-password.ts computes the same, and
# so does `supafleet master backup-password`): lowercase hex SHA-256 of
#   "supafleet master backup v1\n" <fleet name> "\n" <key file, surrounding whitespace trimmed>
# The key reaches bash through a pipe and sha256sum through its stdin: it is never
# a process argument and never printed.
set -euo pipefail
export LC_ALL=C
etc="${SUPAFLEET_ROOT:-}/etc/supafleet"
fleet=$(jq -r '.fleet // empty' "$etc/master.json")
key=$(cat "$etc/fleet-seal.key" 2>/dev/null || true)
key=${key#"${key%%[![:space:]]*}"}
key=${key%"${key##*[![:space:]]}"}
if ! [[ $fleet =~ ^[a-z][a-z0-9-]{1,30}[a-z0-9]$ && $key =~ ^[A-Za-z0-9+/]{43}=$ ]]; then
  echo "supafleet: $etc/fleet-seal.key is missing or not a seal private key (44 base64 characters), or master.json names no fleet" >&2
  exit 1
fi
printf 'supafleet master backup v1\n%s\n%s' "$fleet" "$key" | sha256sum | cut -d ' ' -f 1
