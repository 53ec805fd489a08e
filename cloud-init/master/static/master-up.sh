#!/bin/bash
# supafleet master bootstrap, part 2: generates the master's own secrets (once),
# its WireGuard key and the first admin login, then brings up wg0 and the stack.
# Nothing secret comes from user_data; names and sizes come from secrets.json.
# A master rebuilt to be restored (master.json "restore": true) stops after the
# hardening and waits for supafleet-master-restore, which puts the old secrets,
# keys and databases back and then runs this script again.
set -euo pipefail
umask 077
root=${SUPAFLEET_ROOT:-}
dir="$root/opt/supafleet-master"
etc="$root/etc/supafleet"
exec >>"$root/var/log/supafleet-bootstrap.log" 2>&1
phase() { printf '%s supafleet-master: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }
trap 'phase "failed at line $LINENO"' ERR

if [ "$(jq -r '.restore // false' "$etc/master.json")" = true ] && [ ! -e "$etc/restored.json" ]; then
  phase "restore pending: install /etc/supafleet/fleet-seal.key and /etc/supafleet/backup.key, then run sudo supafleet-master-restore"
  exit 0
fi

# The master API runs as the image's node user (uid 1000): it alone reads the fleet file
# user_data wrote as root's, and the seal key it opens sealed values with (a key restored
# from a backup or installed as root's is handed over).
chown 1000:1000 "$etc/fleet.yaml"
chmod 0400 "$etc/fleet.yaml"
if [ -e "$etc/fleet-seal.key" ]; then
  chown 1000:1000 "$etc/fleet-seal.key"
  chmod 0400 "$etc/fleet-seal.key"
fi

phase "secrets"
if [ ! -s "$dir/.env" ]; then
  while IFS=$'\t' read -r name bytes encoding; do
    if ! [[ $name =~ ^[A-Z_][A-Z0-9_]*$ && $bytes =~ ^[0-9]{1,3}$ && $encoding =~ ^(hex|base64)$ ]]; then
      phase "refusing secret spec"
      exit 1
    fi
    printf "%s='%s'\n" "$name" "$(openssl rand "-$encoding" "$bytes" | tr -d '\n')"
  done < <(jq -r '.[] | @tsv' "$etc/secrets.json") >"$dir/.env.tmp"
  mv "$dir/.env.tmp" "$dir/.env"
fi

phase "admin login"
# No secret ever goes on a command line (argv is world-readable in ps): Authelia
# makes up the password itself (--random) and Caddy reads it from stdin. Authelia
# prints it: --log-driver none keeps it out of Docker's logs (and so Vector's).
images="$etc/images.json"
password_file="$root/root/supafleet-admin-password"
if [ "$(jq -r .authelia "$etc/master.json")" = true ]; then
  if [ ! -s "$dir/authelia/users.yml" ]; then
    out=$(docker run --rm --log-driver none "$(jq -r .authelia "$images")" authelia crypto hash generate bcrypt --cost 12 \
      --random --random.length 32)
    password=$(sed -n 's/^Random Password: //p' <<<"$out")
    hash=$(sed -n 's/^Digest: //p' <<<"$out")
    if [ -z "$password" ] || [ -z "$hash" ]; then
      phase "authelia did not print a password and its digest"
      exit 1
    fi
    printf '%s' "$password" >"$password_file"
    printf 'users:\n  admin:\n    displayname: Admin\n    email: admin@%s\n    password: "%s"\n' \
      "$(jq -r .domain "$etc/master.json")" "$hash" >"$dir/authelia/users.yml"
  fi
elif ! grep -q '^DASHBOARD_PASSWORD_HASH=' "$dir/.env"; then
  [ -s "$password_file" ] || openssl rand -base64 24 | tr -d '\n' >"$password_file"
  hash=$({ cat "$password_file"; echo; } | docker run --rm -i "$(jq -r .caddy "$images")" caddy hash-password)
  printf "DASHBOARD_PASSWORD_HASH='%s'\n" "$hash" >>"$dir/.env"
fi

# The master API reads its encryption key from a file, not from its environment
# (a container's env is readable by anything that can inspect it). node (uid 1000)
# in the master image reads it.
install -d -m 0700 -o 1000 -g 1000 "$dir/secrets"
key=$(sed -n "s/^SUPAFLEET_SECRETS_KEY='\(.*\)'$/\1/p" "$dir/.env")
if [ -z "$key" ]; then
  phase "SUPAFLEET_SECRETS_KEY is missing from .env"
  exit 1
fi
printf '%s\n' "$key" >"$dir/secrets/secrets-key.tmp"
chown 1000:1000 "$dir/secrets/secrets-key.tmp"
chmod 0400 "$dir/secrets/secrets-key.tmp"
mv "$dir/secrets/secrets-key.tmp" "$dir/secrets/secrets-key"

phase "wireguard"
[ -s "$root/etc/wireguard/wg0.key" ] || wg genkey >"$root/etc/wireguard/wg0.key"
wg pubkey <"$root/etc/wireguard/wg0.key" >"$etc/wg0.pub"
# The master API (uid 1000) keeps the peers it adds live in a directory of its own, where it
# replaces the file atomically; the file must exist (empty) before the API starts. A peers
# file beside wg0.conf (an earlier layout, or a snapshot of one) moves in.
peers="$root/etc/wireguard/supafleet"
install -d -m 0700 -o 1000 -g 1000 "$peers"
if [ -e "$root/etc/wireguard/peers.conf" ] && [ ! -e "$peers/peers.conf" ]; then
  mv "$root/etc/wireguard/peers.conf" "$peers/peers.conf"
fi
[ -e "$peers/peers.conf" ] || install -m 0600 /dev/null "$peers/peers.conf"
chown 1000:1000 "$peers/peers.conf"
install -d -m 0755 "$root/etc/systemd/system/docker.service.d"
printf '[Unit]\nAfter=wg-quick@wg0.service\nWants=wg-quick@wg0.service\n' >"$root/etc/systemd/system/docker.service.d/10-supafleet-wg.conf"
systemctl daemon-reload
systemctl enable --now wg-quick@wg0

phase "stack"
# Project Studios run on their own network, started by the master API (docs/studio.md);
# inter-container traffic is off there, so no project's Studio reaches another's.
docker network inspect supafleet-studio >/dev/null 2>&1 ||
  docker network create -o com.docker.network.bridge.enable_icc=false supafleet-studio >/dev/null
docker compose -p supafleet-master --project-directory "$dir" -f "$dir/docker-compose.yml" up -d
install -m 0644 "$dir/backup/crontab" "$root/etc/cron.d/supafleet-master-backup"
phase "done"
