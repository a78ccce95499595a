# The catalog queries of ../shared/postgres-clients/pg-client-catalog-queries.md
# (section in parentheses), as the clients send them with their
# placeholders written in, and what weir answers: TestClientCatalogQueries.
# Regenerate with: go test -tags duckdb_arrow -run TestClientCatalogQueries . -rewrite
# Not here yet: DBeaver's and pgx's elided or generated queries.
SELECT 1
----
1

# Grafana: TimescaleDB probe (§1)
SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'
----


# Grafana: showTables() (§1)
SELECT CASE WHEN quote_ident(table_schema) IN (SELECT CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END FROM generate_series(array_lower(string_to_array(current_setting('search_path'),','),1), array_upper(string_to_array(current_setting('search_path'),','),1)) as i, string_to_array(current_setting('search_path'),',') s) THEN quote_ident(table_name) ELSE quote_ident(table_schema) || '.' || quote_ident(table_name) END AS "table" FROM information_schema.tables WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog', '_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_internal', '_timescaledb_config', 'timescaledb_information', 'timescaledb_experimental') ORDER BY 1
----
londoners
readings
users

# Grafana: getSchema('public.users') (§1)
SELECT quote_ident(column_name) AS "column", data_type AS "type" FROM information_schema.columns WHERE CASE WHEN array_length(parse_ident('public.users'),1) = 2 THEN quote_ident(table_schema) = (parse_ident('public.users'))[1] AND quote_ident(table_name) = (parse_ident('public.users'))[2] ELSE quote_ident(table_name) = 'public.users' END
----
city | character varying
id | bigint
joined | timestamp without time zone
name | character varying
ok | boolean
score | numeric
tags | ARRAY

# Grafana: schema API, schemas (§1)
SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT LIKE 'pg_%' AND schema_name != 'information_schema' ORDER BY schema_name
----
public

# Grafana: schema API, tables ($1 = public) (§1)
SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY table_name
----
londoners
users

# Grafana: schema API, columns ($1 = public, $2 = users) (§1)
SELECT column_name, data_type, udt_name, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'users' ORDER BY ordinal_position
----
id | bigint | int8 | 64 | 0
name | character varying | varchar | NULL | NULL
city | character varying | varchar | NULL | NULL
score | numeric | numeric | 10 | 2
joined | timestamp without time zone | timestamp | NULL | NULL
ok | boolean | bool | NULL | NULL
tags | ARRAY | _text | NULL | NULL

# Metabase/pgjdbc: application_name (§2)
SET application_name = 'Metabase v0.62.1.5 [x]'
----


# Metabase/pgjdbc: getTransactionIsolation (§2)
SHOW TRANSACTION ISOLATION LEVEL
----
repeatable read

# Metabase/pgjdbc: getCatalog (§2)
select current_catalog
----
weir

# Metabase/pgjdbc: setTransactionIsolation (§2)
SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED
----


# Metabase/pgjdbc: setTransactionIsolation (§2)
SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED
----


# Metabase: current-user-table-privileges (§2)
with table_privileges as ( select NULL as role, t.schemaname as schema, t.objectname as table, pg_catalog.has_any_column_privilege(current_user, '"' || replace(t.schemaname, '"', '""') || '"' || '.' || '"' || replace(t.objectname, '"', '""') || '"',  'update') as update from ( select schemaname, tablename as objectname from pg_catalog.pg_tables union select schemaname, viewname as objectname from pg_catalog.pg_views union select schemaname, matviewname as objectname from pg_catalog.pg_matviews ) t where t.schemaname !~ '^pg_' and t.schemaname <> 'information_schema' and pg_catalog.has_schema_privilege(current_user, t.schemaname, 'usage') ) select t.* from table_privileges t
----
NULL | public | londoners | true
NULL | public | per_sensor | true
NULL | public | users | true

