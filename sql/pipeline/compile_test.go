package pipeline

import (
	"errors"
	"testing"

	"github.com/weir-stream/weir/sql"
)

// testFile parses text, which must be a good pipeline file.
func testFile(t *testing.T, text string) *File {
	t.Helper()
	f, err := Parse("test.yaml", []byte(text), &testConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const orders = `streams:
  - input:
      type: file
      path: /data/orders.jsonl
      schema: {user_id: BIGINT, amount: DOUBLE PRECISION}
    pipeline:
      thread_num: 4
      processors:
        - type: sql
          query: SELECT user_id, sum(amount) AS total FROM flow GROUP BY user_id
    output:
      type: stdout
    state:
      operator_id: totals
`

// TestSameInput: a restart finds the input the same when its options are,
// whatever columns it was made with (inferred ones are not inferred again).
func TestSameInput(t *testing.T) {
	s := &testFile(t, orders).Streams[0]
	made := s.InputStatement(nil)
	for _, c := range []struct {
		definition string
		same       bool
	}{
		{"CREATE STREAM totals_input (user_id BIGINT, amount DOUBLE PRECISION) WITH (connector = 'file', path = '/data/orders.jsonl', format = 'json')", true},
		{"CREATE STREAM totals_input (other INT) WITH (connector = 'file', path = '/data/orders.jsonl', format = 'json')", true},
		{"CREATE STREAM totals_input (user_id BIGINT) WITH (connector = 'file', path = '/data/moved.jsonl', format = 'json')", false},
		{"CREATE STREAM totals_input WITH (connector = 'file', path = '/data/orders.jsonl', format = 'csv')", false},
		{"CREATE TABLE totals_input (a INT)", false},
		{"not SQL", false},
	} {
		if got := SameInput(c.definition, made); got != c.same {
			t.Errorf("SameInput(%q) = %t", c.definition, got)
		}
	}
}

// TestSameOutput: a restart finds the view the same whatever parallelism
// it was made with, and another query or sink another definition.
func TestSameOutput(t *testing.T) {
	f := testFile(t, orders)
	s := &f.Streams[0]
	q, err := f.Query(s)
	if err != nil {
		t.Fatal(err)
	}
	view, sink := s.OutputStatements(q, QueryPlan{Aggregates: true, KeyVisible: true, Parallelism: 4})
	for _, c := range []struct {
		definition string
		made       sql.Statement
		same       bool
	}{
		{"CREATE MATERIALIZED VIEW totals WITH (parallelism = '4') AS SELECT user_id, sum(amount) AS total FROM totals_input AS flow GROUP BY user_id", view, true},
		{"CREATE MATERIALIZED VIEW totals AS SELECT user_id, sum(amount) AS total FROM totals_input AS flow GROUP BY user_id", view, true},
		{"CREATE MATERIALIZED VIEW totals WITH (parallelism = '2') AS SELECT user_id, sum(amount) AS amount FROM totals_input AS flow GROUP BY user_id", view, false},
		{"CREATE SINK totals_output FROM totals WITH (connector = 'stdout', type = 'upsert')", sink, true},
		{"CREATE SINK totals_output FROM totals WITH (connector = 'stdout', type = 'debezium')", sink, false},
		{"CREATE SINK totals_output FROM totals WITH (connector = 'stdout', type = 'upsert')", view, false},
	} {
		if got := SameOutput(c.definition, c.made); got != c.same {
			t.Errorf("SameOutput(%q, %s) = %t", c.definition, sql.String(c.made), got)
		}
	}
}

// TestErrorKeepsCause: an Error over a SQL error unwraps to it, so its
// SQLSTATE and position are not lost.
func TestErrorKeepsCause(t *testing.T) {
	f := testFile(t, orders)
	f.Streams[0].Processors[0].Query = "SELECT user_id FORM flow"
	_, err := f.Query(&f.Streams[0])
	var pe *Error
	var se *sql.Error
	if !errors.As(err, &pe) || pe.Line != 9 || pe.Key != "processors[0].query" || !errors.As(err, &se) {
		t.Fatalf("Query: %#v", err)
	}
	if want := `test.yaml:9: processors[0].query: syntax error at or near "flow"`; err.Error() != want {
		t.Errorf("Query: %v, want %s", err, want)
	}
}
