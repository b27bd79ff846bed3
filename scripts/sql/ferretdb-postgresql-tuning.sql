-- Applied to the PostgreSQL database that backs FerretDB (local stack, postgresql backend).
-- FerretDB 1.24 filters _id with `_jsonb->'_id' @> $2`, which its own btree index on
-- (_jsonb->'_id') cannot serve, so every _id look-up scans the collection. A GIN jsonb_path_ops
-- index on the same expression serves @>, and custom plans let the planner see that the
-- parameter is '_id'. Measured effect in docs/BENCHMARKS.md ("FerretDB backend").
do $$ begin execute format('alter database %I set plan_cache_mode = force_custom_plan', current_database()); end $$;

create or replace function switchyard_index_ferretdb_table() returns event_trigger language plpgsql as $$
declare r record;
begin
  for r in select * from pg_event_trigger_ddl_commands() where command_tag = 'CREATE TABLE' loop
    if exists (select 1 from pg_attribute where attrelid = r.objid and attname = '_jsonb') then
      execute format('create index on %s using gin ((_jsonb -> ''_id'') jsonb_path_ops)', r.object_identity);
    end if;
  end loop;
end $$;
drop event trigger if exists switchyard_index_ferretdb_tables;
create event trigger switchyard_index_ferretdb_tables on ddl_command_end when tag in ('CREATE TABLE') execute function switchyard_index_ferretdb_table();
