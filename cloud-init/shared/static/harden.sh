#!/bin/bash
# supafleet host bootstrap, part 1: hardening, swap, firewall, fail2ban,
# unattended upgrades, and Docker from its pinned apt repository.
# Run once by cloud-init; every setting comes from host.json (read with jq).
set -euo pipefail
umask 022
root=${SUPAFLEET_ROOT:-}
host="$root/etc/supafleet/host.json"
log="$root/var/log/supafleet-bootstrap.log"
exec >>"$log" 2>&1
phase() { printf '%s supafleet-harden: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }
trap 'phase "failed at line $LINENO"' ERR
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y "$@"; }

phase "ssh"
user=$(jq -r .ssh_user "$host")
if ! [[ $user =~ ^[a-z_][a-z0-9_-]{0,31}$ ]]; then
  phase "refusing ssh_user: not a POSIX user name"
  exit 1
fi
# 00- sorts before 50-cloud-init.conf, and sshd keeps the first value it reads.
{
  cat <<'CONF'
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
X11Forwarding no
AllowTcpForwarding no
ClientAliveInterval 300
ClientAliveCountMax 2
MaxAuthTries 3
MaxSessions 3
LoginGraceTime 30
CONF
  printf 'AllowUsers %s\n' "$user"
} >"$root/etc/ssh/sshd_config.d/00-supafleet.conf"
sshd -t
systemctl reload ssh || systemctl reload sshd

phase "swap"
swap_mb=$(jq -r .swap_mb "$host")
if [ ! -f "$root/swapfile" ]; then
  fallocate -l "${swap_mb}M" "$root/swapfile"
  chmod 600 "$root/swapfile"
  mkswap "$root/swapfile"
  swapon "$root/swapfile"
  echo '/swapfile none swap sw 0 0' >>"$root/etc/fstab"
fi
jq -r '.sysctl | to_entries[] | "\(.key) = \(.value)"' "$host" >"$root/etc/sysctl.d/90-supafleet.conf"
sysctl --system >/dev/null
# I/O scheduler "none" on SSDs.
echo 'ACTION=="add|change", KERNEL=="sd[a-z]|vd[a-z]|nvme[0-9]n[0-9]", ATTR{queue/rotational}=="0", ATTR{queue/scheduler}="none"' \
  >"$root/etc/udev/rules.d/60-supafleet-scheduler.rules"
udevadm trigger --subsystem-match=block --action=change || true

phase "firewall"
ufw --force reset >/dev/null
ufw default deny incoming
ufw default allow outgoing
while IFS=$'\t' read -r action port proto from; do
  args=("$action" from "$from" to any)
  [ "$port" = any ] || args+=(port "$port")
  [ "$proto" = any ] || args+=(proto "$proto")
  ufw "${args[@]}"
done < <(jq -r '.ufw[] | [.action, .port, .proto, .from] | @tsv' "$host")
ufw --force enable

phase "fail2ban and unattended upgrades"
cat >"$root/etc/fail2ban/jail.local" <<'CONF'
[DEFAULT]
bantime = 3600
findtime = 600
maxretry = 5
backend = systemd
banaction = ufw

[sshd]
enabled = true
CONF
cat >"$root/etc/apt/apt.conf.d/52supafleet-unattended" <<'CONF'
Unattended-Upgrade::Origins-Pattern {
  "origin=Debian,codename=${distro_codename},label=Debian-Security";
  "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";
};
Unattended-Upgrade::Remove-Unused-Kernel-Packages "true";
Unattended-Upgrade::Remove-Unused-Dependencies "true";
Unattended-Upgrade::Automatic-Reboot "false";
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
CONF
cat >"$root/etc/logrotate.d/supafleet" <<'CONF'
/var/log/supafleet-*.log {
  weekly
  rotate 8
  compress
  missingok
  notifempty
}
CONF
systemctl enable fail2ban unattended-upgrades
systemctl restart fail2ban unattended-upgrades

phase "docker"
install -d -m 0755 "$root/etc/apt/keyrings" "$root/etc/docker"
echo '{"live-restore":true,"log-driver":"json-file","log-opts":{"max-file":"3","max-size":"10m"},"no-new-privileges":true,"userland-proxy":false}' \
  >"$root/etc/docker/daemon.json"
key=$(mktemp)
curl -fsSL --retry 5 --max-time 60 -o "$key" "$(jq -r .docker.url "$host")/gpg"
fingerprint=$(gpg --show-keys --with-colons "$key" | awk -F: '$1 == "fpr" { print $10; exit }')
if [ "$fingerprint" != "$(jq -r .docker.fingerprint "$host")" ]; then
  phase "Docker's apt key has an unexpected fingerprint"
  exit 1
fi
gpg --dearmor <"$key" >"$root/etc/apt/keyrings/docker.gpg"
rm -f "$key"
jq -r .docker.source "$host" >"$root/etc/apt/sources.list.d/docker.list"
apt_get update
mapfile -t packages < <(jq -r '.docker.packages[]' "$host")
apt_get install --no-install-recommends "${packages[@]}"
apt-mark hold "${packages[@]%%=*}"
systemctl enable --now docker
phase "done"