# Metabase: get-tables-sql ($1 = 0, $2 = 0, $3 = ^pg_, $4 = information_schema, $5 = public) (§2)
SELECT "n"."nspname" AS "schema", "c"."relname" AS "name", CASE "c"."relkind" WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS "type", "d"."description" AS "description", NULLIF("stat"."n_live_tup", 0) AS "estimated_row_count" FROM "pg_catalog"."pg_class" AS "c" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "c"."relnamespace" = "n"."oid" LEFT JOIN "pg_catalog"."pg_description" AS "d" ON ("c"."oid" = "d"."objoid") AND ("d"."objsubid" = 0) AND ("d"."classoid" = 'pg_class'::regclass) LEFT JOIN "pg_stat_user_tables" AS "stat" ON ("n"."nspname" = "stat"."schemaname") AND ("c"."relname" = "stat"."relname") WHERE ("c"."relnamespace" = "n"."oid") AND ("n"."nspname" !~ '^pg_') AND ("n"."nspname" <> 'information_schema') AND c.relkind in ('r', 'p', 'v', 'f', 'm') AND ("n"."nspname" IN ('public')) ORDER BY "type" ASC, "schema" ASC, "name" ASC
----
public | readings | FOREIGN TABLE | NULL | NULL
public | per_sensor | MATERIALIZED VIEW | NULL | NULL
public | users | TABLE | NULL | NULL
public | londoners | VIEW | NULL | NULL

# Metabase: db-default-timezone (§2)
show timezone
----
UTC

# Metabase: enum-types (§2)
SELECT nspname, typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (SELECT DISTINCT enumtypid FROM pg_enum e)
----


# pgjdbc: getSchemas (LIKE '%') (§3)
SELECT nspname AS "TABLE_SCHEM", current_database() AS "TABLE_CATALOG" FROM pg_catalog.pg_namespace  WHERE nspname <> 'pg_toast' AND (nspname !~ '^pg_temp_'  OR nspname = (pg_catalog.current_schemas(true))[1]) AND (nspname !~ '^pg_toast_temp_'  OR nspname = replace((pg_catalog.current_schemas(true))[1], 'pg_temp_', 'pg_toast_temp_'))  AND nspname LIKE '%' ORDER BY "TABLE_SCHEM"
----
information_schema | weir
pg_catalog | weir
public | weir

# pgjdbc: getCatalogs (§3)
SELECT datname AS "TABLE_CAT" FROM pg_catalog.pg_database WHERE datallowconn = true ORDER BY datname
----
weir

# pgjdbc: getTables(TABLE, VIEW) in public (§3)
SELECT current_database() AS "TABLE_CAT", n.nspname AS "TABLE_SCHEM", c.relname AS "TABLE_NAME",  CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema'  WHEN true THEN CASE  WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TABLE'   WHEN 'v' THEN 'SYSTEM VIEW'   WHEN 'i' THEN 'SYSTEM INDEX'   ELSE NULL   END  ELSE NULL END  WHEN false THEN CASE c.relkind  WHEN 'r' THEN 'TABLE'  WHEN 'p' THEN 'PARTITIONED TABLE'  WHEN 'i' THEN 'INDEX'  WHEN 'P' then 'PARTITIONED INDEX'  WHEN 'S' THEN 'SEQUENCE'  WHEN 'v' THEN 'VIEW'  WHEN 'c' THEN 'TYPE'  WHEN 'f' THEN 'FOREIGN TABLE'  WHEN 'm' THEN 'MATERIALIZED VIEW'  ELSE NULL  END  ELSE NULL  END  AS "TABLE_TYPE", d.description AS "REMARKS",  '' as "TYPE_CAT", '' as "TYPE_SCHEM", '' as "TYPE_NAME", '' AS "SELF_REFERENCING_COL_NAME", '' AS "REF_GENERATION"  FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c  LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0  and d.classoid = 'pg_class'::regclass)  WHERE c.relnamespace = n.oid  AND n.nspname LIKE 'public' AND c.relname LIKE '%' AND (false  OR ( c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' )  OR ( c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' ) )  ORDER BY "TABLE_TYPE","TABLE_SCHEM","TABLE_NAME"
----
weir | public | users | TABLE | NULL |  |  |  |  | 
weir | public | londoners | VIEW | NULL |  |  |  |  | 

