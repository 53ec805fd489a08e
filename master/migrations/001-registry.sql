-- The registry: projects, their secrets and peers, enrollment, heartbeats,
-- commands, backups, the audit log and API tokens.

create table projects (
  name text primary key,
  subdomain text not null,
  spec jsonb not null,
  revision integer not null default 1 check (revision >= 1),
  status text not null default 'active' check (status in ('active', 'deleted')),
  wg_ip inet not null,
  -- sha256 of the agent token, so agent calls are checked without decrypting secrets
  agent_token_hash bytea not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create unique index projects_wg_ip_active on projects (wg_ip) where status = 'active';
create unique index projects_subdomain_active on projects (subdomain) where status = 'active';

-- libsodium secretbox of the JSON ProjectSecrets; kept 30 days after a delete
create table project_secrets (
  project text primary key references projects (name),
  nonce bytea not null,
  ciphertext bytea not null,
  created_at timestamptz not null default now(),
  purge_after timestamptz
);

-- the project's enrolled worker (one at a time)
create table peers (
  project text primary key references projects (name),
  public_key text not null unique,
  seal_public_key text not null,
  wg_ip inet not null,
  enrolled_at timestamptz not null default now()
);

create table enrollment_tokens (
  token_hash bytea primary key,
  project text not null references projects (name),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index enrollment_tokens_project on enrollment_tokens (project);

-- latest report per project, plus a ring of the last N reports (slot = seq mod N).
-- No foreign keys here on purpose: heartbeats are the hot path, and a key check
-- would lock the project row on every report. Agents are authenticated against
-- projects before a heartbeat is stored, and project rows are never deleted.
create table heartbeats (
  project text primary key,
  seq bigint not null,
  received_at timestamptz not null,
  report jsonb not null
);
create table heartbeat_history (
  project text not null,
  slot integer not null,
  seq bigint not null,
  received_at timestamptz not null,
  report jsonb not null,
  primary key (project, slot)
);

create table commands (
  id uuid primary key,
  project text not null references projects (name),
  type text not null check (type in ('backup', 'restart', 'refetch')),
  service text,
  state text not null check (state in ('pending', 'running', 'succeeded', 'failed')),
  requested_by jsonb not null,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  result jsonb
);
create index commands_project on commands (project, created_at desc);

create table backups (
  id uuid primary key references commands (id),
  project text not null references projects (name),
  state text not null check (state in ('running', 'succeeded', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  duration_s double precision,
  snapshot_id text,
  size_bytes bigint,
  error text
);
create index backups_project on backups (project, started_at desc);

create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor jsonb not null,
  action text not null,
  project text,
  detail jsonb not null default '{}'
);
create index audit_log_project on audit_log (project, at desc);

create table api_tokens (
  id text primary key,
  name text not null,
  scope text not null check (scope in ('read', 'write', 'admin')),
  secret_hash bytea not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
