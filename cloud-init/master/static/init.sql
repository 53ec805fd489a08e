-- supafleet master database: Kong's database and the registry, each with its own
-- role and password (from the container's environment, psql \getenv), and the
-- _supabase database that Logflare and Supavisor keep their tables in.
\set ON_ERROR_STOP on
\getenv kong_password KONG_DB_PASSWORD
\getenv registry_password REGISTRY_DB_PASSWORD

CREATE ROLE kong WITH LOGIN PASSWORD :'kong_password';
CREATE DATABASE kong OWNER kong;
CREATE ROLE supafleet WITH LOGIN PASSWORD :'registry_password';
CREATE DATABASE supafleet OWNER supafleet;
REVOKE ALL ON DATABASE kong FROM PUBLIC;
REVOKE ALL ON DATABASE supafleet FROM PUBLIC;

CREATE DATABASE _supabase OWNER supabase_admin;
\connect _supabase
CREATE SCHEMA IF NOT EXISTS _analytics AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS _supavisor AUTHORIZATION supabase_admin;