# pgjdbc: getColumns(public, users) (§3)
SELECT * FROM (SELECT current_database() AS current_database, n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull  OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype  FROM pg_catalog.pg_namespace n  JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid)  JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)  JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)  LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum)  LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)  LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class')  LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog')  WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped  AND n.nspname LIKE 'public' AND c.relname LIKE 'users') c WHERE true  AND attname LIKE '%' ORDER BY nspname,c.relname,attnum
----
weir | public | users | id | 20 | true | -1 | 8 | -1 | 1 | NULL | NULL | NULL | NULL | 0 | b
weir | public | users | name | 1043 | true | -1 | -1 | -1 | 2 | NULL | NULL | NULL | NULL | 0 | b
weir | public | users | city | 1043 | false | 24 | -1 | -1 | 3 | NULL | NULL | NULL | NULL | 0 | b
weir | public | users | score | 1700 | false | 655366 | -1 | -1 | 4 | NULL | NULL | NULL | NULL | 0 | b
weir | public | users | joined | 1114 | false | -1 | 8 | -1 | 5 | NULL | NULL | NULL | NULL | 0 | b
weir | public | users | ok | 16 | false | -1 | 1 | -1 | 6 | NULL | NULL | NULL | NULL | 0 | b
weir | public | users | tags | 1009 | false | -1 | -1 | -1 | 7 | NULL | NULL | NULL | NULL | 0 | b

# pgjdbc: getPrimaryKeys(public, users), 42.7.13 (§3)
SELECT        result.TABLE_CAT AS "TABLE_CAT",        result.TABLE_SCHEM AS "TABLE_SCHEM",        result.TABLE_NAME AS "TABLE_NAME",        result.COLUMN_NAME AS "COLUMN_NAME",        result.KEY_SEQ AS "KEY_SEQ",        result.PK_NAME AS "PK_NAME"FROM      (SELECT current_database() AS TABLE_CAT, n.nspname AS TABLE_SCHEM,   ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,   (information_schema._pg_expandarray(con.conkey)).n AS KEY_SEQ, con.conname AS PK_NAME,   information_schema._pg_expandarray(con.conkey) AS KEYS, a.attnum AS A_ATTNUM FROM pg_catalog.pg_constraint con   JOIN pg_catalog.pg_class ct ON (con.conrelid = ct.oid)   JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)   JOIN pg_catalog.pg_attribute a ON (a.attrelid = ct.oid) WHERE con.contype = 'p'  AND n.nspname = 'public' AND ct.relname = 'users' ) result where  result.A_ATTNUM = (result.KEYS).x  ORDER BY result.table_name, result.pk_name, result.key_seq
----
weir | public | users | id | 1 | users_pkey

# pgjdbc: TypeInfoCache getPGType(23) (§3)
SELECT n.nspname = ANY(current_schemas(true)), n.nspname, t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = 23
----
true | pg_catalog | int4

# pgjdbc: TypeInfoCache is_array of 1007 (§3)
SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid   FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE pg_type.oid = 1007  ORDER BY sp.r, pg_type.oid DESC
----
true | b | _int4 | 1007

# pgjdbc: TypeInfoCache is_array of 23 (§3)
SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid   FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE pg_type.oid = 23  ORDER BY sp.r, pg_type.oid DESC
----
false | b | int4 | 23

# pgjdbc: TypeInfoCache typdelim of 1007 (§3)
SELECT e.typdelim FROM pg_catalog.pg_type t, pg_catalog.pg_type e WHERE t.oid = 1007 and t.typelem = e.oid
----
,

