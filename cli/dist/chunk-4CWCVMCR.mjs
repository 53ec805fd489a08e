import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{a as j,b as oe,c as ae,e as ie}from"./chunk-GLPFNH2V.mjs";import{a as J,b as Z,d as V}from"./chunk-KY2ALLM4.mjs";import{a as se,b as re}from"./chunk-HKJBW3YW.mjs";import{A as ee,B as te,C as ne,b as T,c as h,d as z,e as k,g as d,j as f,k as g,l as H,m as W,n as B,o as K,p as y,q as G,r as l,s as _,u as O,v as Y,w as m,x as X,y as x,z as Q}from"./chunk-4KRMP3VQ.mjs";import{a as A}from"./chunk-ZATO2YTC.mjs";import{b as N,c as R}from"./chunk-5ZDOLTRB.mjs";import"./chunk-6UECX5DS.mjs";import{a as M}from"./chunk-FTGM4D3Z.mjs";import{b as L}from"./chunk-QV36JT4Z.mjs";import"./chunk-VVCO2P3F.mjs";var i=(e,t)=>`PLACEHOLDER_${e}_`.padEnd(t,"x"),pe=e=>[Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url"),Buffer.from(JSON.stringify({role:e,iss:"supabase",placeholder:!0})).toString("base64url"),"PLACEHOLDER-NOT-A-SIGNATURE"].join(".");function ce(){return{jwt_secret:i("jwt",40),anon_key:pe("anon"),service_role_key:pe("service_role"),postgres_password:i("postgres",32),role_passwords:{authenticator:i("authenticator",32),supabase_auth_admin:i("auth",32),supabase_storage_admin:i("storage",32),supabase_functions_admin:i("functions",32),supabase_realtime_admin:i("realtime",32),pgbouncer:i("pgbouncer",32)},realtime_db_enc_key:i("enc",16),secret_key_base:i("keybase",64),vault_enc_key:i("vault",32),pg_meta_crypto_key:i("meta",32),logflare_api_key:i("logflare",32),restic_password:i("restic",48),s3_protocol_access_key_id:i("s3id",32),s3_protocol_access_key_secret:i("s3secret",64),agent_token:"PLACEHOLDER_agent_token_not_a_real_secret",command_key:"PLACEHOLDER_command_key_not_a_real_secret"}}function le(e){let t={};e.auth.smtp&&(t["auth.smtp.pass"]="PLACEHOLDER-smtp-password");for(let n of Object.keys(e.auth.external))t[`auth.external.${n}.secret`]=`PLACEHOLDER-${n}-secret`;for(let n of Object.keys(e.functions.secrets))t[`functions.secrets.${n}`]=`PLACEHOLDER-${n}`;return t}function de(e){return{token:"PLACEHOLDER_enrollment_token_minted_by_the_master",masterUrl:`https://fleet.${e}`,masterWgPublicKey:"PLACEHOLDERmasterWireGuardPublicKeyAAAAAAAA="}}function ue(e){if(e.storage_box.id!==void 0)return{user:"placeholder-subaccount",host:"placeholder-subaccount.storage-box.invalid",password:new M("PLACEHOLDER_subaccount_password")}}var w=[{key:"authelia_reset_password_jwt_secret",env:"AUTHELIA_RESET_PASSWORD_JWT_SECRET",bytes:32},{key:"authelia_session_secret",env:"AUTHELIA_SESSION_SECRET",bytes:32},{key:"authelia_storage_encryption_key",env:"AUTHELIA_STORAGE_ENCRYPTION_KEY",bytes:32},{key:"kong_db_password",env:"KONG_DB_PASSWORD",bytes:16},{key:"logflare_private_token",env:"LOGFLARE_PRIVATE_ACCESS_TOKEN",bytes:16},{key:"logflare_public_token",env:"LOGFLARE_PUBLIC_ACCESS_TOKEN",bytes:16},{key:"postgres_password",env:"POSTGRES_PASSWORD",bytes:16},{key:"redis_password",env:"REDIS_PASSWORD",bytes:16},{key:"registry_db_password",env:"REGISTRY_DB_PASSWORD",bytes:16},{key:"registry_encryption_key",env:"SUPAFLEET_SECRETS_KEY",bytes:32,encoding:"base64"},{key:"supavisor_jwt_secret",env:"SUPAVISOR_JWT_SECRET",bytes:20},{key:"supavisor_secret_key_base",env:"SUPAVISOR_SECRET_KEY_BASE",bytes:32},{key:"supavisor_vault_enc_key",env:"SUPAVISOR_VAULT_ENC_KEY",bytes:16}];function fe(e){return X(Object.fromEntries(w.map(t=>[t.env,e[t.key]])))}function me(){let e={};for(let t of w)e[t.key]=`PLACEHOLDER_${t.env}_`.padEnd(t.encoding==="base64"?Math.ceil(t.bytes/3)*4:t.bytes*2,"x");return e}var P="/etc/supafleet/host.json";function je(e){let t=L(e);if(!t)throw new Error(`server.type: ${JSON.stringify(e)} is not in the catalogue (core/catalogue/hetzner.json)`);let n=t.memory_gb;return n<=4?{name:"small",swapMb:2048,somaxconn:1024,fileMax:262144,tcpBufferMax:8<<20}:n<=16?{name:"medium",swapMb:4096,somaxconn:4096,fileMax:1048576,tcpBufferMax:16<<20}:{name:"large",swapMb:8192,somaxconn:8192,fileMax:2097152,tcpBufferMax:32<<20}}function Pe(e){let t=je(e.serverType);return JSON.stringify({docker:{fingerprint:h.keyFingerprint,packages:Object.entries(h.packages).map(([n,s])=>`${n}=${s}`),source:`deb [signed-by=/etc/apt/keyrings/docker.gpg] ${h.url} ${h.suite} ${h.component}`,url:h.url},role:e.role,ssh_user:f("ssh.user",e.sshUser),swap_mb:t.swapMb,sysctl:Ce(t),ufw:e.ufw,wg_cidr:e.wgCidr})+`
`}function Ce(e){let t=[["net.ipv4.conf.all.rp_filter",1],["net.ipv4.conf.default.rp_filter",1],["net.ipv4.conf.all.accept_redirects",0],["net.ipv4.conf.default.accept_redirects",0],["net.ipv4.conf.all.send_redirects",0],["net.ipv4.conf.default.send_redirects",0],["net.ipv4.conf.all.accept_source_route",0],["net.ipv4.conf.default.accept_source_route",0],["net.ipv4.conf.all.log_martians",1],["net.ipv4.icmp_echo_ignore_broadcasts",1],["net.ipv4.tcp_syncookies",1],["net.ipv6.conf.all.accept_redirects",0],["net.ipv6.conf.default.accept_redirects",0],["net.ipv6.conf.all.accept_source_route",0],["kernel.randomize_va_space",2],["kernel.kptr_restrict",2],["kernel.dmesg_restrict",1],["kernel.yama.ptrace_scope",1],["fs.suid_dumpable",0],["fs.protected_hardlinks",1],["fs.protected_symlinks",1],["net.ipv4.ip_forward",1],["vm.swappiness",10],["fs.file-max",e.fileMax],["net.core.somaxconn",e.somaxconn],["net.ipv4.tcp_max_syn_backlog",e.somaxconn],["net.core.rmem_max",e.tcpBufferMax],["net.core.wmem_max",e.tcpBufferMax],["net.ipv4.tcp_rmem",`4096 87380 ${e.tcpBufferMax}`],["net.ipv4.tcp_wmem",`4096 65536 ${e.tcpBufferMax}`]];return Object.fromEntries(t.map(([n,s])=>[n,String(s)]))}function b(e){return[{path:P,content:Pe(e),permissions:"0600"}]}var Ie=`(security) {
	header {
		Strict-Transport-Security "max-age=31536000; includeSubDomains"
		X-Content-Type-Options nosniff
		X-Frame-Options SAMEORIGIN
		Referrer-Policy strict-origin-when-cross-origin
		Permissions-Policy "camera=(), microphone=(), geolocation=(), payment=()"
		-Server
	}
}`,Ue=`(gate) {
	forward_auth 127.0.0.1:9091 {
		uri /api/authz/forward-auth
		copy_headers Remote-User Remote-Groups Remote-Email Remote-Name
	}
}`,he=[`	@admin_cookie header_regexp Cookie (?:^|;\\s*)${se}=`,"	request_header @admin_cookie -Cookie","	reverse_proxy 127.0.0.1:8000",""].join(`
`),De=`(gate) {
	basicauth {
		admin {$DASHBOARD_PASSWORD_HASH}
	}
}`;function $e(e,t={}){let{domain:n,adminDomain:s,apiListen:r}=m(e),o=e.tls.mode==="wildcard_dns";if(o&&e.tls.dns_provider===void 0)throw new Error("tls.dns_provider: required when tls.mode is wildcard_dns (hetzner or cloudflare)");let a=[...e.tls.email!==void 0?[`email ${H("tls.email",e.tls.email)}`]:[],...o?[]:["on_demand_tls {",`	ask http://${r}/v1/tls/ask`,"}"],...t.extraGlobals??[]],c=o?`	tls {
		dns ${e.tls.dns_provider} {env.DNS_API_TOKEN}
	}
