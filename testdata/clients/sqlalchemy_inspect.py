"""SQLAlchemy's inspector against weir, through psycopg2.

Run by TestSQLAlchemyClient (sqlalchemy_client_test.go) with Debian's
python3-sqlalchemy and python3-psycopg2 against a weir server it started
with a table users (a primary key), a stream readings, a materialized view
per_sensor and a plain view londoners. WEIR_HOST and WEIR_PORT say where
the server listens. Every answer is checked; the script fails with the
list of what was asked and came back wrong.
"""

import os
import sys

import sqlalchemy
from sqlalchemy import inspect, text

url = "postgresql+psycopg2://weir@%s:%s/weir" % (os.environ["WEIR_HOST"], os.environ["WEIR_PORT"])
engine = sqlalchemy.create_engine(url)


failures = []


def check(what, got, want):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))


# Connecting runs the dialect's first-connect queries (version(),
# standard_conforming_strings, the default schema).
with engine.connect() as conn:
    check("select 1", conn.execute(text("SELECT 1")).scalar(), 1)
    check("server_version_info", conn.dialect.server_version_info[:1], (16,))
    check("default_schema_name", conn.dialect.default_schema_name, "public")
    rows = conn.execute(text("SELECT id, name FROM users WHERE id <= :n ORDER BY id"), {"n": 2}).fetchall()
    check("users rows", [tuple(r) for r in rows], [(1, "ann"), (2, "bob")])

insp = inspect(engine)
check("get_schema_names", insp.get_schema_names(), ["information_schema", "public"])
check("get_table_names", sorted(insp.get_table_names()), ["users"])
check("get_foreign_table_names", sorted(insp.get_foreign_table_names()), ["readings"])
check("get_view_names", sorted(insp.get_view_names()), ["londoners", "per_sensor"])
check("get_view_names plain", sorted(insp.get_view_names(include="plain")), ["londoners"])
check("get_view_names materialized", sorted(insp.get_view_names(include="materialized")), ["per_sensor"])
if hasattr(insp, "get_materialized_view_names"):  # SQLAlchemy 2
    check("get_materialized_view_names", sorted(insp.get_materialized_view_names()), ["per_sensor"])
check("get_view_definition", insp.get_view_definition("londoners"), " SELECT id, name FROM users WHERE city = 'london';")

with engine.connect() as conn:
    for name, want in [("users", True), ("readings", True), ("per_sensor", True), ("londoners", True), ("nothere", False)]:
        check("has_table(%s)" % name, engine.dialect.has_table(conn, name), want)
    check("has_table(users, public)", engine.dialect.has_table(conn, "users", schema="public"), True)


def columns(rel):
    return [(c["name"], c["type"].compile(dialect=engine.dialect), c["nullable"]) for c in insp.get_columns(rel)]


check("get_columns(users)", columns("users"), [
    ("id", "BIGINT", False),
    ("name", "VARCHAR", False),
    ("city", "VARCHAR(20)", True),
    ("score", "NUMERIC(10, 2)", True),
    ("joined", "TIMESTAMP WITHOUT TIME ZONE", True),
    ("ok", "BOOLEAN", True),
    ("tags", "TEXT[]", True),
])
check("get_columns(readings)", columns("readings"), [("sensor", "INTEGER", True), ("reading", "DOUBLE PRECISION", True)])
check("get_columns(per_sensor)", columns("per_sensor"), [("sensor", "INTEGER", True), ("n", "BIGINT", True)])
check("get_columns(londoners)", columns("londoners"), [("id", "BIGINT", True), ("name", "VARCHAR", True)])

check("get_pk_constraint(users)", insp.get_pk_constraint("users"), {"constrained_columns": ["id"], "name": "users_pkey"})
pk = insp.get_pk_constraint("readings")
check("get_pk_constraint(readings)", pk["constrained_columns"], [])
check("get_foreign_keys(users)", insp.get_foreign_keys("users"), [])
check("get_indexes(users)", insp.get_indexes("users"), [])
check("get_unique_constraints(users)", insp.get_unique_constraints("users"), [])
check("get_check_constraints(users)", insp.get_check_constraints("users"), [])
check("get_table_comment(users)", insp.get_table_comment("users"), {"text": None})

try:
    insp.get_columns("nothere")
    sys.exit("get_columns(nothere): no error")
except sqlalchemy.exc.NoSuchTableError:
    pass

# Reflection into a Table and a query through the Core.
meta = sqlalchemy.MetaData()
users = sqlalchemy.Table("users", meta, autoload_with=engine)
check("reflected key", [c.name for c in users.primary_key.columns], ["id"])
with engine.connect() as conn:
    got = conn.execute(sqlalchemy.select(users.c.name).where(users.c.city == "london").order_by(users.c.id)).scalars().all()
    check("select through reflected table", got, ["ann"])

if failures:
    sys.exit("\n".join(failures))
print("ok")
