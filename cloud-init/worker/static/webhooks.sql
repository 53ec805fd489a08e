-- supafleet: Database Webhooks (pg_net and the supabase_functions schema), and the
-- supabase_functions_admin role that owns them. Mounted as init-scripts/98-webhooks.sql,
-- so it runs as postgres before 99-roles.sql gives the role its password; the same
-- place and effect as upstream's docker/volumes/db/webhooks.sql (supabase/supabase,
-- docker-compose.yml:473 at the 2026.02.16 release).
\set ON_ERROR_STOP on

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
