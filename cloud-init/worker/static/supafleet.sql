-- supafleet: the schema `supafleet smoke` writes to (core/smoke/run.ts SMOKE_TABLE_SQL makes the
-- same, idempotently, on workers initialised before this file). PostgREST exposes it
-- (PGRST_DB_SCHEMAS), so it must exist; only service_role may use it.
-- Mounted as migrations/99-supafleet.sql: migrate.sh runs it as supabase_admin after the image's
-- migrations, with ON_ERROR_STOP.
create schema if not exists supafleet;
create table if not exists supafleet.smoke (id uuid primary key default gen_random_uuid(), note text not null, created_at timestamptz not null default now());
grant usage on schema supafleet to service_role;
grant select, insert, delete on supafleet.smoke to service_role;
