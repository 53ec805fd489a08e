import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{b as i,c as _,d as G,e as E,f as h,g,h as B,i as W,j as K,k as H,l as k,m as z,n as Y,o as V,p as C,q as J,r as d,s as Z,t as D,u as X,v as Q,w as ee,x as te}from"./chunk-2RI5SQZS.mjs";import{a as I,b as ne,c as se,e as re}from"./chunk-GLPFNH2V.mjs";import{b as F}from"./chunk-QV36JT4Z.mjs";import{m as q,o as M,p as L}from"./chunk-JXSOJFM7.mjs";import"./chunk-VVCO2P3F.mjs";var l=(e,t)=>`PLACEHOLDER_${e}_`.padEnd(t,"x"),oe=e=>[Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url"),Buffer.from(JSON.stringify({role:e,iss:"supabase",placeholder:!0})).toString("base64url"),"PLACEHOLDER-NOT-A-SIGNATURE"].join(".");function ae(){return{jwt_secret:l("jwt",40),anon_key:oe("anon"),service_role_key:oe("service_role"),postgres_password:l("postgres",32),role_passwords:{authenticator:l("authenticator",32),supabase_auth_admin:l("auth",32),supabase_storage_admin:l("storage",32),supabase_functions_admin:l("functions",32),supabase_realtime_admin:l("realtime",32),pgbouncer:l("pgbouncer",32)},realtime_db_enc_key:l("enc",16),secret_key_base:l("keybase",64),vault_enc_key:l("vault",32),pg_meta_crypto_key:l("meta",32),logflare_api_key:l("logflare",32),restic_password:l("restic",48),s3_protocol_access_key_id:l("s3id",32),s3_protocol_access_key_secret:l("s3secret",64),agent_token:"PLACEHOLDER_agent_token_not_a_real_secret",command_key:"PLACEHOLDER_command_key_not_a_real_secret"}}function ie(e){let t={};e.auth.smtp&&(t["auth.smtp.pass"]="PLACEHOLDER-smtp-password");for(let n of Object.keys(e.auth.external))t[`auth.external.${n}.secret`]=`PLACEHOLDER-${n}-secret`;for(let n of Object.keys(e.functions.secrets))t[`functions.secrets.${n}`]=`PLACEHOLDER-${n}`;return t}function pe(e){return{token:"PLACEHOLDER_enrollment_token_minted_by_the_master",masterUrl:`https://fleet.${e}`,masterWgPublicKey:"PLACEHOLDERmasterWireGuardPublicKeyAAAAAAAA="}}var b=[{key:"authelia_reset_password_jwt_secret",env:"AUTHELIA_RESET_PASSWORD_JWT_SECRET",bytes:32},{key:"authelia_session_secret",env:"AUTHELIA_SESSION_SECRET",bytes:32},{key:"authelia_storage_encryption_key",env:"AUTHELIA_STORAGE_ENCRYPTION_KEY",bytes:32},{key:"kong_db_password",env:"KONG_DB_PASSWORD",bytes:16},{key:"logflare_private_token",env:"LOGFLARE_PRIVATE_ACCESS_TOKEN",bytes:16},{key:"logflare_public_token",env:"LOGFLARE_PUBLIC_ACCESS_TOKEN",bytes:16},{key:"postgres_password",env:"POSTGRES_PASSWORD",bytes:16},{key:"redis_password",env:"REDIS_PASSWORD",bytes:16},{key:"registry_db_password",env:"REGISTRY_DB_PASSWORD",bytes:16},{key:"registry_encryption_key",env:"SUPAFLEET_SECRETS_KEY",bytes:32,encoding:"base64"},{key:"supavisor_jwt_secret",env:"SUPAVISOR_JWT_SECRET",bytes:20},{key:"supavisor_secret_key_base",env:"SUPAVISOR_SECRET_KEY_BASE",bytes:32},{key:"supavisor_vault_enc_key",env:"SUPAVISOR_VAULT_ENC_KEY",bytes:16}];function ce(e){return V(Object.fromEntries(b.map(t=>[t.env,e[t.key]])))}function le(){let e={};for(let t of b)e[t.key]=`PLACEHOLDER_${t.env}_`.padEnd(t.encoding==="base64"?Math.ceil(t.bytes/3)*4:t.bytes*2,"x");return e}var u="/opt/supafleet-master",y=51820;function m(e){let t=g("domain",e.domain),n=g("admin_domain",e.admin_domain),s=q(t,n);if(s!==void 0)throw new Error(`admin_domain: ${s}`);let{prefix:r}=k("network.cidr",e.network.cidr),a=Y(e.network.cidr);return{domain:t,adminDomain:n,cidr:e.network.cidr,prefix:r,wgAddress:a,apiListen:"127.0.0.1:8080",agentListen:`${a}:8081`}}var x="authelia_session";function de(e){let{domain:t,adminDomain:n}=m(e);return d({access_control:{default_policy:"deny",rules:[{domain:[`studio.${n}`,`fleet.${n}`],policy:"two_factor"}]},authentication_backend:{file:{path:"/config/users.yml",password:{algorithm:"bcrypt",bcrypt:{cost:12}}},password_reset:{disable:!0}},log:{level:"info"},notifier:{filesystem:{filename:"/data/notifications.txt"}},regulation:{ban_time:"10m",find_time:"2m",max_retries:5},server:{address:"tcp://0.0.0.0:9091/"},session:{cookies:[{name:x,authelia_url:`https://auth.${n}`,domain:n,expiration:"1h",inactivity:"10m"}],redis:{host:"redis",port:6379}},storage:{local:{path:"/data/db.sqlite3"}},totp:{issuer:t}})}var Te=`(security) {
	header {
		Strict-Transport-Security "max-age=31536000; includeSubDomains"
		X-Content-Type-Options nosniff
		X-Frame-Options SAMEORIGIN
		Referrer-Policy strict-origin-when-cross-origin
		Permissions-Policy "camera=(), microphone=(), geolocation=(), payment=()"
		-Server
	}
}`,ve=`(gate) {
	forward_auth 127.0.0.1:9091 {
		uri /api/authz/forward-auth
		copy_headers Remote-User Remote-Groups Remote-Email Remote-Name
	}
}`,ue=[`	@admin_cookie header_regexp Cookie (?:^|;\\s*)${x}=`,"	request_header @admin_cookie -Cookie","	reverse_proxy 127.0.0.1:8000",""].join(`
`),Pe=`(gate) {
	basicauth {
		admin {$DASHBOARD_PASSWORD_HASH}
	}
}`;function me(e,t={}){let{domain:n,adminDomain:s,apiListen:r}=m(e),a=e.tls.mode==="wildcard_dns";if(a&&e.tls.dns_provider===void 0)throw new Error("tls.dns_provider: required when tls.mode is wildcard_dns (hetzner or cloudflare)");let o=[...e.tls.email!==void 0?[`email ${B("tls.email",e.tls.email)}`]:[],...a?[]:["on_demand_tls {",`	ask http://${r}/v1/tls/ask`,"}"],...t.extraGlobals??[]],p=a?`	tls {
		dns ${e.tls.dns_provider} {env.DNS_API_TOKEN}
	}