# pgjdbc: PgResultSetMetaData (§3)
SELECT c.oid, a.attnum, a.attname, c.relname, n.nspname, a.attnotnull OR (t.typtype = 'd' AND t.typnotnull), a.attidentity != '' OR pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE '%nextval(%' FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON (c.relnamespace = n.oid) JOIN pg_catalog.pg_attribute a ON (c.oid = a.attrelid) JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid) LEFT JOIN pg_catalog.pg_attrdef d ON (d.adrelid = a.attrelid AND d.adnum = a.attnum) JOIN (SELECT 16384 AS oid , 2 AS attnum UNION ALL SELECT 16384, 3) vals ON (c.oid = vals.oid AND a.attnum = vals.attnum) where c.oid in (16384)
----


# pgjdbc: getMaxIndexKeys (§3)
SELECT setting FROM pg_catalog.pg_settings WHERE name='max_index_keys'
----


# DBeaver: databases (§4)
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE 1 = 1 AND datallowconn AND NOT datistemplate OR db.datname ='weir' ORDER BY db.datname
----
16384 | 16384 | weir | 10 | 6 | c | false | true | -1 | C | C | NULL | NULL | 1663

# DBeaver: pg_enum probe (§4)
SELECT * FROM pg_catalog.pg_enum WHERE 1<>1 LIMIT 1
----


# DBeaver: pg_class.reltype probe (§4)
SELECT reltype FROM pg_catalog.pg_class WHERE 1<>1 LIMIT 1
----


# DBeaver: refreshDefaults (§4)
SELECT current_schema(),session_user
----
public | weir

# DBeaver: refreshDefaults (§4)
SHOW search_path
----
public

# DBeaver: schemas (§4)
SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass ORDER BY nspname
----
13000 | 13000 | information_schema | 10 | NULL | NULL
11 | 11 | pg_catalog | 10 | NULL | NULL
2200 | 2200 | public | 10 | NULL | NULL

