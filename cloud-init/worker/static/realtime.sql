-- supafleet: Realtime keeps its own tables in the _realtime schema.
\set ON_ERROR_STOP on
CREATE SCHEMA IF NOT EXISTS _realtime;
ALTER SCHEMA _realtime OWNER TO supabase_admin;