`:"",c=(P,Oe)=>`${P} {
${p}	import security
${Oe}}`,$=["	handle /v1/tls/ask {","		respond 404","	}"],S=[`{
${o.map(P=>`	${P}`).join(`
`)}
}`,Te,e.authelia.enabled?ve:Pe];return e.authelia.enabled&&S.push(c(`auth.${s}`,`	reverse_proxy 127.0.0.1:9091
`)),S.push(c(`studio.${s}`,`	import gate
	reverse_proxy 127.0.0.1:3000
`),c(`fleet.${s}`,[...$,"	handle /console/api/* {",`		reverse_proxy ${r}`,"	}","	handle {","		import gate",`		reverse_proxy ${r}`,"	}",""].join(`
`))),S.push(c(`fleet.${n}`,["	@dashboard path /dashboard /dashboard/* /console /console/*",`	redir @dashboard https://fleet.${s}{uri}`,...$,"	handle {",`		reverse_proxy ${r}`,"	}",""].join(`
`))),S.push(a?c(`*.${n}`,ue):`https:// {
	tls {
		on_demand
	}
	import security
${ue}}`),S.join(`

`)+`
`}var Le={authelia:2,caddy:3,db:20,kong:8,logflare:12,master:6,redis:2,"docker-logs":1,studio:8,supavisor:6,vector:3},A={subnet:"172.31.255.0/29",kong:"172.31.255.2"},Ce=`http://${A.kong}:8001`,fe=4100,w={session:5433,transaction:6543},R="/etc/supavisor/tls";function De(e,t=R){return`[ -s ${t}/cert.pem ] && [ -s ${t}/key.pem ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=fleet.${e}' -addext 'subjectAltName=DNS:fleet.${e},DNS:*.${e}' -keyout ${t}/key.pem -out ${t}/cert.pem`}var he="/run/secrets/supafleet-secrets-key";function f(e,t="10s"){return{test:e,interval:t,timeout:"5s",retries:5,start_period:"30s"}}function Ie(e){let t=m(e),n=J(e.master.server.type,Le),s={restart:"unless-stopped"},r={db:{condition:"service_healthy"}},a={KONG_DATABASE:"postgres",KONG_PG_DATABASE:"kong",KONG_PG_HOST:"db",KONG_PG_PASSWORD:"${KONG_DB_PASSWORD}",KONG_PG_USER:"kong"},o={caddy:{...s,image:e.tls.mode==="wildcard_dns"?i.caddyDns:i.caddy,environment:{DASHBOARD_PASSWORD_HASH:"${DASHBOARD_PASSWORD_HASH:-}",DNS_API_TOKEN:"${DNS_API_TOKEN:-}"},healthcheck:f(["CMD","wget","--no-verbose","--tries=1","--spider","http://127.0.0.1:2019/config/"]),mem_limit:n.caddy,network_mode:"host",volumes:["./caddy/Caddyfile:/etc/caddy/Caddyfile:ro","./caddy/data:/data","caddy-config:/config"]},db:{...s,image:i.postgres,environment:{KONG_DB_PASSWORD:"${KONG_DB_PASSWORD}",PGPORT:"5432",POSTGRES_DB:"postgres",POSTGRES_HOST:"/var/run/postgresql",POSTGRES_PASSWORD:"${POSTGRES_PASSWORD}",POSTGRES_PORT:"5432",REGISTRY_DB_PASSWORD:"${REGISTRY_DB_PASSWORD}"},healthcheck:f(["CMD","pg_isready","-U","postgres","-h","localhost"]),mem_limit:n.db,ports:["127.0.0.1:5432:5432"],volumes:["./db/init.sql:/docker-entrypoint-initdb.d/init-scripts/99-supafleet.sql:ro","db-data:/var/lib/postgresql/data","db-config:/etc/postgresql-custom"]},"kong-migrations":{image:i.kong,command:["sh","-c","kong migrations bootstrap && kong migrations up && kong migrations finish"],depends_on:r,environment:a,restart:"on-failure"},kong:{...s,image:i.kong,depends_on:{"kong-migrations":{condition:"service_completed_successfully"}},environment:{...a,KONG_ADMIN_LISTEN:`${A.kong}:8001`,KONG_DNS_ORDER:"LAST,A,CNAME",KONG_NGINX_PROXY_PROXY_BUFFERS:"64 160k",KONG_NGINX_PROXY_PROXY_BUFFER_SIZE:"160k",KONG_PLUGINS:"request-transformer,cors,key-auth,acl,basic-auth,request-termination,ip-restriction",KONG_PROXY_LISTEN:"0.0.0.0:8000",KONG_TRUSTED_IPS:"0.0.0.0/0",KONG_REAL_IP_HEADER:"X-Forwarded-For"},healthcheck:f(["CMD","kong","health"]),mem_limit:n.kong,networks:{default:{},"kong-admin":{ipv4_address:A.kong}},ports:["127.0.0.1:8000:8000"]},studio:{...s,image:i.studio,depends_on:{logflare:{condition:"service_healthy"}},environment:{DEFAULT_ORGANIZATION_NAME:C(e.name),DEFAULT_PROJECT_NAME:C(e.name),HOSTNAME:"0.0.0.0",LOGFLARE_PRIVATE_ACCESS_TOKEN:"${LOGFLARE_PRIVATE_ACCESS_TOKEN}",LOGFLARE_PUBLIC_ACCESS_TOKEN:"${LOGFLARE_PUBLIC_ACCESS_TOKEN}",LOGFLARE_URL:"http://logflare:4000",NEXT_ANALYTICS_BACKEND_PROVIDER:"postgres",NEXT_PUBLIC_ENABLE_LOGS:"true",SUPABASE_PUBLIC_URL:`https://studio.${t.domain}`,SUPABASE_URL:"http://kong:8000"},healthcheck:f(["CMD","node","-e","fetch('http://127.0.0.1:3000/api/platform/profile').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]),mem_limit:n.studio,ports:["127.0.0.1:3000:3000"]},master:{...s,image:i.master,cap_add:["NET_ADMIN"],depends_on:{...r,kong:{condition:"service_healthy"}},environment:{DATABASE_URL:"postgres://supafleet:${REGISTRY_DB_PASSWORD}@127.0.0.1:5432/supafleet",KONG_ADMIN_URL:Ce,SUPAFLEET_AGENT_LISTEN:t.agentListen,SUPAFLEET_FLEET_FILE:"/etc/supafleet/fleet.yaml",SUPAFLEET_LISTEN:t.apiListen,SUPAFLEET_LOGFLARE_TOKEN:"${LOGFLARE_PUBLIC_ACCESS_TOKEN}",SUPAFLEET_LOGFLARE_URL:"http://127.0.0.1:4000",SUPAFLEET_POOLER_SESSION_PORT:String(w.session),SUPAFLEET_POOLER_TRANSACTION_PORT:String(w.transaction),SUPAFLEET_SEAL_PRIVATE_KEY_FILE:"/etc/supafleet/fleet-seal.key",SUPAFLEET_SECRETS_KEY_FILE:he,SUPAFLEET_SUPAVISOR_JWT_SECRET:"${SUPAVISOR_JWT_SECRET}",SUPAFLEET_SUPAVISOR_URL:`http://127.0.0.1:${fe}`,SUPAFLEET_WG_CONFIG:"/etc/wireguard/peers.conf",SUPAFLEET_WG_ENDPOINT:`fleet.${t.domain}:${y}`},healthcheck:f(["CMD","node","-e","fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]),mem_limit:n.master,network_mode:"host",volumes:["/etc/supafleet:/etc/supafleet:ro","/etc/wireguard:/etc/wireguard",`./secrets/secrets-key:${he}:ro`]},logflare:{...s,image:i.logflare,depends_on:r,environment:{DB_DATABASE:"_supabase",DB_HOSTNAME:"db",DB_PASSWORD:"${POSTGRES_PASSWORD}",DB_PORT:"5432",DB_SCHEMA:"_analytics",DB_USERNAME:"supabase_admin",LOGFLARE_FEATURE_FLAG_OVERRIDE:"multibackend=true",LOGFLARE_NODE_HOST:"127.0.0.1",LOGFLARE_PRIVATE_ACCESS_TOKEN:"${LOGFLARE_PRIVATE_ACCESS_TOKEN}",LOGFLARE_PUBLIC_ACCESS_TOKEN:"${LOGFLARE_PUBLIC_ACCESS_TOKEN}",LOGFLARE_SINGLE_TENANT:"true",LOGFLARE_SUPABASE_MODE:"true",POSTGRES_BACKEND_SCHEMA:"_analytics",POSTGRES_BACKEND_URL:"postgresql://supabase_admin:${POSTGRES_PASSWORD}@db:5432/_supabase"},healthcheck:f(["CMD","curl","-sf","http://localhost:4000/health"]),mem_limit:n.logflare,ports:["127.0.0.1:4000:4000"]},vector:{...s,image:i.vector,command:["--config","/etc/vector/vector.yml"],depends_on:{"docker-logs":{condition:"service_started"}},environment:{DOCKER_HOST:"tcp://docker-logs:2375",LOGFLARE_PUBLIC_ACCESS_TOKEN:"${LOGFLARE_PUBLIC_ACCESS_TOKEN}"},healthcheck:f(["CMD","wget","--no-verbose","--tries=1","--spider","http://localhost:9001/health"]),mem_limit:n.vector,networks:["default","docker-logs"],volumes:["./vector/vector.yml:/etc/vector/vector.yml:ro"]},"docker-logs":Z(i.socketProxy,n["docker-logs"]),supavisor:{...s,image:i.supavisor,command:["/bin/sh","-c",`${De(t.domain)} && /app/bin/migrate && /app/bin/server`],depends_on:r,environment:{API_JWT_SECRET:"${SUPAVISOR_JWT_SECRET}",CLUSTER_POSTGRES:"true",DATABASE_URL:"ecto://supabase_admin:${POSTGRES_PASSWORD}@db:5432/_supabase",ERL_AFLAGS:"-proto_dist inet_tcp",GLOBAL_DOWNSTREAM_CERT_PATH:`${R}/cert.pem`,GLOBAL_DOWNSTREAM_KEY_PATH:`${R}/key.pem`,METRICS_JWT_SECRET:"${SUPAVISOR_JWT_SECRET}",POOLER_DEFAULT_POOL_SIZE:"20",POOLER_MAX_CLIENT_CONN:"100",POOLER_POOL_MODE:"transaction",PORT:"4000",REGION:"local",SECRET_KEY_BASE:"${SUPAVISOR_SECRET_KEY_BASE}",VAULT_ENC_KEY:"${SUPAVISOR_VAULT_ENC_KEY}"},healthcheck:f(["CMD","curl","-sSfL","--head","-o","/dev/null","http://127.0.0.1:4000/api/health"]),mem_limit:n.supavisor,ports:[`127.0.0.1:${fe}:4000`,`${w.session}:5432`,`${w.transaction}:6543`],volumes:[`pooler-tls:${R}`]}};e.authelia.enabled&&(o.authelia={...s,image:i.authelia,depends_on:{redis:{condition:"service_healthy"}},environment:{AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET:"${AUTHELIA_RESET_PASSWORD_JWT_SECRET}",AUTHELIA_SESSION_REDIS_PASSWORD:"${REDIS_PASSWORD}",AUTHELIA_SESSION_SECRET:"${AUTHELIA_SESSION_SECRET}",AUTHELIA_STORAGE_ENCRYPTION_KEY:"${AUTHELIA_STORAGE_ENCRYPTION_KEY}"},healthcheck:f(["CMD","wget","--no-verbose","--tries=1","--spider","http://127.0.0.1:9091/api/health"]),mem_limit:n.authelia,ports:["127.0.0.1:9091:9091"],volumes:["./authelia/configuration.yml:/config/configuration.yml:ro","./authelia/data:/data","./authelia/users.yml:/config/users.yml"]},o.redis={...s,image:i.redis,command:["sh","-c",'exec redis-server --requirepass "$$REDIS_PASSWORD" --appendonly yes'],environment:{REDIS_PASSWORD:"${REDIS_PASSWORD}"},healthcheck:f(["CMD-SHELL",'REDISCLI_AUTH="$$REDIS_PASSWORD" redis-cli ping | grep -q PONG']),mem_limit:n.redis,volumes:["redis-data:/data"]});let p={"caddy-config":{},"db-config":{},"db-data":{},"pooler-tls":{}};e.authelia.enabled&&Object.assign(p,{"redis-data":{}});let c={default:{},"docker-logs":{},"kong-admin":{ipam:{config:[{subnet:A.subnet}]}}};return{services:o,volumes:p,networks:c}}function ge(e){return d(Ie(e))}var xe="cloudflare.logs.prod";function _e(){return d({api:{enabled:!0,address:"0.0.0.0:9001"},sources:{kong:{type:"docker_logs",include_labels:["com.docker.compose.project=supafleet-master","com.docker.compose.service=kong"]}},transforms:{kong_events:{type:"remap",inputs:["kong"],source:'. = {"project": "master", "event_message": .message, "appname": .container_name, "timestamp": .timestamp}'},kong_logs:{type:"remap",inputs:["kong_events"],source:['req, err = parse_nginx_log(.event_message, "combined")',"if err == null {","  .timestamp = req.timestamp","  .metadata.request.headers.referer = req.referer","  .metadata.request.headers.user_agent = req.agent","  .metadata.request.headers.cf_connecting_ip = req.client","  .metadata.request.method = req.method","  .metadata.request.path = req.path","  .metadata.request.protocol = req.protocol","  .metadata.response.status_code = req.status","}","if err != null {","  abort","}"].join(`
`)},kong_err:{type:"remap",inputs:["kong_events"],source:['.metadata.request.method = "GET"',".metadata.response.status_code = 200",'parsed, err = parse_nginx_log(.event_message, "error")',"if err == null {","  .timestamp = parsed.timestamp","  .severity = parsed.severity","  .metadata.request.host = parsed.host","  .metadata.request.headers.cf_connecting_ip = parsed.client",'  url, err = split(parsed.request, " ")',"  if err == null {","    .metadata.request.method = url[0]","    .metadata.request.path = url[1]","    .metadata.request.protocol = url[2]","  }","}","if err != null {","  abort","}"].join(`
`)}},sinks:{logflare_kong:{type:"http",inputs:["kong_logs","kong_err"],uri:`http://logflare:4000/api/logs?source_name=${xe}`,method:"post",encoding:{codec:"json"},request:{headers:{"x-api-key":"${LOGFLARE_PUBLIC_ACCESS_TOKEN}"},retry_initial_backoff_secs:1,retry_max_duration_secs:30}}}})}function $e(e){let{wgAddress:t,prefix:n}=m(e),s=`PREROUTING -i %i ! -d ${t}/32 -j DROP`;return["[Interface]",`Address = ${t}/${n}`,`ListenPort = ${y}`,"PostUp = wg set %i private-key /etc/wireguard/wg0.key","PostUp = test ! -s /etc/wireguard/peers.conf || wg addconf %i /etc/wireguard/peers.conf",`PostUp = iptables -w -t raw -I ${s}`,`PostDown = iptables -w -t raw -D ${s}`,"PostUp = iptables -I FORWARD -i %i -o %i -j DROP","PostDown = iptables -D FORWARD -i %i -o %i -j DROP",""].join(`
`)}var ke={backup:`#!/bin/bash
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
`},Ue="0 4 * * *";function Ne(e,t=!1){let{domain:n}=m(e);return JSON.stringify({authelia:e.authelia.enabled,domain:n,fleet:e.name,...t?{restore:!0}:{}})+`
`}function je(e){let t=g("storage_box.host",e.storage_box.host),n=h("storage_box.user",e.storage_box.user);return JSON.stringify({dumps:[{name:"registry",container:"supafleet-master-db-1",command:["pg_dump","-h","127.0.0.1","-U","supabase_admin","-d","supafleet"],database:"supafleet",owner:"supafleet"},{name:"kong",container:"supafleet-master-db-1",command:["pg_dump","-h","127.0.0.1","-U","supabase_admin","-d","kong"],database:"kong",owner:"kong"}],keep:{daily:7,monthly:6,weekly:4},paths:["/etc/wireguard","/etc/supafleet","/root/supafleet-admin-password","caddy","authelia","docker-compose.yml",".env"],repository:`sftp://${n}@${t}:23/supafleet/_master`,sftp_command:`ssh -p 23 -i /etc/supafleet/backup.key -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${u}/.ssh_known_hosts ${n}@${t} -s sftp`,state_dir:u,tag:"master"})+`
`}var U="/usr/local/sbin/supafleet-master-backup";function N(e,t=!1){let n=[[`${u}/backup/backup.json`,je(e)],[`${u}/backup/backup.sh`,ke.backup],[`${u}/backup/crontab`,`SHELL=/bin/bash
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
${Ue} root ${U} >>/var/log/supafleet-backup.log 2>&1
`],[`${u}/caddy/Caddyfile`,me(e)],[`${u}/db/init.sql`,ke.init],[`${u}/docker-compose.yml`,ge(e)],[`${u}/vector/vector.yml`,_e()],["/etc/supafleet/fleet.yaml",d(e)],["/etc/supafleet/master.json",Ne(e,t)],["/etc/wireguard/wg0.conf",$e(e)]];return e.authelia.enabled&&n.push([`${u}/authelia/configuration.yml`,de(e)]),new Map(n.sort(([s],[r])=>s.localeCompare(r)))}function ye(e){let t=new Map;for(let[n,s]of N(e.fleet))t.set(n.slice(1),s);return t.set(`${u.slice(1)}/.env`,ce(e.secrets)),new Map([...t].sort(([n],[s])=>n.localeCompare(s)))}import{gzipSync as Fe}from"node:zlib";function j(e){let t=Fe(Buffer.from(e,"utf8"),{level:9});return t.writeUInt32LE(0,4),t[9]=255,t}function Se(e){let t={path:e.path,content:e.content,permissions:e.permissions,...e.owner!==void 0&&e.owner!=="root:root"?{owner:e.owner}:{}},n={...t,encoding:"gzip+base64",content:j(e.content).toString("base64")};return O(n)<O(t)?n:t}function O(e){return Buffer.byteLength(d([e]),"utf8")}function Ee(e){let t=[],n;for(let[s,r]of e.split(`
`).entries()){if(n!==void 0){t.push(r),r===n&&(n=void 0);continue}if(s>0&&/^\s*#/.test(r))continue;let a=/<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?/.exec(r);a&&(n=a[1]),t.push(r)}return t.join(`
`)}function be(e){return e.split(`
`).filter(t=>!/^\s*--/.test(t)).join(`
`)}var qe="/var/lib/supafleet/files.json",Me=`set -eu
r=\${SUPAFLEET_ROOT:-}
f=$r/var/lib/supafleet/files.json
for i in $(seq 0 $(($(jq length "$f") - 1))); do
  p=$(jq -r ".[$i].path" "$f")
  case $p in [!/]* | *..* | *[!A-Za-z0-9._/-]*) exit 1 ;; esac
  mkdir -p "$r\${p%/*}"
  jq -j ".[$i].content" "$f" >"$r$p"
  chmod "$(jq -r ".[$i].permissions" "$f")" "$r$p"