# DBeaver: data types of pg_catalog ($1 = 11) (§4)
SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description FROM pg_catalog.pg_type t LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid WHERE t.typname IS NOT NULL AND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C') AND t.typnamespace=11
----
1000 | 1000 | _bool | 11 | 10 | -1 | false | b | A | true | , | 0 | 16 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1001 | 1001 | _bytea | 11 | 10 | -1 | false | b | A | true | , | 0 | 17 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1005 | 1005 | _int2 | 11 | 10 | -1 | false | b | A | true | , | 0 | 21 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1007 | 1007 | _int4 | 11 | 10 | -1 | false | b | A | true | , | 0 | 23 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1009 | 1009 | _text | 11 | 10 | -1 | false | b | A | true | , | 0 | 25 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1015 | 1015 | _varchar | 11 | 10 | -1 | false | b | A | true | , | 0 | 1043 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1016 | 1016 | _int8 | 11 | 10 | -1 | false | b | A | true | , | 0 | 20 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1021 | 1021 | _float4 | 11 | 10 | -1 | false | b | A | true | , | 0 | 700 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1022 | 1022 | _float8 | 11 | 10 | -1 | false | b | A | true | , | 0 | 701 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1043 | 1043 | varchar | 11 | 10 | -1 | false | b | S | true | , | 0 | 0 | 1015 | varcharin | varcharout | varcharrecv | varcharsend | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1082 | 1082 | date | 11 | 10 | 4 | true | b | D | true | , | 0 | 0 | 1182 | date_in | date_out | date_recv | date_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1114 | 1114 | timestamp | 11 | 10 | 8 | true | b | D | true | , | 0 | 0 | 1115 | timestamp_in | timestamp_out | timestamp_recv | timestamp_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1115 | 1115 | _timestamp | 11 | 10 | -1 | false | b | A | true | , | 0 | 1114 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1182 | 1182 | _date | 11 | 10 | -1 | false | b | A | true | , | 0 | 1082 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1184 | 1184 | timestamptz | 11 | 10 | 8 | true | b | D | true | , | 0 | 0 | 1185 | timestamptz_in | timestamptz_out | timestamptz_recv | timestamptz_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1185 | 1185 | _timestamptz | 11 | 10 | -1 | false | b | A | true | , | 0 | 1184 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1186 | 1186 | interval | 11 | 10 | 16 | false | b | T | true | , | 0 | 0 | 1187 | interval_in | interval_out | interval_recv | interval_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1187 | 1187 | _interval | 11 | 10 | -1 | false | b | A | true | , | 0 | 1186 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1231 | 1231 | _numeric | 11 | 10 | -1 | false | b | A | true | , | 0 | 1700 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
16 | 16 | bool | 11 | 10 | 1 | true | b | B | true | , | 0 | 0 | 1000 | boolin | boolout | boolrecv | boolsend | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
17 | 17 | bytea | 11 | 10 | -1 | false | b | U | true | , | 0 | 0 | 1001 | byteain | byteaout | bytearecv | byteasend | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
1700 | 1700 | numeric | 11 | 10 | -1 | false | b | N | true | , | 0 | 0 | 1231 | numeric_in | numeric_out | numeric_recv | numeric_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
20 | 20 | int8 | 11 | 10 | 8 | true | b | N | true | , | 0 | 0 | 1016 | int8in | int8out | int8recv | int8send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
21 | 21 | int2 | 11 | 10 | 2 | true | b | N | true | , | 0 | 0 | 1005 | int2in | int2out | int2recv | int2send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
23 | 23 | int4 | 11 | 10 | 4 | true | b | N | true | , | 0 | 0 | 1007 | int4in | int4out | int4recv | int4send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
25 | 25 | text | 11 | 10 | -1 | false | b | S | true | , | 0 | 0 | 1009 | textin | textout | textrecv | textsend | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
3802 | 3802 | jsonb | 11 | 10 | -1 | false | b | U | true | , | 0 | 0 | 3807 | jsonb_in | jsonb_out | jsonb_recv | jsonb_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
3807 | 3807 | _jsonb | 11 | 10 | -1 | false | b | A | true | , | 0 | 3802 | 0 | array_in | array_out | array_recv | array_send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
700 | 700 | float4 | 11 | 10 | 4 | true | b | N | true | , | 0 | 0 | 1021 | float4in | float4out | float4recv | float4send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL
701 | 701 | float8 | 11 | 10 | 8 | true | b | N | true | , | 0 | 0 | 1022 | float8in | float8out | float8recv | float8send | false | 0 | -1 | 0 | 0 | NULL | NULL | NULL | NULL

# DBeaver: tables of public ($1 = 2200) (§4)
SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key FROM pg_catalog.pg_class c LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass WHERE c.relnamespace=2200 AND c.relkind not in ('i','I','c')
----
1163079486 | 1163079486 | users | 2200 | 0 | 0 | 10 | 2 | 0 | 0 | 0 | -1 | 0 | true | false | p | r | 7 | 0 | false | false | false | false | false | true | d | false | NULL | NULL | NULL | NULL | NULL | NULL
1738308291 | 1738308291 | readings | 2200 | 0 | 0 | 10 | 0 | 0 | 0 | 0 | -1 | 0 | false | false | p | f | 2 | 0 | false | false | false | false | false | true | d | false | NULL | NULL | NULL | NULL | NULL | NULL
342068581 | 342068581 | londoners | 2200 | 0 | 0 | 10 | 0 | 0 | 0 | 0 | -1 | 0 | false | false | p | v | 2 | 0 | true | false | false | false | false | true | d | false | NULL | NULL | NULL | NULL | NULL | NULL
575267183 | 575267183 | per_sensor | 2200 | 0 | 0 | 10 | 2 | 0 | 0 | 0 | -1 | 0 | false | false | p | m | 2 | 0 | false | false | false | false | false | true | d | false | NULL | NULL | NULL | NULL | NULL | NULL