`:"",p=(v,xe)=>`${v} {
${c}	import security
${xe}}`,u=["	handle /v1/tls/ask {","		respond 404","	}"],$=[`{
${a.map(v=>`	${v}`).join(`
`)}
}`,Ie,e.authelia.enabled?Ue:De];e.authelia.enabled&&$.push(p(`auth.${s}`,`	reverse_proxy 127.0.0.1:9091
`)),$.push(p(`studio.${s}`,`	redir https://fleet.${s}/console/
`),p(`fleet.${s}`,[...u,"	@token_api path /console/api/* /v1/projects/*","	handle @token_api {",`		reverse_proxy ${r}`,"	}","	handle {","		import gate",`		reverse_proxy ${r}`,"	}",""].join(`
`)));let F=[`	@studio header_regexp Host ${`^studio-[a-z][a-z0-9-]{1,31}\\.${s.replaceAll(".","\\.")}$`}`,"	handle @studio {","		import gate",`		reverse_proxy ${Y}`,"	}","	handle {","		respond 404","	}",""].join(`
`);return $.push(o?p(`*.${s}`,F):`*.${s} {
	tls {
		on_demand
	}
	import security
${F}}`),$.push(p(`fleet.${n}`,["	@dashboard path /dashboard /dashboard/* /console /console/*",`	redir @dashboard https://fleet.${s}{uri}`,...u,"	handle {",`		reverse_proxy ${r}`,"	}",""].join(`
`))),$.push(o?p(`*.${n}`,he):`https:// {
	tls {
		on_demand
	}
	import security
${he}}`),$.join(`