done
`,we=/^#!\/bin\/(ba)?sh\n/;function Ge(e){let t=s=>we.test(s.content)?1:0,n=[...e].sort((s,r)=>t(s)-t(r)||s.path.localeCompare(r.path));return JSON.stringify(n.map(s=>({path:s.path,permissions:s.permissions,content:s.content})))}function Be(e){return we.test(e.content)?{...e,content:Ee(e.content)}:e.path.endsWith(".sql")?{...e,content:be(e.content)}:e}function T(e){let t=e.files.map(Be),n=[Se({path:qe,content:Ge(t),permissions:"0600"})],s={disable_root:!0,package_update:!0,package_upgrade:!0,packages:[...new Set([...G,...e.packages])].sort(),runcmd:[["bash","-c",Me],...e.runcmd],ssh_pwauth:!1,users:[{name:h("ssh.user",e.sshUser),groups:["sudo"],lock_passwd:!0,shell:"/bin/bash",...e.authorizedKeys.length>0?{ssh_authorized_keys:e.authorizedKeys.map((c,$)=>H(`ssh.authorized_keys[${$}]`,c))}:{},sudo:"ALL=(ALL) NOPASSWD:ALL"}],write_files:n},r=`#cloud-config
`+d(s),a=n.reduce((c,$)=>c+O($),0),o=t.map(c=>({name:c.path,bytes:Math.ceil(j(c.content).length/3)*4}));o.push({name:"(cloud-config keys, users, packages, runcmd)",bytes:Buffer.byteLength(r,"utf8")-a});let p=re(r,o);return{text:r,bytes:p,parts:o}}var We="/etc/supafleet/host.json";function Ke(e){let t=F(e);if(!t)throw new Error(`server.type: ${JSON.stringify(e)} is not in the catalogue (core/catalogue/hetzner.json)`);let n=t.memory_gb;return n<=4?{name:"small",swapMb:2048,somaxconn:1024,fileMax:262144,tcpBufferMax:8<<20}:n<=16?{name:"medium",swapMb:4096,somaxconn:4096,fileMax:1048576,tcpBufferMax:16<<20}:{name:"large",swapMb:8192,somaxconn:8192,fileMax:2097152,tcpBufferMax:32<<20}}function He(e){let t=Ke(e.serverType);return JSON.stringify({docker:{fingerprint:_.keyFingerprint,packages:Object.entries(_.packages).map(([n,s])=>`${n}=${s}`),source:`deb [signed-by=/etc/apt/keyrings/docker.gpg] ${_.url} ${_.suite} ${_.component}`,url:_.url},role:e.role,ssh_user:h("ssh.user",e.sshUser),swap_mb:t.swapMb,sysctl:ze(t),ufw:e.ufw,wg_cidr:e.wgCidr})+`
`}function ze(e){let t=[["net.ipv4.conf.all.rp_filter",1],["net.ipv4.conf.default.rp_filter",1],["net.ipv4.conf.all.accept_redirects",0],["net.ipv4.conf.default.accept_redirects",0],["net.ipv4.conf.all.send_redirects",0],["net.ipv4.conf.default.send_redirects",0],["net.ipv4.conf.all.accept_source_route",0],["net.ipv4.conf.default.accept_source_route",0],["net.ipv4.conf.all.log_martians",1],["net.ipv4.icmp_echo_ignore_broadcasts",1],["net.ipv4.tcp_syncookies",1],["net.ipv6.conf.all.accept_redirects",0],["net.ipv6.conf.default.accept_redirects",0],["net.ipv6.conf.all.accept_source_route",0],["kernel.randomize_va_space",2],["kernel.kptr_restrict",2],["kernel.dmesg_restrict",1],["kernel.yama.ptrace_scope",1],["fs.suid_dumpable",0],["fs.protected_hardlinks",1],["fs.protected_symlinks",1],["net.ipv4.ip_forward",1],["vm.swappiness",10],["fs.file-max",e.fileMax],["net.core.somaxconn",e.somaxconn],["net.ipv4.tcp_max_syn_backlog",e.somaxconn],["net.core.rmem_max",e.tcpBufferMax],["net.core.wmem_max",e.tcpBufferMax],["net.ipv4.tcp_rmem",`4096 87380 ${e.tcpBufferMax}`],["net.ipv4.tcp_wmem",`4096 65536 ${e.tcpBufferMax}`]];return Object.fromEntries(t.map(([n,s])=>[n,String(s)]))}function v(e){return[{path:We,content:He(e),permissions:"0600"}]}var Ye=`#!/bin/bash
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
`,Ve=`#!/bin/bash
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
# The master API keeps live-added peers here; it must exist (empty) before the API starts.
[ -e "$root/etc/wireguard/peers.conf" ] || install -m 0600 /dev/null "$root/etc/wireguard/peers.conf"
install -d -m 0755 "$root/etc/systemd/system/docker.service.d"
printf '[Unit]\\nAfter=wg-quick@wg0.service\\nWants=wg-quick@wg0.service\\n' >"$root/etc/systemd/system/docker.service.d/10-supafleet-wg.conf"
systemctl daemon-reload
systemctl enable --now wg-quick@wg0

