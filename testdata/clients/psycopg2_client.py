"""psycopg2 against weir.

Run by TestPsycopg2Client (psycopg_client_test.go) with Debian's
python3-psycopg2 against a weir server it started with a table users.
WEIR_HOST and WEIR_PORT say where the server listens. Every answer is
checked; the script fails with the list of wrong ones.
"""

import datetime
import decimal
import io
import os
import sys

import psycopg2
import psycopg2.errors

conn = psycopg2.connect(host=os.environ["WEIR_HOST"], port=os.environ["WEIR_PORT"], user="weir", dbname="weir")
conn.autocommit = True


failures = []


def check(what, got, want):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))


cur = conn.cursor()

# Simple queries and values of several types.
cur.execute("SELECT 1, 'a'::text, 2.5::numeric, true, NULL::int, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05'")
check("values", cur.fetchone(), (1, "a", decimal.Decimal("2.5"), True, None, datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5)))
check("description", [d.name for d in cur.description], ["?column?", "text", "numeric", "bool", "int4", "date", "timestamp"])
cur.execute("SELECT ARRAY[1, 2, 3], ARRAY['x', 'y']")
check("arrays", cur.fetchone(), ([1, 2, 3], ["x", "y"]))

# Parameters (psycopg2 writes them into the statement's text).
cur.execute("INSERT INTO users (id, name, city, score) VALUES (%s, %s, %s, %s)", (10, "o'neil", None, decimal.Decimal("1.25")))
check("insert rowcount", cur.rowcount, 1)
cur.execute("SELECT name, city, score FROM users WHERE id = %(id)s", {"id": 10})
check("select by parameter", cur.fetchone(), ("o'neil", None, decimal.Decimal("1.25")))
cur.executemany("INSERT INTO users (id, name) VALUES (%s, %s)", [(11, "k"), (12, "l")])
cur.execute("SELECT count(*) FROM users WHERE id IN %s", ((10, 11, 12),))
check("count in tuple", cur.fetchone(), (3,))

# Errors carry the SQLSTATE.
try:
    cur.execute("SELECT * FROM nothere")
    sys.exit("no error for a missing relation")
except psycopg2.errors.UndefinedTable as e:
    check("pgcode", e.pgcode, "42P01")

# COPY FROM STDIN and TO STDOUT.
cur.copy_expert("COPY users (id, name, city) FROM STDIN", io.StringIO("20\tcopied\tparis\n21\tcopied\t\\N\n"))
check("copy rowcount", cur.rowcount, 2)
cur.copy_expert("COPY users (id, name) FROM STDIN WITH (FORMAT csv, HEADER true)", io.StringIO("id,name\n22,\"a, b\"\n"))
out = io.StringIO()
cur.copy_expert("COPY (SELECT id, name, city FROM users WHERE id >= 20 ORDER BY id) TO STDOUT", out)
check("copy to stdout", out.getvalue(), "20\tcopied\tparis\n21\tcopied\t\\N\n22\ta, b\t\\N\n")
out = io.StringIO()
cur.copy_expert("COPY (SELECT id, name FROM users WHERE id = 22) TO STDOUT WITH (FORMAT csv, HEADER)", out)
check("copy csv to stdout", out.getvalue(), 'id,name\n22,"a, b"\n')
try:
    cur.copy_expert("COPY users (id, name) FROM STDIN", io.StringIO("30\tx\nnot a number\ty\n"))
    sys.exit("no error for a bad COPY row")
except psycopg2.errors.InvalidTextRepresentation:
    pass
cur.execute("SELECT count(*) FROM users WHERE id = 30")
check("a failed COPY writes nothing", cur.fetchone(), (0,))

# Named (server-side) cursors: DECLARE in a transaction, FETCH by itersize.
conn.autocommit = False
named = conn.cursor(name="big")
named.itersize = 3
named.execute("SELECT g, g * 2 FROM generate_series(1, 10) AS g ORDER BY g")
got = [row for row in named]
check("named cursor rows", got, [(g, g * 2) for g in range(1, 11)])
named.close()
named = conn.cursor(name="some")
named.execute("SELECT id FROM users WHERE id >= %s ORDER BY id", (20,))
check("fetchmany", named.fetchmany(2), [(20,), (21,)])
check("fetchone", named.fetchone(), (22,))
check("fetchall", named.fetchall(), [])
named.close()
conn.commit()

# A transaction block: rollback discards its writes.
cur = conn.cursor()
cur.execute("INSERT INTO users (id, name) VALUES (40, 'gone')")
conn.rollback()
cur.execute("SELECT count(*) FROM users WHERE id = 40")
check("rolled back", cur.fetchone(), (0,))
conn.commit()

# The server's identity as psycopg2 reads it.
check("server_version", conn.server_version, 160000)
cur.execute("SELECT pg_backend_pid()")
check("pg_backend_pid", cur.fetchone()[0], conn.get_backend_pid())
conn.close()
if failures:
    sys.exit("\n".join(failures))
print("ok")
