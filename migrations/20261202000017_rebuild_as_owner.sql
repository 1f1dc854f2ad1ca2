-- Migration 16 replaced stats_rebuild() (CREATE OR REPLACE resets a function's attributes): it
-- runs as the owner again, with the built-ins first on its search path, as migration 10 made it.
ALTER FUNCTION stats_rebuild() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