phase "stack"
docker compose -p supafleet-master --project-directory "$dir" -f "$dir/docker-compose.yml" up -d
install -m 0644 "$dir/backup/crontab" "$root/etc/cron.d/supafleet-master-backup"
phase "done"
`,Je=`#!/bin/bash
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
`,Ze=`#!/bin/bash
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
# staging directory on the same disk; the files the snapshot replaces are moved
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
for key in fleet-seal.key backup.key; do
  [ -s "$etc/$key" ] ||
    fail "$etc/$key is missing; install it: ssh <user>@<master> 'sudo install -m 0600 /dev/stdin /etc/supafleet/$key' <$key"
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
`;function Ae(e){let{fleet:t,restore:n=!1}=e,{cidr:s}=m(t),r=[{action:"limit",port:"22",proto:"tcp",from:"any"},{action:"allow",port:"80",proto:"tcp",from:"any"},{action:"allow",port:"443",proto:"tcp",from:"any"},{action:"allow",port:String(y),proto:"udp",from:"any"},{action:"allow",port:"any",proto:"any",from:s}],a=[...N(t,n)].map(([o,p])=>({path:o,content:p,permissions:o.endsWith(".sh")?"0700":"0600"}));return T({sshUser:t.ssh.user,authorizedKeys:t.ssh.authorized_keys,packages:E,files:[...v({role:"master",serverType:t.master.server.type,sshUser:t.ssh.user,wgCidr:s,ufw:r}),...a,{path:"/etc/supafleet/secrets.json",content:JSON.stringify(b.map(o=>[o.env,o.bytes,o.encoding??"hex"]))+`
`,permissions:"0600"},{path:"/etc/supafleet/images.json",content:JSON.stringify({authelia:i.authelia,caddy:i.caddy})+`
`,permissions:"0600"},{path:"/usr/local/sbin/supafleet-harden",content:Ye,permissions:"0755"},{path:"/usr/local/sbin/supafleet-master-up",content:Ve,permissions:"0755"},{path:U,content:Je,permissions:"0755"},{path:"/usr/local/sbin/supafleet-master-backup-password",content:Ze,permissions:"0755"},{path:"/usr/local/sbin/supafleet-master-restore",content:Xe,permissions:"0755"}],runcmd:[["/usr/local/sbin/supafleet-harden"],["/usr/local/sbin/supafleet-master-up"]]})}var Qe=`#!/bin/bash
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

