-- supafleet: a distinct password for each service role. The passwords come from the
-- database container's environment (psql \getenv), so this file holds no secret.
\set ON_ERROR_STOP on
\getenv authenticator_password AUTHENTICATOR_PASSWORD
\getenv auth_admin_password AUTH_ADMIN_PASSWORD
\getenv storage_admin_password STORAGE_ADMIN_PASSWORD
\getenv functions_admin_password FUNCTIONS_ADMIN_PASSWORD
\getenv pgbouncer_password PGBOUNCER_PASSWORD

ALTER ROLE authenticator WITH PASSWORD :'authenticator_password';
ALTER ROLE supabase_auth_admin WITH PASSWORD :'auth_admin_password';
ALTER ROLE supabase_storage_admin WITH PASSWORD :'storage_admin_password';
ALTER ROLE supabase_functions_admin WITH PASSWORD :'functions_admin_password';
ALTER ROLE pgbouncer WITH PASSWORD :'pgbouncer_password';