# DBeaver: columns of public ($1 = 2200) (§4)
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid FROM pg_catalog.pg_attribute a INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid) LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum) LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid) LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.relnamespace=2200 ORDER BY a.attnum
----
users | 1163079486 | id | 20 | -1 | 8 | 1 | 0 | -1 | true | p |  | true | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
readings | 1738308291 | sensor | 23 | -1 | 4 | 1 | 0 | -1 | true | p |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
per_sensor | 575267183 | sensor | 23 | -1 | 4 | 1 | 0 | -1 | true | p |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
londoners | 342068581 | id | 20 | -1 | 8 | 1 | 0 | -1 | true | p |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
users | 1163079486 | name | 1043 | -1 | -1 | 2 | 0 | -1 | false | x |  | true | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
readings | 1738308291 | reading | 701 | -1 | 8 | 2 | 0 | -1 | true | p |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
per_sensor | 575267183 | n | 20 | -1 | 8 | 2 | 0 | -1 | true | p |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
londoners | 342068581 | name | 1043 | -1 | -1 | 2 | 0 | -1 | false | x |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
users | 1163079486 | city | 1043 | -1 | -1 | 3 | 0 | 24 | false | x |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
users | 1163079486 | score | 1700 | -1 | -1 | 4 | 0 | 655366 | false | x |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
users | 1163079486 | joined | 1114 | -1 | 8 | 5 | 0 | -1 | true | p |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
users | 1163079486 | ok | 16 | -1 | 1 | 6 | 0 | -1 | true | p |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL
users | 1163079486 | tags | 1009 | -1 | -1 | 7 | 0 | -1 | false | x |  | false | false | false |  |  | false | true | 0 | 0 | NULL | NULL | NULL | NULL | NULL | NULL

# psycopg 3: TypeInfo.fetch('int4') (§5)
SELECT typname AS name, oid, typarray AS array_oid, oid::regtype::text AS alt_name, typdelim AS delimiter FROM pg_type t WHERE t.oid = 'int4'::regtype ORDER BY t.oid
----
int4 | 23 | 1007 | integer | ,

# pgx: LoadType (§5)
select 'int4'::text::regtype::oid
----
23

# pgx: LoadType (§5)
select typtype::text, typbasetype from pg_type where oid=23
----
b | 0

# pgx: LoadType, array (§5)
select typelem from pg_type where oid=1007
----
23

# pgx: LoadType, composite (§5)
select typrelid from pg_type where oid=23
----
0

# pgx: LoadType, composite's attributes (§5)
select attname, atttypid from pg_attribute where attrelid='users'::regclass and not attisdropped and attnum > 0 order by attnum
----
id | 20
name | 1043
city | 1043
score | 1700
joined | 1114
ok | 16
tags | 1009

# pgx: LoadType, range (§5)
select rngsubtype from pg_range where rngtypid=23
----


# pgx: LoadType, multirange (§5)
select rngtypid from pg_range where rngmultitypid=23
----


# SQLAlchemy: initialize (§6)
select pg_catalog.version()
----
PostgreSQL 16.0 (weir)

# SQLAlchemy: initialize (§6)
select current_schema()
----
public

# SQLAlchemy: initialize (§6)
show standard_conforming_strings
----
on

# SQLAlchemy: initialize (§6)
show transaction isolation level
----
repeatable read

# SQLAlchemy 2: has_table (§6)
SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE pg_catalog.pg_class.relname IN ('users', 'nothere') AND pg_catalog.pg_class.relkind = ANY (ARRAY['r'::VARCHAR, 'p'::VARCHAR, 'f'::VARCHAR, 'v'::VARCHAR, 'm'::VARCHAR]) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != 'pg_catalog'::VARCHAR
----
users
