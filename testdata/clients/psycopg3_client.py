"""psycopg 3 against weir.

Run by TestPsycopg3Client (psycopg_client_test.go) with Debian's
python3-psycopg against a weir server it started with a table users.
WEIR_HOST and WEIR_PORT say where the server listens. psycopg 3 sends
queries with parameters through the extended protocol, numbers and dates
as binary parameters. Every answer is checked; the script fails with the
list of wrong ones.
"""

import datetime
import decimal
import os
import sys

import psycopg

conninfo = "host=%s port=%s user=weir dbname=weir" % (os.environ["WEIR_HOST"], os.environ["WEIR_PORT"])


failures = []


def check(what, got, want):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))


with psycopg.connect(conninfo, autocommit=True) as conn:
    check("server_version", conn.info.server_version, 160000)

    # Values of several types, read as Python's.
    row = conn.execute(
        "SELECT 42, 12345678901::bigint, 1.50::numeric(10,2), 'text'::text, TIMESTAMP '2024-01-02 03:04:05.5', "
        "true, ARRAY[1, 2, NULL], ARRAY['a', 'b c'], DATE '2024-02-29', 2.5::double precision"
    ).fetchone()
    check("types", row, (42, 12345678901, decimal.Decimal("1.50"), "text", datetime.datetime(2024, 1, 2, 3, 4, 5, 500000), True,
                         [1, 2, None], ["a", "b c"], datetime.date(2024, 2, 29), 2.5))

    # Parameters of each type go as the extended protocol's (binary where
    # psycopg chooses so).
    params = (7, 12345678901, decimal.Decimal("3.25"), "p'q", datetime.datetime(2024, 5, 6, 7, 8, 9), False, [1, 2], datetime.date(2024, 1, 31))
    got = conn.execute("SELECT %s + 1, %s, %s * 2, %s, %s, NOT %s, %s, %s", params).fetchone()
    check("parameters", got, (8, 12345678901, decimal.Decimal("6.50"), "p'q", datetime.datetime(2024, 5, 6, 7, 8, 9), True, [1, 2], datetime.date(2024, 1, 31)))
    got = conn.execute("SELECT %b::int + 1, %t::text", (41, "x")).fetchone()
    check("binary and text parameters", got, (42, "x"))
    with conn.cursor(binary=True) as cur:
        cur.execute("SELECT 1::int, 'b'::text, 2.25::numeric, true, TIMESTAMP '2024-01-02 03:04:05', ARRAY[3, 4]")
        check("binary results", cur.fetchone(), (1, "b", decimal.Decimal("2.25"), True, datetime.datetime(2024, 1, 2, 3, 4, 5), [3, 4]))

    conn.execute("INSERT INTO users (id, name, city, score, joined, ok, tags) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (50, "eve", "rome", decimal.Decimal("9.99"), datetime.datetime(2024, 3, 4, 5, 6, 7), True, ["a", "b"]))
    got = conn.execute("SELECT name, city, score, joined, ok, tags FROM users WHERE id = %s", (50,)).fetchone()
    check("row written with parameters", got, ("eve", "rome", decimal.Decimal("9.99"), datetime.datetime(2024, 3, 4, 5, 6, 7), True, ["a", "b"]))
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO users (id, name) VALUES (%s, %s)", [(51, "f"), (52, "g")])
        cur.execute("SELECT id FROM users WHERE id = ANY(%s) ORDER BY id", ([50, 51, 52],))
        check("= ANY(array parameter)", cur.fetchall(), [(50,), (51,), (52,)])

    try:
        conn.execute("SELECT 1/0")
        sys.exit("no error for a division by zero")
    except psycopg.errors.DivisionByZero as e:
        check("sqlstate", e.sqlstate, "22012")

    # COPY FROM STDIN with write_row (text format) and write (raw data).
    with conn.cursor() as cur:
        with cur.copy("COPY users (id, name, city, score) FROM STDIN") as copy:
            copy.write_row((60, "copy\ttab", None, decimal.Decimal("1.5")))
            copy.write_row((61, "back\\slash", "oslo", None))
        check("copy rowcount", cur.rowcount, 2)
        got = conn.execute("SELECT id, name, city, score FROM users WHERE id >= 60 ORDER BY id").fetchall()
        check("copied rows", got, [(60, "copy\ttab", None, decimal.Decimal("1.5")), (61, "back\\slash", "oslo", None)])
        with cur.copy("COPY users (id, name) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "text"])
            copy.write_row((62, "binary"))
        check("binary copy", conn.execute("SELECT name FROM users WHERE id = 62").fetchone(), ("binary",))
        rows = []
        with cur.copy("COPY (SELECT id, name FROM users WHERE id >= 60 ORDER BY id) TO STDOUT") as copy:
            copy.set_types(["int8", "text"])
            for r in copy.rows():
                rows.append(r)
        check("copy to stdout rows", rows, [(60, "copy\ttab"), (61, "back\\slash"), (62, "binary")])

    # Server-side cursors need a transaction.
    conn.autocommit = False
    with conn.cursor(name="srv") as cur:
        cur.itersize = 4
        cur.execute("SELECT g, g::text FROM generate_series(1, 9) AS g WHERE g > %s ORDER BY g", (2,))
        check("server-side cursor description", [d.name for d in cur.description], ["g", "g"])
        check("server-side fetchmany", cur.fetchmany(3), [(3, "3"), (4, "4"), (5, "5")])
        check("server-side rest", list(cur), [(6, "6"), (7, "7"), (8, "8"), (9, "9")])
    with conn.cursor(name="srv2", scrollable=False) as cur:
        cur.execute("SELECT id, name FROM users WHERE id BETWEEN 50 AND 52 ORDER BY id")
        check("server-side fetchall", cur.fetchall(), [(50, "eve"), (51, "f"), (52, "g")])
    conn.commit()

    # A transaction block through the connection's context.
    conn.autocommit = True
    with conn.transaction():
        conn.execute("INSERT INTO users (id, name) VALUES (70, 'tx')")
    check("committed", conn.execute("SELECT name FROM users WHERE id = 70").fetchone(), ("tx",))
    try:
        with conn.transaction():
            conn.execute("INSERT INTO users (id, name) VALUES (71, 'no')")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    check("rolled back", conn.execute("SELECT count(*) FROM users WHERE id = 71").fetchone(), (0,))

    check("pg_backend_pid", conn.execute("SELECT pg_backend_pid()").fetchone()[0], conn.info.backend_pid)

if failures:
    sys.exit("\n".join(failures))
print("ok")
