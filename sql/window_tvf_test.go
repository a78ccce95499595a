package sql

import "testing"

// TestParseWindowTVF parses the window table functions in both spellings
// and prints them back as text that parses back.
func TestParseWindowTVF(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT * FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND)",
			"SELECT * FROM TUMBLE(bid, date_time, INTERVAL '10 seconds')"},
		{"SELECT window_start FROM hop(bid, ts, INTERVAL '2 seconds', INTERVAL '10 seconds') AS h (a, b)",
			"SELECT window_start FROM HOP(bid, ts, INTERVAL '2 seconds', INTERVAL '10 seconds') AS h (a, b)"},
		{"SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' MINUTE)) t",
			"SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10 minutes')) AS t"},
		{"SELECT * FROM TUMBLE((SELECT * FROM t WHERE a > 1), ts, INTERVAL '1 minute')",
			"SELECT * FROM TUMBLE((SELECT * FROM t WHERE a > 1), ts, INTERVAL '1 minute')"},
		{"WITH w (x, ts) AS (SELECT a, b FROM t) SELECT * FROM TUMBLE(w, ts, INTERVAL '1 minute')",
			"SELECT * FROM TUMBLE((SELECT * FROM (SELECT a, b FROM t) AS w (x, ts)), ts, INTERVAL '1 minute')"},
		{"SELECT * FROM SESSION(bid, ts, INTERVAL '10 seconds')",
			"SELECT * FROM SESSION(bid, ts, INTERVAL '10 seconds')"},
		{"SELECT * FROM SESSION(bid PARTITION BY bidder, date_time, INTERVAL '10' SECOND)",
			"SELECT * FROM SESSION(bid PARTITION BY (bidder), date_time, INTERVAL '10 seconds')"},
		{"SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY (bidder, auction), DESCRIPTOR(date_time), INTERVAL '5' MINUTE))",
			"SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY (bidder, auction), DESCRIPTOR(date_time), INTERVAL '5 minutes'))"},
		{"SELECT * FROM SESSION((SELECT * FROM bid) PARTITION BY bidder, date_time, INTERVAL '1 minute')",
			"SELECT * FROM SESSION((SELECT * FROM bid) PARTITION BY (bidder), date_time, INTERVAL '1 minute')"},
	} {
		st, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		got := String(st[0])
		if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.want)
			continue
		}
		again, err := Parse(got)
		if err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		if !EqualIgnoringPos(st[0], again[0]) && String(again[0]) != got {
			t.Errorf("%s does not parse back to the same tree", got)
		}
	}
	for _, bad := range []string{
		"SELECT * FROM TABLE(TUMBLE(bid, DESCRIPTOR(ts), INTERVAL '1 second'))",
		"SELECT * FROM TUMBLE(bid)",
		"SELECT * FROM TUMBLE(bid PARTITION BY bidder, date_time, INTERVAL '1 minute')",
		"SELECT * FROM SESSION(bid PARTITION BY, date_time, INTERVAL '1 minute')",
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