`)+`
`}var qe="cloudflare.logs.prod";function ge(){return d({api:{enabled:!0,address:"0.0.0.0:9001"},sources:{kong:{type:"docker_logs",include_labels:["com.docker.compose.project=supafleet-master","com.docker.compose.service=kong"]}},transforms:{kong_events:{type:"remap",inputs:["kong"],source:'. = {"project": "master", "event_message": .message, "appname": .container_name, "timestamp": .timestamp}'},kong_logs:{type:"remap",inputs:["kong_events"],source:['req, err = parse_nginx_log(.event_message, "combined")',"if err == null {","  .timestamp = req.timestamp","  .metadata.request.headers.referer = req.referer","  .metadata.request.headers.user_agent = req.agent","  .metadata.request.headers.cf_connecting_ip = req.client","  .metadata.request.method = req.method","  .metadata.request.path = req.path","  .metadata.request.protocol = req.protocol","  .metadata.response.status_code = req.status","}","if err != null {","  abort","}"].join(`
`)},kong_err:{type:"remap",inputs:["kong_events"],source:['.metadata.request.method = "GET"',".metadata.response.status_code = 200",'parsed, err = parse_nginx_log(.event_message, "error")',"if err == null {","  .timestamp = parsed.timestamp","  .severity = parsed.severity","  .metadata.request.host = parsed.host","  .metadata.request.headers.cf_connecting_ip = parsed.client",'  url, err = split(parsed.request, " ")',"  if err == null {","    .metadata.request.method = url[0]","    .metadata.request.path = url[1]","    .metadata.request.protocol = url[2]","  }","}","if err != null {","  abort","}"].join(`
`)}},sinks:{logflare_kong:{type:"http",inputs:["kong_logs","kong_err"],uri:`http://logflare:4000/api/logs?source_name=${qe}`,method:"post",encoding:{codec:"json"},request:{headers:{"x-api-key":"${LOGFLARE_PUBLIC_ACCESS_TOKEN}"},retry_initial_backoff_secs:1,retry_max_duration_secs:30}}}})}var ke=`OUTPUT -d ${Z.kong}/32 -p tcp --dport 8001 -m owner ! --uid-owner ${1e3} -j REJECT --reject-with tcp-reset`,ye=`OUTPUT -d ${J.proxy}/32 -p tcp --dport 2375 -m owner ! --uid-owner ${1e3} -j REJECT --reject-with tcp-reset`;function _e(e){let{wgAddress:t,prefix:n}=m(e),s=`PREROUTING -i %i ! -d ${t}/32 -j DROP`;return["[Interface]",`Address = ${t}/${n}`,`ListenPort = ${_}`,"PostUp = wg set %i private-key /etc/wireguard/wg0.key",`PostUp = test ! -s ${O} || wg addconf %i ${O}`,`PostUp = iptables -w -t raw -I ${s}`,`PostDown = iptables -w -t raw -D ${s}`,"PostUp = iptables -I FORWARD -i %i -o %i -j DROP","PostDown = iptables -D FORWARD -i %i -o %i -j DROP",`PostUp = iptables -w -I ${ke}`,`PostDown = iptables -w -D ${ke}`,`PostUp = iptables -w -I ${ye}`,`PostDown = iptables -w -D ${ye}`,""].join(`
`)}var we={backup:`#!/bin/bash
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
status_file=\${BACKUP_STATUS_FILE:-$state/backup-status.json}
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
RESTIC_REPOSITORY=\${RESTIC_REPOSITORY//\\{target\\}/$target}
RESTIC_PASSWORD_FILE="$dir/restic-password"
RESTIC_CACHE_DIR="$state/.restic-cache"
export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE RESTIC_CACHE_DIR
sftp_command=$(jq -r .sftp_command "$conf")
sftp_command=\${sftp_command//\\{target\\}/$target}
tag=$(jq -r .tag "$conf")
prune=$(jq -r 'if .prune == false then "no" else "yes" end' "$conf")
restic_opts=()
case $RESTIC_REPOSITORY in
  sftp:*) restic_opts=(-o "sftp.command=$sftp_command") ;;
esac

if [ -z "$error" ]; then
  restic "\${restic_opts[@]}" cat config >/dev/null 2>"$work/restic.err"
  rc=$?
  # restic 0.17+ exits 10 when there is no repository yet; older versions exit 1 and say so.
  if [ "$rc" -eq 10 ] || { [ "$rc" -eq 1 ] && grep -q 'Is there a repository at the following location' "$work/restic.err"; }; then
    restic "\${restic_opts[@]}" init || record "restic init failed"
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
  docker exec -i "$container" "\${command[@]}" </dev/null | gzip >"$work/$name.sql.gz"
  statuses=("\${PIPESTATUS[@]}")
  if [ "\${statuses[0]}" -ne 0 ] || [ "\${statuses[1]}" -ne 0 ]; then
    record "database dump $name failed"
  fi
  size=$((\${size:-0} + $(stat -c %s "$work/$name.sql.gz")))
  paths+=("$work/$name.sql.gz")
done < <(jq -c '.dumps[]' "$conf")

if [ -z "$error" ]; then
  while IFS= read -r p; do
    case $p in
      /*) [ -e "$p" ] && paths+=("$p") ;;
      *) [ -e "$bundle/$p" ] && paths+=("$bundle/$p") ;;
    esac
  done < <(jq -r '.paths[]' "$conf")
  if restic "\${restic_opts[@]}" backup --json --tag supafleet --tag "$tag" "\${paths[@]}" >"$work/restic-backup.json"; then
    snapshot=$(jq -r 'select(.message_type == "summary") | .snapshot_id' "$work/restic-backup.json" | tail -n 1)
  else
    record "restic backup failed"
  fi
fi

if [ -z "$error" ] && [ "$prune" = yes ]; then
  mapfile -t keep < <(jq -r '.keep | "--keep-daily", .daily, "--keep-weekly", .weekly, "--keep-monthly", .monthly' "$conf")
  restic "\${restic_opts[@]}" forget "\${keep[@]}" --prune || record "restic forget failed"
fi

finished=$(date +%s)
jq -n \\
  --arg error "$error" \\
  --arg snapshot "$snapshot" \\
  --arg size "$size" \\
  --arg finished "$(date -u -d "@$finished" +%Y-%m-%dT%H:%M:%SZ)" \\
  --argjson duration "$((finished - started))" \\
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
`,init:`-- supafleet master database: Kong's database and the registry, each with its own
-- role and password (from the container's environment, psql \\getenv), and the
-- _supabase database that Logflare and Supavisor keep their tables in.
\\set ON_ERROR_STOP on
\\getenv kong_password KONG_DB_PASSWORD
\\getenv registry_password REGISTRY_DB_PASSWORD

CREATE ROLE kong WITH LOGIN PASSWORD :'kong_password';
CREATE DATABASE kong OWNER kong;
CREATE ROLE supafleet WITH LOGIN PASSWORD :'registry_password';
CREATE DATABASE supafleet OWNER supafleet;
REVOKE ALL ON DATABASE kong FROM PUBLIC;
REVOKE ALL ON DATABASE supafleet FROM PUBLIC;

CREATE DATABASE _supabase OWNER supabase_admin;
\\connect _supabase
CREATE SCHEMA IF NOT EXISTS _analytics AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS _supavisor AUTHORIZATION supabase_admin;
`},Fe="0 4 * * *";function Le(e,t=!1){let{domain:n}=m(e);return JSON.stringify({authelia:e.authelia.enabled,domain:n,fleet:e.name,...t?{restore:!0}:{}})+`
`}var C="/etc/supafleet/secrets.json",I="/etc/supafleet/images.json",Ne=[P,C,I],be=["/etc/wireguard","/etc/supafleet","/root/supafleet-admin-password","caddy","authelia","docker-compose.yml",".env"];function Me(e){let t=[];for(let n of e){let s=n.startsWith(`${l}/`)?n.slice(l.length+1):n;be.some(r=>s===r||s.startsWith(`${r}/`))&&t.push(s)}return t.sort()}function ze(e,t){let n=g("storage_box.host",e.storage_box.host),s=f("storage_box.user",e.storage_box.user);return JSON.stringify({dumps:[{name:"registry",container:"supafleet-master-db-1",command:["pg_dump","-h","127.0.0.1","-U","supabase_admin","-d","supafleet"],database:"supafleet",owner:"supafleet"},{name:"kong",container:"supafleet-master-db-1",command:["pg_dump","-h","127.0.0.1","-U","supabase_admin","-d","kong"],database:"kong",owner:"kong"}],keep:{daily:7,monthly:6,weekly:4},paths:be,rendered:t,repository:`sftp://${s}@${n}:23/supafleet/_master`,sftp_command:`ssh -p 23 -i /etc/supafleet/backup.key -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${l}/.ssh_known_hosts ${s}@${n} -s sftp`,state_dir:l,tag:"master"})+`
`}var U="/usr/local/sbin/supafleet-master-backup";function D(e,t=!1){let n=[[`${l}/backup/backup.sh`,we.backup],[`${l}/backup/crontab`,`SHELL=/bin/bash
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
${Fe} root ${U} >>/var/log/supafleet-backup.log 2>&1
`],[`${l}/caddy/Caddyfile`,$e(e)],[`${l}/db/init.sql`,we.init],[`${l}/docker-compose.yml`,V(e)],[`${l}/vector/vector.yml`,ge()],["/etc/supafleet/fleet.yaml",d(e)],["/etc/supafleet/master.json",Le(e,t)],["/etc/wireguard/wg0.conf",_e(e)]];return e.authelia.enabled&&n.push([`${l}/authelia/configuration.yml`,re(e)]),n.push([`${l}/backup/backup.json`,ze(e,Me([...n.map(([s])=>s),...Ne]))]),new Map(n.sort(([s],[r])=>s.localeCompare(r)))}function Se(e){let t=new Map;for(let[n,s]of D(e.fleet))t.set(n.slice(1),s);return t.set(`${l.slice(1)}/.env`,fe(e.secrets)),new Map([...t].sort(([n],[s])=>n.localeCompare(s)))}import{gzipSync as He}from"node:zlib";function q(e){let t=He(Buffer.from(e,"utf8"),{level:9});return t.writeUInt32LE(0,4),t[9]=255,t}function Ee(e){let t={path:e.path,content:e.content,permissions:e.permissions,...e.owner!==void 0&&e.owner!=="root:root"?{owner:e.owner}:{}},n={...t,encoding:"gzip+base64",content:q(e.content).toString("base64")};return S(n)<S(t)?n:t}function S(e){return Buffer.byteLength(d([e]),"utf8")}function ve(e){let t=[],n;for(let[s,r]of e.split(`
`).entries()){if(n!==void 0){t.push(r),r===n&&(n=void 0);continue}if(s>0&&/^\s*#/.test(r))continue;let o=/<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?/.exec(r);o&&(n=o[1]),t.push(r)}return t.join(`
`)}function Re(e){return e.split(`
`).filter(t=>!/^\s*--/.test(t)).join(`
`)}var We="/var/lib/supafleet/files.json",Be=`set -eu
r=\${SUPAFLEET_ROOT:-}
f=$r/var/lib/supafleet/files.json
for i in $(seq 0 $(($(jq length "$f") - 1))); do
  p=$(jq -r ".[$i].path" "$f")
  case $p in [!/]* | *..* | *[!A-Za-z0-9._/-]*) exit 1 ;; esac
  mkdir -p "$r\${p%/*}"
  jq -j ".[$i].content" "$f" >"$r$p"
  chmod "$(jq -r ".[$i].permissions" "$f")" "$r$p"
done
`,Ae=/^#!\/bin\/(ba)?sh\n/;function Ke(e){let t=s=>Ae.test(s.content)?1:0,n=[...e].sort((s,r)=>t(s)-t(r)||s.path.localeCompare(r.path));return JSON.stringify(n.map(s=>({path:s.path,permissions:s.permissions,content:s.content})))}function Ge(e){return Ae.test(e.content)?{...e,content:ve(e.content)}:e.path.endsWith(".sql")?{...e,content:Re(e.content)}:e}function E(e){let t=e.files.map(Ge),n=[Ee({path:We,content:Ke(t),permissions:"0600"})],s={disable_root:!0,package_update:!0,package_upgrade:!0,packages:[...new Set([...z,...e.packages])].sort(),runcmd:[["bash","-c",Be],...e.runcmd],ssh_pwauth:!1,users:[{name:f("ssh.user",e.sshUser),groups:["sudo"],lock_passwd:!0,shell:"/bin/bash",...e.authorizedKeys.length>0?{ssh_authorized_keys:e.authorizedKeys.map((p,u)=>K(`ssh.authorized_keys[${u}]`,p))}:{},sudo:"ALL=(ALL) NOPASSWD:ALL"}],write_files:n},r=`#cloud-config
`+d(s),o=n.reduce((p,u)=>p+S(u),0),a=t.map(p=>({name:p.path,bytes:Math.ceil(q(p.content).length/3)*4}));a.push({name:"(cloud-config keys, users, packages, runcmd)",bytes:Buffer.byteLength(r,"utf8")-o});let c=ie(r,a);return{text:r,bytes:c,parts:a}}var Ye=`#!/bin/bash
# supafleet host bootstrap, part 1: hardening, swap, firewall, fail2ban,
# unattended upgrades, and Docker from its pinned apt repository.
# Run once by cloud-init; every setting comes from host.json (read with jq).
set -euo pipefail
umask 022
root=\${SUPAFLEET_ROOT:-}
host="$root/etc/supafleet/host.json"
log="$root/var/log/supafleet-bootstrap.log"
exec >>"$log" 2>&1
phase() { printf '%s supafleet-harden: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }
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
  printf 'AllowUsers %s\\n' "$user"
} >"$root/etc/ssh/sshd_config.d/00-supafleet.conf"
sshd -t
systemctl reload ssh || systemctl reload sshd

phase "swap"
swap_mb=$(jq -r .swap_mb "$host")
if [ ! -f "$root/swapfile" ]; then
  fallocate -l "\${swap_mb}M" "$root/swapfile"
  chmod 600 "$root/swapfile"
  mkswap "$root/swapfile"
  swapon "$root/swapfile"
  echo '/swapfile none swap sw 0 0' >>"$root/etc/fstab"
fi
jq -r '.sysctl | to_entries[] | "\\(.key) = \\(.value)"' "$host" >"$root/etc/sysctl.d/90-supafleet.conf"
sysctl --system >/dev/null
# I/O scheduler "none" on SSDs.
echo 'ACTION=="add|change", KERNEL=="sd[a-z]|vd[a-z]|nvme[0-9]n[0-9]", ATTR{queue/rotational}=="0", ATTR{queue/scheduler}="none"' \\
  >"$root/etc/udev/rules.d/60-supafleet-scheduler.rules"
udevadm trigger --subsystem-match=block --action=change || true

phase "firewall"
ufw --force reset >/dev/null
ufw default deny incoming
ufw default allow outgoing
while IFS=$'\\t' read -r action port proto from; do
  args=("$action" from "$from" to any)
  [ "$port" = any ] || args+=(port "$port")
  [ "$proto" = any ] || args+=(proto "$proto")
  ufw "\${args[@]}"
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
  "origin=Debian,codename=\${distro_codename},label=Debian-Security";
  "origin=Debian,codename=\${distro_codename}-security,label=Debian-Security";
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
echo '{"live-restore":true,"log-driver":"json-file","log-opts":{"max-file":"3","max-size":"10m"},"no-new-privileges":true,"userland-proxy":false}' \\
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
apt_get install --no-install-recommends "\${packages[@]}"
apt-mark hold "\${packages[@]%%=*}"
systemctl enable --now docker
phase "done"
`,Je=`#!/bin/bash
# supafleet master bootstrap, part 2: generates the master's own secrets (once),
# its WireGuard key and the first admin login, then brings up wg0 and the stack.
# Nothing secret comes from user_data; names and sizes come from secrets.json.
# A master rebuilt to be restored (master.json "restore": true) stops after the
# hardening and waits for supafleet-master-restore, which puts the old secrets,
# keys and databases back and then runs this script again.
set -euo pipefail
umask 077
root=\${SUPAFLEET_ROOT:-}
dir="$root/opt/supafleet-master"
etc="$root/etc/supafleet"
exec >>"$root/var/log/supafleet-bootstrap.log" 2>&1
phase() { printf '%s supafleet-master: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }
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
  while IFS=$'\\t' read -r name bytes encoding; do
    if ! [[ $name =~ ^[A-Z_][A-Z0-9_]*$ && $bytes =~ ^[0-9]{1,3}$ && $encoding =~ ^(hex|base64)$ ]]; then
      phase "refusing secret spec"
      exit 1
    fi
    printf "%s='%s'\\n" "$name" "$(openssl rand "-$encoding" "$bytes" | tr -d '\\n')"
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
    out=$(docker run --rm --log-driver none "$(jq -r .authelia "$images")" authelia crypto hash generate bcrypt --cost 12 \\
      --random --random.length 32)
    password=$(sed -n 's/^Random Password: //p' <<<"$out")
    hash=$(sed -n 's/^Digest: //p' <<<"$out")
    if [ -z "$password" ] || [ -z "$hash" ]; then
      phase "authelia did not print a password and its digest"
      exit 1
    fi
    printf '%s' "$password" >"$password_file"
    printf 'users:\\n  admin:\\n    displayname: Admin\\n    email: admin@%s\\n    password: "%s"\\n' \\
      "$(jq -r .domain "$etc/master.json")" "$hash" >"$dir/authelia/users.yml"
  fi
elif ! grep -q '^DASHBOARD_PASSWORD_HASH=' "$dir/.env"; then
  [ -s "$password_file" ] || openssl rand -base64 24 | tr -d '\\n' >"$password_file"
  hash=$({ cat "$password_file"; echo; } | docker run --rm -i "$(jq -r .caddy "$images")" caddy hash-password)
  printf "DASHBOARD_PASSWORD_HASH='%s'\\n" "$hash" >>"$dir/.env"
fi

# The master API reads its encryption key from a file, not from its environment
# (a container's env is readable by anything that can inspect it). node (uid 1000)
# in the master image reads it.
install -d -m 0700 -o 1000 -g 1000 "$dir/secrets"
key=$(sed -n "s/^SUPAFLEET_SECRETS_KEY='\\(.*\\)'$/\\1/p" "$dir/.env")
if [ -z "$key" ]; then
  phase "SUPAFLEET_SECRETS_KEY is missing from .env"
  exit 1
fi
printf '%s\\n' "$key" >"$dir/secrets/secrets-key.tmp"
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
printf '[Unit]\\nAfter=wg-quick@wg0.service\\nWants=wg-quick@wg0.service\\n' >"$root/etc/systemd/system/docker.service.d/10-supafleet-wg.conf"
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
`,Ze=`#!/bin/bash
# supafleet master backup (cron): makes sure backup/restic-password holds the
# password derived from the fleet seal key (supafleet-master-backup-password),
# then runs the shared backup.sh. (A master waiting for its restore has no cron
# job yet, and with its database down backup.sh refuses to make a snapshot.)
set -euo pipefail
umask 077
root=\${SUPAFLEET_ROOT:-}
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
`,Ve=`#!/bin/bash
# Prints the restic password of the master's own backups, derived from the fleet
# seal private key (cloud-init/master/backup-password.ts computes the same, and
# so does \`supafleet master backup-password\`): lowercase hex SHA-256 of
#   "supafleet master backup v1\\n" <fleet name> "\\n" <key file, surrounding whitespace trimmed>
# The key reaches bash through a pipe and sha256sum through its stdin: it is never
# a process argument and never printed.
set -euo pipefail
export LC_ALL=C
etc="\${SUPAFLEET_ROOT:-}/etc/supafleet"
fleet=$(jq -r '.fleet // empty' "$etc/master.json")
key=$(cat "$etc/fleet-seal.key" 2>/dev/null || true)
key=\${key#"\${key%%[![:space:]]*}"}
key=\${key%"\${key##*[![:space:]]}"}
if ! [[ $fleet =~ ^[a-z][a-z0-9-]{1,30}[a-z0-9]$ && $key =~ ^[A-Za-z0-9+/]{43}=$ ]]; then
  echo "supafleet: $etc/fleet-seal.key is missing or not a seal private key (44 base64 characters), or master.json names no fleet" >&2
  exit 1
fi
printf 'supafleet master backup v1\\n%s\\n%s' "$fleet" "$key" | sha256sum | cut -d ' ' -f 1
`,Xe=`#!/bin/bash
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
root=\${SUPAFLEET_ROOT:-}
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
restic "\${opts[@]}" snapshots --json --tag "$tag" >"$work/snapshots.json" 2>"$work/restic.log" || rc=$?
# restic 0.17+ exits 12 for a wrong password; older versions exit 1 and say so.
if [ "$rc" -eq 12 ] || { [ "$rc" -ne 0 ] && grep -q 'wrong password' "$work/restic.log"; }; then
  fail "the password derived from $etc/fleet-seal.key does not open $RESTIC_REPOSITORY (restic exit $rc); install the seal private key of this fleet"
elif [ "$rc" -ne 0 ]; then
  fail "restic exit $rc: $(tail -n 3 "$work/restic.log" | tr '\\n' ' ')"
fi
count=$(jq length "$work/snapshots.json")
[ "$count" -gt 0 ] || fail "$RESTIC_REPOSITORY has no snapshot tagged $tag, nothing to restore"
pick=$(jq -c --arg id "$snapshot" 'sort_by(.time) | map(select(.id | startswith($id))) |
  if $id == "" then last elif length == 1 then .[0] else empty end' "$work/snapshots.json")
[ -n "$pick" ] || fail "--snapshot $snapshot is not exactly one of the $count snapshots tagged $tag"
id=$(jq -r .id <<<"$pick")
when=$(jq -r '.time | sub("\\\\.[0-9]+"; "")' <<<"$pick")
pos=latest
[ -z "$snapshot" ] || pos=chosen
say "snapshot \${id:0:8} taken $when ($pos of $count tagged $tag)"

phase "restore to staging"
restic "\${opts[@]}" restore "$id" --target "$work/files" >"$work/restic.log" 2>&1 ||
  fail "see $work/restic.log"
for name in $(jq -r '.dumps[].name' "$conf"); do
  [ -s "$work/files$state/backup-staging/$name.sql.gz" ] || fail "snapshot \${id:0:8} has no dump $name"
done
# The files this master's user_data just rendered (the fleet file, the compose file, ...)
# win over the snapshot's copies: a change to the fleet made since the backup reaches
# the restored master. Everything else the snapshot holds comes back as it was.
while read -r f; do
  [ -e "$f" ] || continue
  mkdir -p "$(dirname "$work/files$f")"
  cp -p "$f" "$work/files$f"
done < <(jq -r --arg d "$dir" '.rendered // [] | .[] | if startswith("/") then . else "\\($d)/\\(.)" end' "$conf")

phase stop
after=""
compose=(docker compose -p supafleet-master --project-directory "$dir" -f "$dir/docker-compose.yml")
if [ -n "$("\${compose[@]}" ps -q 2>/dev/null || true)" ]; then "\${compose[@]}" stop; fi
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
    moved=("$t" "\${moved[@]}")
    mv "$work/files$t" "$t" || return 1
    say "restored $t"
  done < <(jq -r --arg d "$dir" '.paths[] | if startswith("/") then . else "\\($d)/\\(.)" end' "$conf")
}
if ! put_back; then
  for t in "\${moved[@]}"; do
    rm -rf "$t"
    if [ -e "$previous$t" ]; then mv "$previous$t" "$t"; fi
  done
  fail "the previous files are back in place"
fi
after=" The replaced files are in $previous"

phase database
db=$(jq -r '.dumps[0].container' "$conf")
"\${compose[@]}" up -d db
# As the compose health check: TCP only answers once the image's init scripts are
# done, and the image trusts loopback TCP (its socket wants supabase_admin's password).
for ((i = 0; ; i++)); do
  docker exec "$db" pg_isready -q -h 127.0.0.1 -U postgres && break
  [ "$i" -lt 90 ] || fail "no connection within 180 s (docker logs $db)"
  sleep 2
done
# Each database is recreated as init.sql makes it, then loaded from its dump.
while IFS=$'\\t' read -r name container database owner <&4; do
  sql=(docker exec -i "$container" psql -h 127.0.0.1 -U supabase_admin -v ON_ERROR_STOP=1 -q)
  if ! {
    "\${sql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" \\
      -c "CREATE DATABASE $database OWNER $owner" -c "REVOKE ALL ON DATABASE $database FROM PUBLIC" </dev/null &&
      gunzip -c "$work/files$state/backup-staging/$name.sql.gz" | "\${sql[@]}" -d "$database"
  } >/dev/null 2>"$work/psql.log"; then
    fail "dump $name into database $database: $(grep -m 1 ERROR "$work/psql.log") (log: $work/psql.log)"
  fi
  say "loaded dump $name into database $database (owner $owner)"
done 4< <(jq -r '.dumps[] | [.name, .container, .database, .owner] | @tsv' "$conf")

phase marker
jq -n --arg id "$id" --arg time "$when" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \\
  '{snapshot_id: $id, snapshot_time: $time, restored_at: $at}' >"$etc/restored.json"

phase start
"$root/usr/local/sbin/supafleet-master-up" ||
  fail "see /var/log/supafleet-bootstrap.log, then run sudo supafleet-master-up again"
rm -rf "$previous" "$work"/*.json "$work"/*.log
phase "done: snapshot \${id:0:8} taken $when is restored, wg0 and the stack are starting"
`;function Te(e){let{fleet:t,restore:n=!1}=e,{cidr:s}=m(t),r=[{action:"limit",port:"22",proto:"tcp",from:"any"},{action:"allow",port:"80",proto:"tcp",from:"any"},{action:"allow",port:"443",proto:"tcp",from:"any"},{action:"allow",port:String(_),proto:"udp",from:"any"},{action:"allow",port:"any",proto:"any",from:s}],o=[...D(t,n)].map(([a,c])=>({path:a,content:c,permissions:a.endsWith(".sh")?"0700":"0600"}));return E({sshUser:t.ssh.user,authorizedKeys:t.ssh.authorized_keys,packages:k,files:[...b({role:"master",serverType:t.master.server.type,sshUser:t.ssh.user,wgCidr:s,ufw:r}),...o,{path:C,content:JSON.stringify(w.map(a=>[a.env,a.bytes,a.encoding??"hex"]))+`
`,permissions:"0600"},{path:I,content:JSON.stringify({authelia:T.authelia,caddy:T.caddy})+`
`,permissions:"0600"},{path:"/usr/local/sbin/supafleet-harden",content:Ye,permissions:"0755"},{path:"/usr/local/sbin/supafleet-master-up",content:Je,permissions:"0755"},{path:U,content:Ze,permissions:"0755"},{path:"/usr/local/sbin/supafleet-master-backup-password",content:Ve,permissions:"0755"},{path:"/usr/local/sbin/supafleet-master-restore",content:Xe,permissions:"0755"}],runcmd:[["/usr/local/sbin/supafleet-harden"],["/usr/local/sbin/supafleet-master-up"]]})}var Qe=`#!/bin/bash
# supafleet host bootstrap, part 1: hardening, swap, firewall, fail2ban,
# unattended upgrades, and Docker from its pinned apt repository.
# Run once by cloud-init; every setting comes from host.json (read with jq).
set -euo pipefail
umask 022
root=\${SUPAFLEET_ROOT:-}
host="$root/etc/supafleet/host.json"
log="$root/var/log/supafleet-bootstrap.log"
exec >>"$log" 2>&1
phase() { printf '%s supafleet-harden: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }
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
  printf 'AllowUsers %s\\n' "$user"
} >"$root/etc/ssh/sshd_config.d/00-supafleet.conf"
sshd -t
systemctl reload ssh || systemctl reload sshd

phase "swap"
swap_mb=$(jq -r .swap_mb "$host")
if [ ! -f "$root/swapfile" ]; then
  fallocate -l "\${swap_mb}M" "$root/swapfile"
  chmod 600 "$root/swapfile"
  mkswap "$root/swapfile"
  swapon "$root/swapfile"
  echo '/swapfile none swap sw 0 0' >>"$root/etc/fstab"
fi
jq -r '.sysctl | to_entries[] | "\\(.key) = \\(.value)"' "$host" >"$root/etc/sysctl.d/90-supafleet.conf"
sysctl --system >/dev/null
# I/O scheduler "none" on SSDs.
echo 'ACTION=="add|change", KERNEL=="sd[a-z]|vd[a-z]|nvme[0-9]n[0-9]", ATTR{queue/rotational}=="0", ATTR{queue/scheduler}="none"' \\
  >"$root/etc/udev/rules.d/60-supafleet-scheduler.rules"
udevadm trigger --subsystem-match=block --action=change || true

phase "firewall"
ufw --force reset >/dev/null
ufw default deny incoming
ufw default allow outgoing
while IFS=$'\\t' read -r action port proto from; do
  args=("$action" from "$from" to any)
  [ "$port" = any ] || args+=(port "$port")
  [ "$proto" = any ] || args+=(proto "$proto")
  ufw "\${args[@]}"
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
  "origin=Debian,codename=\${distro_codename},label=Debian-Security";
  "origin=Debian,codename=\${distro_codename}-security,label=Debian-Security";
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
echo '{"live-restore":true,"log-driver":"json-file","log-opts":{"max-file":"3","max-size":"10m"},"no-new-privileges":true,"userland-proxy":false}' \\
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
apt_get install --no-install-recommends "\${packages[@]}"
apt-mark hold "\${packages[@]%%=*}"
systemctl enable --now docker
phase "done"
`,et=`#!/bin/bash
# supafleet worker bootstrap, part 2: enrollment. Generates this worker's WireGuard
# and seal keypairs, presents the single-use token to the master over HTTPS, writes
# wg0.conf and the agent config from the answer (each field checked first), brings
# up wg0 and starts the agent. Settings come from enroll.json (read with jq).
set -euo pipefail
umask 077
root=\${SUPAFLEET_ROOT:-}
etc="$root/etc/supafleet"
enroll="$etc/enroll.json"
answer="$etc/enroll-answer.json"
exec >>"$root/var/log/supafleet-bootstrap.log" 2>&1
phase() { printf '%s supafleet-enroll: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }
trap 'phase "failed at line $LINENO"' ERR

install -d -m 0700 "$etc" "$root/etc/wireguard" "$root/opt/supafleet"
if [ ! -s "$etc/agent.json" ]; then
  phase "keys"
  [ -s "$root/etc/wireguard/wg0.key" ] || wg genkey >"$root/etc/wireguard/wg0.key"
  [ -s "$etc/seal.key" ] || wg genkey >"$etc/seal.key"
  request=$(jq -c --arg wg "$(wg pubkey <"$root/etc/wireguard/wg0.key")" --arg seal "$(wg pubkey <"$etc/seal.key")" \\
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
  ip='[0-9]{1,3}(\\.[0-9]{1,3}){3}'
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
    | "PREROUTING -i %i ! -d \\($self)/32 -j DROP" as $onlyToSelf
    | "[Interface]",
    "Address = \\(.wg.address)",
    "PostUp = wg set %i private-key /etc/wireguard/wg0.key",
    "PostUp = iptables -w -t raw -I \\($onlyToSelf)",
    "PostDown = iptables -w -t raw -D \\($onlyToSelf)",
    "",
    "[Peer]",
    "PublicKey = \\(.wg.master_public_key)",
    "Endpoint = \\(.wg.master_endpoint)",
    "AllowedIPs = \\(.wg.allowed_ips)",
    "PersistentKeepalive = \\(.wg.persistent_keepalive)"' "$answer" >"$root/etc/wireguard/wg0.conf"
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
printf '%s\\n' 'SHELL=/bin/sh' "* * * * * root wg show wg0 latest-handshakes >$hs.tmp && mv $hs.tmp $hs" \\
  >"$root/etc/cron.d/supafleet-wg"
# Containers publish on the wg address, so Docker must start after wg0.
install -d -m 0755 "$root/etc/systemd/system/docker.service.d"
printf '[Unit]\\nAfter=wg-quick@wg0.service\\nWants=wg-quick@wg0.service\\n' >"$root/etc/systemd/system/docker.service.d/10-supafleet-wg.conf"
systemctl daemon-reload
systemctl enable --now wg-quick@wg0
docker compose -p supafleet --project-directory "$root/opt/supafleet" -f "$etc/agent-compose.yml" up -d
phase "done"
`,tt=`#!/bin/bash
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
root=\${SUPAFLEET_ROOT:-}
etc="$root/etc/supafleet"
account="$etc/backup-account.json"
exec >>"$root/var/log/supafleet-bootstrap.log" 2>&1
phase() { printf '%s supafleet-backup-key: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1"; }

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
printf '#!/bin/sh\\ncat %s\\n' "$pass" >"$askpass"
chmod 0700 "$askpass"

known_hosts="$root/opt/supafleet/.ssh_known_hosts"
ssh_opts=(-P 23 -o ConnectTimeout=20 -o StrictHostKeyChecking=accept-new -o "UserKnownHostsFile=$known_hosts")
installed=""
for attempt in 1 2 3 4 5; do
  # Commands on stdin, not -b: batch mode turns password logins off.
  printf -- '-mkdir .ssh\\nput %s .ssh/authorized_keys\\nchmod 600 .ssh/authorized_keys\\n' "$key.pub" |
    SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force sftp "\${ssh_opts[@]}" \\
      -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \\
      -o NumberOfPasswordPrompts=1 "$target" >/dev/null 2>&1
  if printf 'ls .ssh/authorized_keys\\n' |
    sftp -b - "\${ssh_opts[@]}" -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes "$target" >/dev/null 2>&1; then
    installed=yes
    break
  fi
  phase "attempt $attempt to install the backup key at $target failed; retrying"
  sleep 10
done

printf '%s\\n' "$target" >"$etc/backup-target"
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
`,nt=/^[A-Za-z0-9_.-]{12,128}$/;function st(e,t){if(e.storage_box.id===void 0){if(t)throw new Error("backup: the fleet has no storage_box.id, so workers use no sub-account");return[]}if(!t)throw new Error(`backup: the fleet's Storage Box ${e.storage_box.id} gives each project a sub-account; pass the project's (user, host, one-time password), as apply does`);let n=f("backup.user",t.user),s=g("backup.host",t.host);if(!nt.test(t.password.reveal()))throw new Error("backup.password: expected 12-128 characters of A-Z a-z 0-9 _ . -");let r={target:`${n}@${s}`,password:t.password.reveal(),agent_uid:x};return[{path:"/etc/supafleet/backup-account.json",content:JSON.stringify(r)+`
`,permissions:"0600"},{path:"/usr/local/sbin/supafleet-backup-key",content:tt,permissions:"0755"}]}function rt(e,t){let n=/^https:\/\/([a-z0-9.-]+)$/.exec(t);if(!n)throw new Error(`enrollment.masterUrl: ${JSON.stringify(t)} is not valid; expected https://fleet.${e.domain}`);return g("enrollment.masterUrl",n[1]),t}function Oe(e){let{fleet:t,project:n,enrollment:s}=e,r=st(t,e.backup),o=t.network.cidr;y("network.cidr",o);let a=[{action:"allow",port:"any",proto:"any",from:o}];t.ssh.workers_public&&a.unshift({action:"limit",port:"22",proto:"tcp",from:"any"});let c={master_url:rt(t,s.masterUrl),master_wg_public_key:W("enrollment.masterWgPublicKey",s.masterWgPublicKey),token:B("enrollment.token",s.token),agent_uid:x};return E({sshUser:t.ssh.user,authorizedKeys:t.ssh.authorized_keys,packages:k,files:[...b({role:"worker",serverType:n.server.type,sshUser:t.ssh.user,wgCidr:o,ufw:a}),{path:"/etc/supafleet/enroll.json",content:JSON.stringify(c)+`
`,permissions:"0600"},{path:"/etc/supafleet/agent-compose.yml",content:d({services:te(n.server.type),volumes:Q,networks:ee}),permissions:"0600"},{path:"/usr/local/sbin/supafleet-harden",content:Qe,permissions:"0755"},{path:"/usr/local/sbin/supafleet-enroll",content:et,permissions:"0755"},...r],runcmd:[["/usr/local/sbin/supafleet-harden"],...r.length>0?[["/usr/local/sbin/supafleet-backup-key"]]:[],["/usr/local/sbin/supafleet-enroll"]]})}function En(e,t){let n=R(e),s=N(t),r=ue(n),o=Oe({fleet:n,project:s,enrollment:de(n.domain),...r?{backup:r}:{}}),a=ne({fleet:n,project:s,secrets:ce(),opened:le(s),revision:1,wgAddress:G(y("network.cidr",n.network.cidr).base+2)}),c=new Map([["user-data.yaml",o.text]]);for(let[p,u]of a)c.set(`bundle/${p}`,u);return{files:c,userData:o,target:8192}}function vn(e){let t=R(e),n=Te({fleet:t}),s=new Map([["user-data.yaml",n.text]]);for(let[r,o]of Se({fleet:t,secrets:me()}))s.set(`stack/${r}`,o);return{files:s,userData:n,target:18432}}function Rn(e){let t=[...e.files].map(([a,c])=>[a,String(Buffer.byteLength(c,"utf8"))]),n=Math.max(...t.map(([a])=>a.length),4),s=[`${"file".padEnd(n)}  bytes`,...t.map(([a,c])=>`${a.padEnd(n)}  ${c.padStart(5)}`)],{bytes:r}=e.userData,o=(r/32768*100).toFixed(1);return s.push("",`user_data: ${r} bytes, ${o}% of 32 KiB (${32768} bytes); target ${e.target} bytes: ${r<=e.target?"ok":"OVER"}`,"Secrets and enrollment values are PLACEHOLDERS; the master supplies the real ones."),s.join(`
`)+`
`}export{Rn as formatSizeTable,vn as renderMasterOutput,En as renderWorkerOutput};
