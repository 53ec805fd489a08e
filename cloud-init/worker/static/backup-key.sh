#!/bin/bash
# supafleet worker bootstrap, before enrollment: the worker's own SSH key for its
# Storage Box sub-account. Makes an ed25519 key that never leaves this server, and
# writes its public half to the sub-account's .ssh/authorized_keys over SFTP on port 23,
# logging in once with the one-time password from backup-account.json (Hetzner: "Each
# sub-account requires its own authorized_keys file in the sub-account's directory").
# Apply replaces that password with one nobody keeps once the worker is healthy.
# Then it checks the key alone logs in, writes user@host to backup-target for
# backup.sh, and removes the password. A failure is logged, not fatal: enrollment goes
# on, and every backup reports the sub-account unreachable until the key is there.
set -uo pipefail
umask 077
root=${SUPAFLEET_ROOT:-}
etc="$root/etc/supafleet"
account="$etc/backup-account.json"
exec >>"$root/var/log/supafleet-bootstrap.log" 2>&1
phase() { printf '%s supafleet-backup-key: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }

[ -f "$account" ] || exit 0
target=$(jq -r .target "$account")
uid=$(jq -r .agent_uid "$account")
if ! [[ $target =~ ^[a-z0-9][a-z0-9-]*@[a-z0-9][a-z0-9.-]*$ ]] || ! [[ $uid =~ ^[0-9]+$ ]]; then
  phase "backup-account.json holds no user@host and agent uid; no backup key installed"
  rm -f "$account"
  exit 0
fi

key="$etc/backup.key"
pass="$etc/.backup-password"
askpass="$etc/.backup-askpass"
trap 'rm -f "$pass" "$askpass" "$account"' EXIT
if [ ! -s "$key" ]; then
  rm -f "$key" "$key.pub"
  ssh-keygen -q -t ed25519 -N '' -C "supafleet-backup" -f "$key" || {
    phase "ssh-keygen failed"
    exit 0
  }
fi
jq -j .password "$account" >"$pass"
printf '#!/bin/sh\ncat %s\n' "$pass" >"$askpass"
chmod 0700 "$askpass"

known_hosts="$root/opt/supafleet/.ssh_known_hosts"
ssh_opts=(-P 23 -o ConnectTimeout=20 -o StrictHostKeyChecking=accept-new -o "UserKnownHostsFile=$known_hosts")
installed=""
for attempt in 1 2 3 4 5; do
  # Commands on stdin, not -b: batch mode turns password logins off.
  printf -- '-mkdir .ssh\nput %s .ssh/authorized_keys\nchmod 600 .ssh/authorized_keys\n' "$key.pub" |
    SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force sftp "${ssh_opts[@]}" \
      -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
      -o NumberOfPasswordPrompts=1 "$target" >/dev/null 2>&1
  if printf 'ls .ssh/authorized_keys\n' |
    sftp -b - "${ssh_opts[@]}" -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes "$target" >/dev/null 2>&1; then
    installed=yes
    break
  fi
  phase "attempt $attempt to install the backup key at $target failed; retrying"
  sleep 10
done

printf '%s\n' "$target" >"$etc/backup-target"
chmod 0644 "$etc/backup-target"
# The agent (uid) runs the backups: it needs the key, and the box's host key learnt here, which
# its ssh would otherwise not read and silently replace with whatever answers.
chown "$uid:$uid" "$key" "$key.pub"
[ ! -f "$known_hosts" ] || chown "$uid:$uid" "$known_hosts"
if [ -n "$installed" ]; then
  phase "backup key installed for $target"
else
  phase "could not install the backup key at $target; backups fail until .ssh/authorized_keys of that sub-account holds $key.pub"
fi
exit 0
