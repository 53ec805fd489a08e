#!/bin/bash
# supafleet worker bootstrap, part 2: enrollment. Generates this worker's WireGuard
# and seal keypairs, presents the single-use token to the master over HTTPS, writes
# wg0.conf and the agent config from the answer (each field checked first), brings
# up wg0 and starts the agent. Settings come from enroll.json (read with jq).
set -euo pipefail
umask 077
root=${SUPAFLEET_ROOT:-}
etc="$root/etc/supafleet"
enroll="$etc/enroll.json"
answer="$etc/enroll-answer.json"
exec >>"$root/var/log/supafleet-bootstrap.log" 2>&1
phase() { printf '%s supafleet-enroll: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }
trap 'phase "failed at line $LINENO"' ERR

install -d -m 0700 "$etc" "$root/etc/wireguard" "$root/opt/supafleet"
if [ ! -s "$etc/agent.json" ]; then
  phase "keys"
  [ -s "$root/etc/wireguard/wg0.key" ] || wg genkey >"$root/etc/wireguard/wg0.key"
  [ -s "$etc/seal.key" ] || wg genkey >"$etc/seal.key"
  request=$(jq -c --arg wg "$(wg pubkey <"$root/etc/wireguard/wg0.key")" --arg seal "$(wg pubkey <"$etc/seal.key")" \
    '{token: .token, wg_public_key: $wg, seal_public_key: $seal}' "$enroll")
  url="$(jq -r .master_url "$enroll")/v1/enroll"

  phase "enroll"
  enrolled=""
  for attempt in $(seq 1 30); do
    if curl -fsS --max-time 30 -H 'Content-Type: application/json' --data-binary @- -o "$answer" "$url" <<<"$request"; then
      enrolled=yes
      break
    fi
    phase "attempt $attempt failed; retrying"
    sleep 10
  done
  if [ -z "$enrolled" ]; then
    phase "enrollment failed"
    exit 1
  fi

  # Every value from the answer lands in a config file: check its shape first.
  ip='[0-9]{1,3}(\.[0-9]{1,3}){3}'
  if ! jq -e --slurpfile e "$enroll" --arg ip "$ip" '
      (.wg.address | test("^" + $ip + "/[0-9]{1,2}$"))
      and (.wg.allowed_ips | test("^" + $ip + "/[0-9]{1,2}$"))
      and (.wg.master_endpoint | test("^[A-Za-z0-9.-]+:[0-9]{1,5}$"))
      and (.wg.master_public_key == $e[0].master_wg_public_key)
      and (.wg.persistent_keepalive | type == "number" and . >= 1 and . <= 600)
      and (.agent.master_url | test("^http://" + $ip + ":[0-9]{1,5}$"))
      and (.agent.listen | test("^" + $ip + ":[0-9]{1,5}$"))
      and (.agent.token | test("^[A-Za-z0-9_.~+/=-]{16,512}$"))
      and (.agent.command_key | test("^[A-Za-z0-9_-]{16,128}$"))
      and (.project | test("^[a-z][a-z0-9-]{1,31}$"))' "$answer" >/dev/null; then
    phase "the master's answer is not valid"
    exit 1
  fi

  phase "wireguard"
  # What arrives on wg0 is for this worker's wg address or for nothing: the raw-table
  # drop keeps whatever comes through the tunnel off the containers' bridge addresses
  # (Docker before 28 forwards packets routed straight to a container, whatever
  # address its port is published on).
  jq -r '(.wg.address | split("/")[0]) as $self
    | "PREROUTING -i %i ! -d \($self)/32 -j DROP" as $onlyToSelf
    | "[Interface]",
    "Address = \(.wg.address)",
    "PostUp = wg set %i private-key /etc/wireguard/wg0.key",
    "PostUp = iptables -w -t raw -I \($onlyToSelf)",
    "PostDown = iptables -w -t raw -D \($onlyToSelf)",
    "",
    "[Peer]",
    "PublicKey = \(.wg.master_public_key)",
    "Endpoint = \(.wg.master_endpoint)",
    "AllowedIPs = \(.wg.allowed_ips)",
    "PersistentKeepalive = \(.wg.persistent_keepalive)"' "$answer" >"$root/etc/wireguard/wg0.conf"
  jq '{project: .project, master_url: .agent.master_url, token: .agent.token, listen: .agent.listen,
      command_key: .agent.command_key, seal_private_key_file: "/etc/supafleet/seal.key",
      state_dir: "/opt/supafleet", wg_interface: "wg0"}' "$answer" >"$etc/agent.json.tmp"
  mv "$etc/agent.json.tmp" "$etc/agent.json"
  # The token is spent; keep nothing of it.
  jq 'del(.token)' "$enroll" >"$enroll.tmp" && mv "$enroll.tmp" "$enroll"
  rm -f "$answer"
fi

phase "start"
# The agent runs as a non-root user: it gets its config, its seal key and the state directory.
uid=$(jq -r .agent_uid "$enroll")
if ! [[ $uid =~ ^[0-9]{1,6}$ ]]; then
  phase "refusing agent_uid"
  exit 1
fi
chown "$uid:$uid" "$etc/agent.json" "$etc/seal.key" "$root/opt/supafleet"
# It cannot ask WireGuard itself; the host writes the handshake times for it every minute.
hs="/opt/supafleet/wg-latest-handshakes"
printf '%s\n' 'SHELL=/bin/sh' "* * * * * root wg show wg0 latest-handshakes >$hs.tmp && mv $hs.tmp $hs" \
  >"$root/etc/cron.d/supafleet-wg"
# Containers publish on the wg address, so Docker must start after wg0.
install -d -m 0755 "$root/etc/systemd/system/docker.service.d"
printf '[Unit]\nAfter=wg-quick@wg0.service\nWants=wg-quick@wg0.service\n' >"$root/etc/systemd/system/docker.service.d/10-supafleet-wg.conf"
systemctl daemon-reload
systemctl enable --now wg-quick@wg0
docker compose -p supafleet --project-directory "$root/opt/supafleet" -f "$etc/agent-compose.yml" up -d
phase "done"
