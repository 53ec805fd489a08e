#!/bin/bash
# Boots one lab worker inside its network namespace. `ip netns exec` gives this
# process a private mount namespace, so the mounts below are seen by this worker
# alone: /etc/hosts names the master, /etc/wireguard is the worker's own (wg0.conf's
# PostUp reads /etc/wireguard/wg0.key), and /var/run/wireguard is a private tmpfs so
# every worker's interface can be called wg0 as the enrollment script names it.
# Then the steps from user_data's runcmd (written by the lab into runcmd/, the
# skipped ones already listed in lab.log), then the agent replaces this shell.
set -euo pipefail
root=$LAB_ROOT
dir=$LAB_DIR
note() { printf '%s lab: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" >>"$dir/lab.log"; }
trap 'note "boot failed at line $LINENO"' ERR

mount --bind "$LAB_HOSTS" /etc/hosts
mkdir -p /var/run/wireguard /etc/wireguard
mount -t tmpfs -o mode=0755 tmpfs /var/run/wireguard
install -d -m 0700 "$root/etc/wireguard"
mount --bind "$root/etc/wireguard" /etc/wireguard
note "private mounts: /etc/hosts, /etc/wireguard ($root/etc/wireguard), tmpfs /var/run/wireguard"

export PATH="$dir/bin:$PATH" SUPAFLEET_ROOT="$root" WG_QUICK_USERSPACE_IMPLEMENTATION="$dir/bin/lab-wireguard-go"
for step in "$dir"/runcmd/*.sh; do
  note "runcmd: $(head -n 1 "$step" | sed 's/^# //')"
  bash "$step"
done

# The agent reads its config as enrollment wrote it, with the two absolute paths
# (seal key, state directory) moved under this worker's root, and a heartbeat every
# 5 s instead of 30 s so the lab's stories do not wait on it.
jq --arg r "$root" '.seal_private_key_file = $r + .seal_private_key_file | .state_dir = $r + .state_dir | .heartbeat_interval_s = 5' \
  "$root/etc/supafleet/agent.json" >"$root/etc/supafleet/agent.lab.json"
chmod 0600 "$root/etc/supafleet/agent.lab.json"
note "agent: $LAB_NODE $LAB_AGENT --runtime process (config agent.json with seal_private_key_file and state_dir under $root, heartbeat every 5 s)"
exec "$LAB_NODE" "$LAB_AGENT" --runtime process "$root/etc/supafleet/agent.lab.json"