ssh_opts=(-P 23 -o ConnectTimeout=20 -o StrictHostKeyChecking=accept-new -o "UserKnownHostsFile=$root/opt/supafleet/.ssh_known_hosts")
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
chown "$uid:$uid" "$key" "$key.pub"
if [ -n "$installed" ]; then
  phase "backup key installed for $target"
else
  phase "could not install the backup key at $target; backups fail until .ssh/authorized_keys of that sub-account holds $key.pub"
fi
exit 0
`,nt=/^[A-Za-z0-9_.-]{12,128}$/;function st(e,t){if(e.storage_box.id===void 0){if(t)throw new Error("backup: the fleet has no storage_box.id, so workers use no sub-account");return[]}if(!t)throw new Error(`backup: the fleet's Storage Box ${e.storage_box.id} gives each project a sub-account; pass the project's`);let n=h("backup.user",t.user),s=g("backup.host",t.host);if(!nt.test(t.password.reveal()))throw new Error("backup.password: expected 12-128 characters of A-Z a-z 0-9 _ . -");let r={target:`${n}@${s}`,password:t.password.reveal(),agent_uid:D};return[{path:"/etc/supafleet/backup-account.json",content:JSON.stringify(r)+`
`,permissions:"0600"},{path:"/usr/local/sbin/supafleet-backup-key",content:tt,permissions:"0755"}]}function rt(e,t){let n=/^https:\/\/([a-z0-9.-]+)$/.exec(t);if(!n)throw new Error(`enrollment.masterUrl: ${JSON.stringify(t)} is not valid; expected https://fleet.${e.domain}`);return g("enrollment.masterUrl",n[1]),t}function Re(e){let{fleet:t,project:n,enrollment:s}=e,r=st(t,e.backup),a=t.network.cidr;k("network.cidr",a);let o=[{action:"allow",port:"any",proto:"any",from:a}];t.ssh.workers_public&&o.unshift({action:"limit",port:"22",proto:"tcp",from:"any"});let p={master_url:rt(t,s.masterUrl),master_wg_public_key:W("enrollment.masterWgPublicKey",s.masterWgPublicKey),token:K("enrollment.token",s.token),agent_uid:D};return T({sshUser:t.ssh.user,authorizedKeys:t.ssh.authorized_keys,packages:E,files:[...v({role:"worker",serverType:n.server.type,sshUser:t.ssh.user,wgCidr:a,ufw:o}),{path:"/etc/supafleet/enroll.json",content:JSON.stringify(p)+`
`,permissions:"0600"},{path:"/etc/supafleet/agent-compose.yml",content:d({services:ee(n.server.type),volumes:X,networks:Q}),permissions:"0600"},{path:"/usr/local/sbin/supafleet-harden",content:Qe,permissions:"0755"},{path:"/usr/local/sbin/supafleet-enroll",content:et,permissions:"0755"},...r],runcmd:[["/usr/local/sbin/supafleet-harden"],...r.length>0?[["/usr/local/sbin/supafleet-backup-key"]]:[],["/usr/local/sbin/supafleet-enroll"]]})}function Cn(e,t){let n=L(e),s=M(t),r=Re({fleet:n,project:s,enrollment:pe(n.domain)}),a=te({fleet:n,project:s,secrets:ae(),opened:ie(s),revision:1,wgAddress:z(k("network.cidr",n.network.cidr).base+2)}),o=new Map([["user-data.yaml",r.text]]);for(let[p,c]of a)o.set(`bundle/${p}`,c);return{files:o,userData:r,target:8192}}function Dn(e){let t=L(e),n=Ae({fleet:t}),s=new Map([["user-data.yaml",n.text]]);for(let[r,a]of ye({fleet:t,secrets:le()}))s.set(`stack/${r}`,a);return{files:s,userData:n,target:18432}}function In(e){let t=[...e.files].map(([o,p])=>[o,String(Buffer.byteLength(p,"utf8"))]),n=Math.max(...t.map(([o])=>o.length),4),s=[`${"file".padEnd(n)}  bytes`,...t.map(([o,p])=>`${o.padEnd(n)}  ${p.padStart(5)}`)],{bytes:r}=e.userData,a=(r/32768*100).toFixed(1);return s.push("",`user_data: ${r} bytes, ${a}% of 32 KiB (${32768} bytes); target ${e.target} bytes: ${r<=e.target?"ok":"OVER"}`,"Secrets and enrollment values are PLACEHOLDERS; the master supplies the real ones."),s.join(`
`)+`
`}export{In as formatSizeTable,Dn as renderMasterOutput,Cn as renderWorkerOutput};
