import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);
import{m as w}from"./chunk-6UECX5DS.mjs";import{b as C}from"./chunk-QV36JT4Z.mjs";function p(e,t,n){throw new Error(`${e}: ${JSON.stringify(t)} is not valid; expected ${n}`)}function v(e,t){return(!/^[a-z_][a-z0-9_-]{0,31}$/.test(t)||t==="root")&&p(e,t,"a POSIX user name (lowercase letters, digits, _ and -, at most 32 characters, not root)"),t}function g(e,t){let n="[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";return(t.length>253||!new RegExp(`^${n}(\\.${n})+$`).test(t))&&p(e,t,"a lowercase DNS name such as example.com"),t}function b(e,t){return/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(t)||p(e,t,"a lowercase DNS label"),t}function Te(e,t){return/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(t)||p(e,t,"an e-mail address"),t}function Re(e,t){return/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(t)||p(e,"[key]","a base64 key of 32 bytes"),t}function Se(e,t){if(!/^[A-Za-z0-9_-]{20,200}$/.test(t))throw new Error(`${e}: expected 20-200 characters from A-Z a-z 0-9 _ -`);return t}function Ae(e,t){return/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n\r\0]{0,200})?$/.test(t)||p(e,t,'one OpenSSH public key line ("ssh-ed25519 AAAA... comment")'),t}function x(e,t){let n="(\\*|[0-9a-z]{1,3}(-[0-9a-z]{1,3})?)(\\/\\d{1,2})?",s=new RegExp(`^${n}(,${n})*$`),r=t.split(" ");return(r.length!==5||!r.every(o=>s.test(o)))&&p(e,t,'a five-field cron schedule such as "0 3 * * *"'),t}function D(e,t){let n=!1;try{n=new URL(t).protocol==="https:"&&![...t].some(s=>s<=" "||s==="\x7F")}catch{n=!1}return n||p(e,t,"an https URL"),t}function T(e,t){let n=/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(t),s=n?n.slice(1,5).map(Number):[],r=n?Number(n[5]):NaN;(!n||s.some(m=>m>255)||r<16||r>29)&&p(e,t,"an IPv4 CIDR from /16 to /29 such as 10.100.0.0/24");let o=(s[0]<<24|s[1]<<16|s[2]<<8|s[3])>>>0,a=r===0?0:4294967295<<32-r>>>0;return{base:(o&a)>>>0,prefix:r}}function V(e){return[e>>>24,e>>>16&255,e>>>8&255,e&255].join(".")}function R(e){return V(T("network.cidr",e).base+1)}function U(e,t,n){let s=/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t),{base:r,prefix:o}=T("network.cidr",n);(!s||s.slice(1,5).some(E=>Number(E)>255))&&p(e,t,`an IPv4 address in ${n}`);let a=s.slice(1,5).reduce((E,J)=>E*256+Number(J),0),m=2**(32-o);return(a<=r||a>=r+m-1)&&p(e,t,`a host address in ${n}`),t}var S="0.1.0";var G="2026.02.16",i={postgres:"supabase/postgres:15.8.1.085",auth:"supabase/gotrue:v2.186.0",rest:"postgrest/postgrest:v14.5",realtime:"supabase/realtime:v2.78.15",storage:"supabase/storage-api:v1.44.2",imgproxy:"darthsim/imgproxy:v3.30.1",meta:"supabase/postgres-meta:v0.95.2",functions:"supabase/edge-runtime:v1.70.3",studio:"supabase/studio:2026.02.16-sha-26c615c",logflare:"supabase/logflare:1.31.2",vector:"timberio/vector:0.53.0-alpine",supavisor:"supabase/supavisor:2.7.4",kong:"kong:3.9.1",caddy:"caddy:2.10.2-alpine",caddyDns:`ghcr.io/supafleet/caddy-dns:2.10.2-${S}`,authelia:"authelia/authelia:4.39.20",redis:"redis:7.4.6-alpine",socketProxy:"tecnativa/docker-socket-proxy:v0.4.1",agent:`ghcr.io/supafleet/agent:${S}`,master:`ghcr.io/supafleet/master:${S}`};var Ne={url:"https://download.docker.com/linux/debian",suite:"bookworm",component:"stable",keyFingerprint:"9DC858229FC7DD38854AE2D88D81803C0EBFCD88",packages:{"docker-ce":"5:28.5.2-1~debian.12~bookworm","docker-ce-cli":"5:28.5.2-1~debian.12~bookworm","containerd.io":"1.7.29-1~debian.12~bookworm","docker-compose-plugin":"2.40.3-1~debian.12~bookworm"}},$e=["apparmor","ca-certificates","curl","fail2ban","gnupg","jq","libpam-pwquality","openssl","ufw","unattended-upgrades","wireguard-tools"],Ie=["cron","restic"];var X=/^[A-Z_][A-Z0-9_]*$/;function Z(e,t){if(!X.test(e))throw new Error(`env file: key ${JSON.stringify(e)} is not a valid name (expected ^[A-Z_][A-Z0-9_]*$)`);if(/['\n\r\0]/.test(t)||t.endsWith("\\"))throw new Error(`env file: the value of ${e} cannot be written to an env file: it must not contain a single quote, newline, carriage return or NUL, nor end with a backslash`);return`${e}='${t}'`}function j(e){return Object.keys(e).sort().map(n=>Z(n,e[n])).join(`
`)+`
`}function M(e){return e.replaceAll("$","$$$$")}var Q=512;function k(e,t){let n=C(e);if(!n)throw new Error(`server.type: ${JSON.stringify(e)} is not in the catalogue (core/catalogue/hetzner.json)`);let s=Math.max(n.memory_gb*1024-Q,512),r=Object.values(t).reduce((a,m)=>a+m,0),o={};for(let a of Object.keys(t).sort())o[a]=`${Math.max(64,Math.floor(s*t[a]/r))}m`;return o}function W(e){return`${Math.max(32,Math.floor(Number.parseInt(e,10)/4))}MB`}var ee=/^[A-Za-z_/][A-Za-z0-9_./@+-]*$/,te=/^(y|n|yes|no|true|false|on|off|null)$/i;function A(e){if(typeof e=="string")return ee.test(e)&&!te.test(e)?e:JSON.stringify(e);if(typeof e=="number"){if(!Number.isFinite(e))throw new Error(`toYaml: ${e} cannot be written to YAML`);return String(e)}if(typeof e=="boolean")return e?"true":"false";if(e===null)return"null";throw new Error(`toYaml: a value of type ${typeof e} cannot be written to YAML`)}function f(e){return typeof e=="object"&&e!==null}function N(e){return Array.isArray(e)?e.length===0:Object.keys(e).length===0}function $(e,t,n){if(Array.isArray(e)){for(let r of e)if(f(r)&&!N(r)){let o=[];$(r,`${t}  `,o),n.push(`${t}- ${o[0].slice(t.length+2)}`,...o.slice(1))}else n.push(`${t}- ${f(r)?Array.isArray(r)?"[]":"{}":A(r)}`);return}let s=e;for(let r of Object.keys(s).sort()){let o=s[r];if(o===void 0)continue;let a=A(r);f(o)&&!N(o)?(n.push(`${t}${a}:`),$(o,Array.isArray(o)?`${t}  `:`${t}  `,n)):n.push(`${t}${a}: ${f(o)?Array.isArray(o)?"[]":"{}":A(o)}`)}}function O(e){if(!f(e))return`${A(e)}
`;if(N(e))return Array.isArray(e)?`[]
`:`{}
`;let t=[];return $(e,"",t),t.join(`
`)+`
`}var F={test:["CMD","wget","-q","--spider","http://127.0.0.1:2375/_ping"],interval:"10s",timeout:"5s",retries:5,start_period:"20s"};function B(e,t){return{restart:"unless-stopped",image:e,environment:{CONTAINERS:"1",EVENTS:"1",INFO:"0",POST:"0"},healthcheck:F,mem_limit:t,networks:["docker-logs"],read_only:!0,tmpfs:["/run"],volumes:["/var/run/docker.sock:/var/run/docker.sock:ro"]}}function xe(e,t,n){return{restart:"unless-stopped",image:e,environment:{CONTAINERS:"1",EXEC:"0",IMAGES:"1",INFO:"0",NETWORKS:"0",POST:"1",VOLUMES:"0"},healthcheck:F,mem_limit:t,networks:{"docker-studio":{ipv4_address:n}},read_only:!0,tmpfs:["/run"],volumes:["/var/run/docker.sock:/var/run/docker.sock:ro"]}}function u(e,t){let n=e.opened?.[t];if(n===void 0)throw new Error(`${t}: the sealed value has not been opened (the master must pass its plaintext)`);return n}function l(e){return`https://${e.project.subdomain}.${e.fleet.domain}`}var h={auth:9999,db:5432,functions:9e3,meta:8080,realtime:4e3,rest:3e3,storage:5e3},H={agent:3,"socket-proxy":1,auth:5,db:35,functions:12,imgproxy:6,meta:4,realtime:10,rest:6,storage:8,vector:4},c=M;function _(e,t="10s",n=5){return{test:e,interval:t,timeout:"5s",retries:n,start_period:"20s"}}function I(e){return["CMD","wget","--no-verbose","--tries=1","--spider",e]}function L(e,t){return`postgres://${e}:\${${t}}@db:5432/postgres`}function ne(e){let{project:t}=e,n={API_EXTERNAL_URL:c(l(e)),GOTRUE_API_HOST:"0.0.0.0",GOTRUE_API_PORT:"9999",GOTRUE_DB_DATABASE_URL:L("supabase_auth_admin","AUTH_ADMIN_PASSWORD"),GOTRUE_DB_DRIVER:"postgres",GOTRUE_DISABLE_SIGNUP:String(!t.auth.signup.enabled),GOTRUE_EXTERNAL_EMAIL_ENABLED:"true",GOTRUE_JWT_ADMIN_ROLES:"service_role",GOTRUE_JWT_AUD:"authenticated",GOTRUE_JWT_DEFAULT_GROUP_NAME:"authenticated",GOTRUE_JWT_EXP:"3600",GOTRUE_JWT_SECRET:"${JWT_SECRET}",GOTRUE_MAILER_AUTOCONFIRM:String(t.auth.signup.email_autoconfirm),GOTRUE_MAILER_URLPATHS_CONFIRMATION:"/auth/v1/verify",GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE:"/auth/v1/verify",GOTRUE_MAILER_URLPATHS_INVITE:"/auth/v1/verify",GOTRUE_MAILER_URLPATHS_RECOVERY:"/auth/v1/verify",GOTRUE_SITE_URL:c(t.auth.site_url??l(e)),GOTRUE_URI_ALLOW_LIST:c(t.auth.redirect_urls.join(","))},s=t.auth.smtp;s&&(u(e,"auth.smtp.pass"),Object.assign(n,{GOTRUE_SMTP_ADMIN_EMAIL:c(s.sender),GOTRUE_SMTP_HOST:c(s.host),GOTRUE_SMTP_PASS:"${SMTP_PASS}",GOTRUE_SMTP_PORT:String(s.port),GOTRUE_SMTP_SENDER_NAME:c(s.sender_name??""),GOTRUE_SMTP_USER:c(s.user)}));for(let r of Object.keys(t.auth.external).sort()){let o=t.auth.external[r],a=r.toUpperCase();u(e,`auth.external.${r}.secret`),n[`GOTRUE_EXTERNAL_${a}_ENABLED`]="true",n[`GOTRUE_EXTERNAL_${a}_CLIENT_ID`]=c(o.client_id),n[`GOTRUE_EXTERNAL_${a}_SECRET`]=`\${EXTERNAL_${a}_SECRET}`,n[`GOTRUE_EXTERNAL_${a}_REDIRECT_URI`]=c(`${l(e)}/auth/v1/callback`),o.url!==void 0&&(n[`GOTRUE_EXTERNAL_${a}_URL`]=c(o.url))}return n}function se(e){let{project:t,wgAddress:n}=e,s=k(t.server.type,H),r=E=>[`${n}:${h[E]}:${h[E]}`],o={restart:"unless-stopped"},a={db:{condition:"service_healthy"}};return{services:{db:{...o,image:i.postgres,command:["postgres","-c","config_file=/etc/postgresql/postgresql.conf","-c",`shared_buffers=${W(s.db)}`,"-c","log_min_messages=fatal"],environment:{AUTHENTICATOR_PASSWORD:"${AUTHENTICATOR_PASSWORD}",AUTH_ADMIN_PASSWORD:"${AUTH_ADMIN_PASSWORD}",FUNCTIONS_ADMIN_PASSWORD:"${FUNCTIONS_ADMIN_PASSWORD}",JWT_EXP:"3600",JWT_SECRET:"${JWT_SECRET}",PGBOUNCER_PASSWORD:"${PGBOUNCER_PASSWORD}",PGDATABASE:"postgres",PGPORT:"5432",POSTGRES_DB:"postgres",POSTGRES_HOST:"/var/run/postgresql",POSTGRES_PASSWORD:"${POSTGRES_PASSWORD}",POSTGRES_PORT:"5432",STORAGE_ADMIN_PASSWORD:"${STORAGE_ADMIN_PASSWORD}"},healthcheck:_(["CMD","pg_isready","-U","postgres","-h","localhost"]),mem_limit:s.db,ports:r("db"),shm_size:"256m",volumes:["./db/init/webhooks.sql:/docker-entrypoint-initdb.d/init-scripts/98-webhooks.sql:ro","./db/init/roles.sql:/docker-entrypoint-initdb.d/init-scripts/99-roles.sql:ro","./db/init/jwt.sql:/docker-entrypoint-initdb.d/init-scripts/99-jwt.sql:ro","./db/init/realtime.sql:/docker-entrypoint-initdb.d/migrations/99-realtime.sql:ro","./db/init/supafleet.sql:/docker-entrypoint-initdb.d/migrations/99-supafleet.sql:ro","db-data:/var/lib/postgresql/data","db-config:/etc/postgresql-custom"]},auth:{...o,image:i.auth,depends_on:a,environment:ne(e),healthcheck:_(I("http://localhost:9999/health")),mem_limit:s.auth,ports:r("auth")},rest:{...o,image:i.rest,command:["postgrest"],depends_on:a,environment:{PGRST_ADMIN_SERVER_PORT:"3001",PGRST_APP_SETTINGS_JWT_EXP:"3600",PGRST_APP_SETTINGS_JWT_SECRET:"${JWT_SECRET}",PGRST_DB_ANON_ROLE:"anon",PGRST_DB_EXTRA_SEARCH_PATH:"public",PGRST_DB_MAX_ROWS:"1000",PGRST_DB_SCHEMAS:"public,storage,graphql_public,supafleet",PGRST_DB_URI:L("authenticator","AUTHENTICATOR_PASSWORD"),PGRST_DB_USE_LEGACY_GUCS:"false",PGRST_JWT_SECRET:"${JWT_SECRET}"},healthcheck:_(["CMD","postgrest","--ready"]),mem_limit:s.rest,ports:r("rest")},realtime:{...o,image:i.realtime,depends_on:a,environment:{ANON_KEY:"${ANON_KEY}",API_JWT_SECRET:"${JWT_SECRET}",APP_NAME:"realtime",DB_AFTER_CONNECT_QUERY:"SET search_path TO _realtime",DB_ENC_KEY:"${REALTIME_DB_ENC_KEY}",DB_HOST:"db",DB_NAME:"postgres",DB_PASSWORD:"${POSTGRES_PASSWORD}",DB_PORT:"5432",DB_USER:"supabase_admin",DISABLE_HEALTHCHECK_LOGGING:"true",DNS_NODES:"''",ERL_AFLAGS:"-proto_dist inet_tcp",METRICS_JWT_SECRET:"${JWT_SECRET}",PORT:"4000",RLIMIT_NOFILE:"10000",RUN_JANITOR:"true",SECRET_KEY_BASE:"${SECRET_KEY_BASE}",SEED_SELF_HOST:"true"},healthcheck:_(["CMD-SHELL",'curl -sSfL --head -o /dev/null -H "Authorization: Bearer $$ANON_KEY" http://localhost:4000/api/tenants/realtime-dev/health'],"30s",3),mem_limit:s.realtime,ports:r("realtime")},storage:{...o,image:i.storage,depends_on:{...a,imgproxy:{condition:"service_started"},rest:{condition:"service_started"}},environment:{ANON_KEY:"${ANON_KEY}",DATABASE_URL:L("supabase_storage_admin","STORAGE_ADMIN_PASSWORD"),ENABLE_IMAGE_TRANSFORMATION:"true",FILE_SIZE_LIMIT:String(t.storage.file_size_limit_mb*1024*1024),FILE_STORAGE_BACKEND_PATH:"/var/lib/storage",GLOBAL_S3_BUCKET:"stub",IMGPROXY_URL:"http://imgproxy:5001",PGRST_JWT_SECRET:"${JWT_SECRET}",POSTGREST_URL:"http://rest:3000",REGION:"local",REQUEST_ALLOW_X_FORWARDED_PATH:"true",S3_PROTOCOL_ACCESS_KEY_ID:"${S3_PROTOCOL_ACCESS_KEY_ID}",S3_PROTOCOL_ACCESS_KEY_SECRET:"${S3_PROTOCOL_ACCESS_KEY_SECRET}",SERVICE_KEY:"${SERVICE_ROLE_KEY}",STORAGE_BACKEND:"file",STORAGE_PUBLIC_URL:c(l(e)),TENANT_ID:"stub"},healthcheck:_(I("http://storage:5000/status")),mem_limit:s.storage,ports:r("storage"),volumes:["storage-data:/var/lib/storage"]},imgproxy:{...o,image:i.imgproxy,environment:{IMGPROXY_BIND:":5001",IMGPROXY_ENABLE_WEBP_DETECTION:"true",IMGPROXY_LOCAL_FILESYSTEM_ROOT:"/",IMGPROXY_MAX_SRC_RESOLUTION:"16.8",IMGPROXY_USE_ETAG:"true"},healthcheck:_(["CMD","imgproxy","health"]),mem_limit:s.imgproxy,volumes:["storage-data:/var/lib/storage:ro"]},meta:{...o,image:i.meta,depends_on:a,environment:{CRYPTO_KEY:"${PG_META_CRYPTO_KEY}",PG_META_DB_HOST:"db",PG_META_DB_NAME:"postgres",PG_META_DB_PASSWORD:"${POSTGRES_PASSWORD}",PG_META_DB_PORT:"5432",PG_META_DB_USER:"supabase_admin",PG_META_PORT:"8080"},healthcheck:_(["CMD","node","-e","fetch('http://localhost:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]),mem_limit:s.meta,ports:r("meta")},functions:{...o,image:i.functions,command:["start","--main-service","/home/deno/functions/main"],depends_on:a,environment:{JWT_SECRET:"${JWT_SECRET}",SUPABASE_ANON_KEY:"${ANON_KEY}",SUPABASE_DB_URL:"postgresql://postgres:${POSTGRES_PASSWORD}@db:5432/postgres",SUPABASE_PUBLIC_URL:c(l(e)),SUPABASE_SERVICE_ROLE_KEY:"${SERVICE_ROLE_KEY}",SUPABASE_URL:c(l(e)),VERIFY_JWT:String(t.functions.verify_jwt)},healthcheck:_(["CMD","bash","-c","exec 3<>/dev/tcp/127.0.0.1/9000"]),mem_limit:s.functions,ports:r("functions"),volumes:["./functions:/home/deno/functions:ro","./function-secrets.json:/run/supafleet/function-secrets.json:ro","deno-cache:/root/.cache/deno"]},vector:{...o,image:i.vector,command:["--config","/etc/vector/vector.yml"],depends_on:{"docker-logs":{condition:"service_started"}},environment:{DOCKER_HOST:"tcp://docker-logs:2375",LOGFLARE_API_KEY:"${LOGFLARE_API_KEY}",SUPAFLEET_MASTER:R(e.fleet.network.cidr),SUPAFLEET_PROJECT:t.name},healthcheck:_(I("http://vector:9001/health")),mem_limit:s.vector,networks:["default","docker-logs"],volumes:["./vector/vector.yml:/etc/vector/vector.yml:ro"]},"docker-logs":B(i.socketProxy,s["socket-proxy"]),...ae(t.server.type)},volumes:{"db-config":{},"db-data":{},"deno-cache":{},...re},networks:{default:{},"docker-logs":{},...oe}}}var qe=1e3,y="/var/lib/supafleet/storage",re={"storage-data":{}},oe={"docker-api":{}};function ae(e){let t=k(e,H);return{agent:{depends_on:{"socket-proxy":{condition:"service_healthy"}},environment:{DOCKER_HOST:"tcp://127.0.0.1:2375",SUPAFLEET_AGENT_CONFIG:"/etc/supafleet/agent.json"},image:i.agent,mem_limit:t.agent,network_mode:"host",restart:"unless-stopped",volumes:["/etc/supafleet:/etc/supafleet:ro","/opt/supafleet:/opt/supafleet",`storage-data:${y}:ro`]},"socket-proxy":{environment:{CONTAINERS:"1",EXEC:"1",IMAGES:"1",INFO:"1",NETWORKS:"1",POST:"1",VOLUMES:"1"},healthcheck:_(["CMD","wget","-q","--spider","http://127.0.0.1:2375/_ping"]),image:i.socketProxy,mem_limit:t["socket-proxy"],networks:["docker-api"],ports:["127.0.0.1:2375:2375"],restart:"unless-stopped",volumes:["/var/run/docker.sock:/var/run/docker.sock:ro"]}}}function q(e){return O(se(e))}function ie(e){let t=e.secrets,n={ANON_KEY:t.anon_key,AUTHENTICATOR_PASSWORD:t.role_passwords.authenticator,AUTH_ADMIN_PASSWORD:t.role_passwords.supabase_auth_admin,FUNCTIONS_ADMIN_PASSWORD:t.role_passwords.supabase_functions_admin,JWT_SECRET:t.jwt_secret,LOGFLARE_API_KEY:t.logflare_api_key,PGBOUNCER_PASSWORD:t.role_passwords.pgbouncer,PG_META_CRYPTO_KEY:t.pg_meta_crypto_key,POSTGRES_PASSWORD:t.postgres_password,S3_PROTOCOL_ACCESS_KEY_ID:t.s3_protocol_access_key_id,S3_PROTOCOL_ACCESS_KEY_SECRET:t.s3_protocol_access_key_secret,REALTIME_ADMIN_PASSWORD:t.role_passwords.supabase_realtime_admin,REALTIME_DB_ENC_KEY:t.realtime_db_enc_key,SECRET_KEY_BASE:t.secret_key_base,SERVICE_ROLE_KEY:t.service_role_key,STORAGE_ADMIN_PASSWORD:t.role_passwords.supabase_storage_admin,VAULT_ENC_KEY:t.vault_enc_key};e.project.auth.smtp&&(n.SMTP_PASS=u(e,"auth.smtp.pass"));for(let s of Object.keys(e.project.auth.external))n[`EXTERNAL_${s.toUpperCase()}_SECRET`]=u(e,`auth.external.${s}.secret`);return n}function Y(e){return j(ie(e))}function K(e){let t={};for(let n of Object.keys(e.project.functions.secrets).sort()){if(!/^[A-Z_][A-Z0-9_]*$/.test(n))throw new Error(`functions.secrets: ${JSON.stringify(n)} is not a valid name; expected ^[A-Z_][A-Z0-9_]*$`);t[n]=u(e,`functions.secrets.${n}`)}return JSON.stringify(t,null,1)+`
`}var ce=8081,pe={auth:"gotrue.logs.prod",db:"postgres.logs",functions:"deno-relay-logs",realtime:"realtime.logs.prod",rest:"postgREST.logs.prod",storage:"storage.logs.prod.2"},_e=['.project = get_env_var!("SUPAFLEET_PROJECT")',".event_message = del(.message)",".appname = del(.container_name)","del(.container_created_at)","del(.container_id)","del(.source_type)","del(.stream)","del(.label)","del(.image)","del(.host)"],de={auth:["parsed, err = parse_json(.event_message)","if err == null {","  .metadata.timestamp = parsed.time","  .metadata = merge!(.metadata, parsed)","}"],rest:["parsed, err = parse_regex(.event_message, r'^(?P<time>.*): (?P<msg>.*)$')","if err == null {","  .event_message = parsed.msg",'  ts, terr = parse_timestamp(parsed.time, format: "%d/%b/%Y:%H:%M:%S %z")',"  if terr == null { .timestamp = ts }","  .metadata.host = .project","}"],realtime:[".metadata.project = del(.project)",".metadata.external_id = .metadata.project","parsed, err = parse_regex(.event_message, r'^(?P<time>\\d+:\\d+:\\d+\\.\\d+) \\[(?P<level>\\w+)\\] (?P<msg>.*)$')","if err == null {","  .event_message = parsed.msg","  .metadata.level = parsed.level","}"],functions:[".metadata.project_ref = del(.project)"],storage:[".metadata.project = del(.project)",".metadata.tenantId = .metadata.project","parsed, err = parse_json(.event_message)","if err == null {","  .event_message = parsed.msg","  .metadata.level = parsed.level","  .metadata.timestamp = parsed.time","  .metadata.context[0].host = parsed.hostname","  .metadata.context[0].pid = parsed.pid","}"],db:['.metadata.host = "db-" + string!(.project)',".metadata.parsed.timestamp = .timestamp","parsed, err = parse_regex(.event_message, r'.*(?P<level>INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC?):.*', numeric_groups: true)","if err != null || parsed == null {",'  .metadata.parsed.error_severity = "info"',"}","if parsed != null {","  .metadata.parsed.error_severity = parsed.level","}",'if .metadata.parsed.error_severity == "info" {','  .metadata.parsed.error_severity = "log"',"}",".metadata.parsed.error_severity = upcase!(.metadata.parsed.error_severity)"]};function z(){let e={},t={},n={};for(let[s,r]of Object.entries(pe))e[s]=`.label."com.docker.compose.service" == "${s}"`,t[`${s}_logs`]={type:"remap",inputs:[`router.${s}`],source:[..._e,...de[s]].join(`
`)},n[`master_${s}`]={type:"http",inputs:[`${s}_logs`],uri:`http://\${SUPAFLEET_MASTER}:${ce}/v1/agent/logs?source_name=${r}`,method:"post",auth:{strategy:"bearer",token:"${LOGFLARE_API_KEY}"},encoding:{codec:"json"},batch:{max_bytes:262144,max_events:1e3,timeout_secs:1},request:{retry_initial_backoff_secs:1,retry_max_duration_secs:30}};return O({api:{enabled:!0,address:"0.0.0.0:9001"},sources:{containers:{type:"docker_logs",include_labels:["com.docker.compose.project=supafleet"],exclude_containers:["supafleet-vector-1"]}},transforms:{router:{type:"route",inputs:["containers"],route:e},...t},sinks:n})}var P="/opt/supafleet",ue="/etc/supafleet/backup.key",le="/etc/supafleet/backup-target",d={backup:`#!/bin/bash
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
`,jwt:`-- supafleet: JWT settings for PostgREST and auth helpers, from the container's environment.
\\set ON_ERROR_STOP on
\\getenv jwt_secret JWT_SECRET
\\getenv jwt_exp JWT_EXP

ALTER DATABASE postgres SET "app.settings.jwt_secret" TO :'jwt_secret';
ALTER DATABASE postgres SET "app.settings.jwt_exp" TO :'jwt_exp';
`,health:`// supafleet-health: the Edge Function \`supafleet smoke\` invokes to check the functions
// runtime end to end (Kong \u2192 the main router \u2192 a user worker). It answers {"ok": true}.
Deno.serve(
  () =>
    new Response(JSON.stringify({ ok: true, function: 'supafleet-health' }), {
      headers: { 'Content-Type': 'application/json' },
    }),
);
`,main:`// supafleet Edge Functions main router.
// Verifies the caller's JWT (HS256, the project's JWT secret) unless VERIFY_JWT is
// "false", then runs /home/deno/functions/<name> in a user worker with memory and
// time limits and the project's function secrets as environment variables. The
// secrets file is read on every request; when it changes, workers are recreated.

const VERIFY_JWT = Deno.env.get('VERIFY_JWT') !== 'false';
const SECRETS_FILE = '/run/supafleet/function-secrets.json';
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const jwtKey = await crypto.subtle.importKey(
  'raw',
  encoder.encode(Deno.env.get('JWT_SECRET') ?? ''),
  { name: 'HMAC', hash: 'SHA-256' },
  false,
  ['verify'],
);
let secretsStamp = '';

function json(status: number, message: string): Response {
  return new Response(JSON.stringify({ msg: message }), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function base64url(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

async function verified(req: Request): Promise<boolean> {
  const m = /^Bearer ([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]+)$/.exec(req.headers.get('authorization') ?? '');
  if (!m) return false;
  try {
    if (JSON.parse(decoder.decode(base64url(m[1]))).alg !== 'HS256') return false;
    const ok = await crypto.subtle.verify('HMAC', jwtKey, base64url(m[3]), encoder.encode(\`\${m[1]}.\${m[2]}\`));
    const claims = JSON.parse(decoder.decode(base64url(m[2])));
    return ok && (typeof claims.exp !== 'number' || claims.exp > Date.now() / 1000);
  } catch {
    return false;
  }
}

async function functionSecrets(): Promise<{ vars: [string, string][]; changed: boolean }> {
  let text = '{}';
  try {
    text = await Deno.readTextFile(SECRETS_FILE);
  } catch {
    // No secrets file: no function secrets.
  }
  const changed = text !== secretsStamp;
  secretsStamp = text;
  return { vars: Object.entries(JSON.parse(text) as Record<string, string>), changed };
}

Deno.serve(async (req: Request) => {
  const name = new URL(req.url).pathname.split('/')[1] ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name) || name === 'main') return json(404, 'function not found');
  if (VERIFY_JWT && !(await verified(req))) return json(401, 'invalid or missing JWT');
  const { vars, changed } = await functionSecrets();
  const base = Object.entries(Deno.env.toObject()).filter(([k]) => k.startsWith('SUPABASE_'));
  try {
    const worker = await EdgeRuntime.userWorkers.create({
      servicePath: \`/home/deno/functions/\${name}\`,
      memoryLimitMb: 150,
      workerTimeoutMs: 60_000,
      noModuleCache: false,
      importMapPath: null,
      envVars: [...base, ...vars],
      forceCreate: changed,
    });
    return await worker.fetch(req);
  } catch (e) {
    console.error(\`function \${name} failed:\`, e);
    return json(500, 'function failed');
  }
});
`,realtime:`-- supafleet: Realtime keeps its own tables in the _realtime schema.
\\set ON_ERROR_STOP on
CREATE SCHEMA IF NOT EXISTS _realtime;
ALTER SCHEMA _realtime OWNER TO supabase_admin;
`,roles:`-- supafleet: a distinct password for each service role. The passwords come from the
-- database container's environment (psql \\getenv), so this file holds no secret.
\\set ON_ERROR_STOP on
\\getenv authenticator_password AUTHENTICATOR_PASSWORD
\\getenv auth_admin_password AUTH_ADMIN_PASSWORD
\\getenv storage_admin_password STORAGE_ADMIN_PASSWORD
\\getenv functions_admin_password FUNCTIONS_ADMIN_PASSWORD
\\getenv pgbouncer_password PGBOUNCER_PASSWORD

ALTER ROLE authenticator WITH PASSWORD :'authenticator_password';
ALTER ROLE supabase_auth_admin WITH PASSWORD :'auth_admin_password';
ALTER ROLE supabase_storage_admin WITH PASSWORD :'storage_admin_password';
ALTER ROLE supabase_functions_admin WITH PASSWORD :'functions_admin_password';
ALTER ROLE pgbouncer WITH PASSWORD :'pgbouncer_password';
`,supafleet:`-- supafleet: the schema \`supafleet smoke\` writes to (core/smoke/run.ts SMOKE_TABLE_SQL makes the
-- same, idempotently, on workers initialised before this file). PostgREST exposes it
-- (PGRST_DB_SCHEMAS), so it must exist; only service_role may use it.
-- Mounted as migrations/99-supafleet.sql: migrate.sh runs it as supabase_admin after the image's
-- migrations, with ON_ERROR_STOP.
create schema if not exists supafleet;
create table if not exists supafleet.smoke (id uuid primary key default gen_random_uuid(), note text not null, created_at timestamptz not null default now());
grant usage on schema supafleet to service_role;
grant select, insert, delete on supafleet.smoke to service_role;
`,webhooks:`-- supafleet: Database Webhooks (pg_net and the supabase_functions schema), and the
-- supabase_functions_admin role that owns them. Mounted as init-scripts/98-webhooks.sql,
-- so it runs as postgres before 99-roles.sql gives the role its password; the same
-- place and effect as upstream's docker/volumes/db/webhooks.sql (supabase/supabase,
-- docker-compose.yml:473 at the 2026.02.16 release).
\\set ON_ERROR_STOP on

BEGIN;

-- HTTP from SQL. The image's event trigger issue_pg_net_access (init-scripts/00000000000003-post-setup.sql)
-- fires on this and grants net.http_get/http_post; it also creates supabase_functions_admin.
CREATE EXTENSION IF NOT EXISTS pg_net SCHEMA extensions;

-- The owner of the webhooks schema, unless the event trigger above already made it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supabase_functions_admin') THEN
    CREATE ROLE supabase_functions_admin NOINHERIT CREATEROLE LOGIN NOREPLICATION;
  END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS supabase_functions AUTHORIZATION supabase_admin;
GRANT USAGE ON SCHEMA supabase_functions TO postgres, anon, authenticated, service_role;
GRANT ALL PRIVILEGES ON SCHEMA supabase_functions TO supabase_functions_admin;
ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions
  GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions
  GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions
  GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;

-- Studio reads these versions to know the webhooks schema is in place.
CREATE TABLE supabase_functions.migrations (
  version text PRIMARY KEY,
  inserted_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO supabase_functions.migrations (version)
VALUES ('initial'), ('20210809183423_update_grants');

-- One row per webhook call: which table and trigger fired, and pg_net's request id.
CREATE TABLE supabase_functions.hooks (
  id bigserial PRIMARY KEY,
  hook_table_id integer NOT NULL,
  hook_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  request_id bigint
);
COMMENT ON TABLE supabase_functions.hooks IS 'Supabase Functions Hooks: Audit trail for triggered hooks.';
CREATE INDEX supabase_functions_hooks_request_id_idx ON supabase_functions.hooks (request_id);
CREATE INDEX supabase_functions_hooks_h_table_id_h_name_idx
  ON supabase_functions.hooks (hook_table_id, hook_name);

-- The trigger function Studio attaches for a Database Webhook. Trigger arguments:
-- url, method (GET or POST), headers (json), params (json), timeout in ms; 'null' means unset.
CREATE FUNCTION supabase_functions.http_request()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = supabase_functions
AS $fn$
DECLARE
  arg_url text := nullif(TG_ARGV[0], 'null');
  arg_method text := nullif(TG_ARGV[1], 'null');
  arg_headers jsonb := coalesce(nullif(TG_ARGV[2], 'null')::jsonb, '{"Content-Type": "application/json"}'::jsonb);
  arg_params jsonb := coalesce(nullif(TG_ARGV[3], 'null')::jsonb, '{}'::jsonb);
  arg_timeout integer := coalesce(nullif(TG_ARGV[4], 'null')::integer, 1000);
  req bigint;
BEGIN
  IF arg_url IS NULL THEN
    RAISE EXCEPTION 'url argument is missing';
  END IF;
  IF arg_method IS NULL THEN
    RAISE EXCEPTION 'method argument is missing';
  END IF;
  IF arg_method = 'GET' THEN
    req := net.http_get(arg_url, arg_params, arg_headers, arg_timeout);
  ELSIF arg_method = 'POST' THEN
    req := net.http_post(
      arg_url,
      jsonb_build_object(
        'old_record', OLD, 'record', NEW, 'type', TG_OP, 'table', TG_TABLE_NAME, 'schema', TG_TABLE_SCHEMA
      ),
      arg_params,
      arg_headers,
      arg_timeout
    );
  ELSE
    RAISE EXCEPTION 'method argument % is invalid', arg_method;
  END IF;
  INSERT INTO supabase_functions.hooks (hook_table_id, hook_name, request_id) VALUES (TG_RELID, TG_NAME, req);
  RETURN NEW;
END
$fn$;
REVOKE ALL ON FUNCTION supabase_functions.http_request() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION supabase_functions.http_request() TO postgres, anon, authenticated, service_role;

ALTER TABLE supabase_functions.migrations OWNER TO supabase_functions_admin;
ALTER TABLE supabase_functions.hooks OWNER TO supabase_functions_admin;
ALTER FUNCTION supabase_functions.http_request() OWNER TO supabase_functions_admin;
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA supabase_functions TO supabase_functions_admin;
GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA supabase_functions TO supabase_functions_admin;
ALTER ROLE supabase_functions_admin SET search_path = supabase_functions;
-- postgres (the role Edge Functions connect as, and the dashboard's) manages the webhooks.
GRANT supabase_functions_admin TO postgres;

-- When pg_net existed before this file (so the event trigger did not fire), grant its functions here.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_net') THEN
    GRANT USAGE ON SCHEMA net TO supabase_functions_admin, postgres, anon, authenticated, service_role;
    ALTER FUNCTION net.http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer)
      SECURITY DEFINER SET search_path = net;
    ALTER FUNCTION net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer)
      SECURITY DEFINER SET search_path = net;
    REVOKE ALL ON FUNCTION net.http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer) FROM PUBLIC;
    REVOKE ALL ON FUNCTION net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION net.http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer)
      TO supabase_functions_admin, postgres, anon, authenticated, service_role;
    GRANT EXECUTE ON FUNCTION net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer)
      TO supabase_functions_admin, postgres, anon, authenticated, service_role;
  END IF;
END
$$;

COMMIT;
`};function me(e){let{fleet:t,project:n}=e,s=g("storage_box.host",t.storage_box.host),r=v("storage_box.user",t.storage_box.user);return t.storage_box.id!==void 0?{repository:"sftp:{target}:.",login:"{target}",targetFile:le}:{repository:`sftp://${r}@${s}:23/supafleet/${n.name}`,login:`${r}@${s}`}}function Ee(e){let{project:t}=e,n=me(e);return JSON.stringify({...t.backup.healthcheck_url!==void 0?{healthcheck_url:D("backup.healthcheck_url",t.backup.healthcheck_url)}:{},dumps:[{name:"db",container:"supafleet-db-1",command:["pg_dumpall","-h","127.0.0.1","-U","supabase_admin"]}],keep:t.backup.keep,paths:[".env","docker-compose.yml","function-secrets.json","functions",y],prune:!1,repository:n.repository,sftp_command:`ssh -p 23 -i ${ue} -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${P}/.ssh_known_hosts ${n.login} -s sftp`,state_dir:P,tag:`project=${t.name}`,...n.targetFile!==void 0?{target_file:n.targetFile}:{}},null,1)+`
`}function ge(e){let t=(s,r,o={})=>({service:s,type:"http",url:`http://${e}:${h[s]}${r}`,...o}),n=[t("auth","/health"),{service:"db",type:"postgres",host:e,port:h.db,user:"postgres",database:"postgres",password_env:"POSTGRES_PASSWORD"},t("functions","/",{expect:"below-500"}),t("meta","/health"),t("realtime","/api/tenants/realtime-dev/health",{headers:{Authorization:"Bearer ${ANON_KEY}"}}),t("rest","/"),t("storage","/status")];return JSON.stringify({probes:n},null,1)+`
`}function fe(e){return["# supafleet: backup schedule (the agent runs backup.sh on it)","SHELL=/bin/bash","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",`${x("backup.schedule",e.project.backup.schedule)} root ${P}/backup/backup.sh >>/var/log/supafleet-backup.log 2>&1`,""].join(`
`)}function ot(e){if(!Number.isInteger(e.revision)||e.revision<1)throw new Error(`revision: ${e.revision} is not valid; expected an integer \u2265 1`);b("name",e.project.name),b("subdomain",e.project.subdomain),g("domain",e.fleet.domain),U("wgAddress",e.wgAddress,e.fleet.network.cidr);let t=[[".env",Y(e)],["backup/backup.json",Ee(e)],["backup/backup.sh",d.backup],["backup/crontab",fe(e)],["backup/restic-password",e.secrets.restic_password+`
`],["db/init/jwt.sql",d.jwt],["db/init/realtime.sql",d.realtime],["db/init/roles.sql",d.roles],["db/init/supafleet.sql",d.supafleet],["db/init/webhooks.sql",d.webhooks],["docker-compose.yml",q(e)],["function-secrets.json",K(e)],["functions/main/index.ts",d.main],["functions/supafleet-health/index.ts",d.health],["manifest.json",JSON.stringify({project:e.project.name,revision:e.revision,supabase_release:G},null,1)+`
`],["probes.json",ge(e.wgAddress)],["vector/vector.yml",z()]];return new Map(t)}var pt="/opt/supafleet-master",_t=51820,he="/etc/wireguard/supafleet",dt=`${he}/peers.conf`,ut="127.0.0.1:8090";function lt(e){let t=g("domain",e.domain),n=g("admin_domain",e.admin_domain),s=w(t,n);if(s!==void 0)throw new Error(`admin_domain: ${s}`);let{prefix:r}=T("network.cidr",e.network.cidr),o=R(e.network.cidr);return{domain:t,adminDomain:n,cidr:e.network.cidr,prefix:r,wgAddress:o,apiListen:"127.0.0.1:8080",agentListen:`${o}:8081`}}export{S as a,i as b,Ne as c,$e as d,Ie as e,k as f,O as g,B as h,xe as i,v as j,g as k,Te as l,Re as m,Se as n,Ae as o,T as p,V as q,pt as r,_t as s,he as t,dt as u,ut as v,lt as w,j as x,qe as y,re as z,oe as A,ae as B,ot as C};
