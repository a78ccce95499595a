package main

import (
	"strings"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec/connector/nexmark"
)

// TestNexmarkDue checks when a q0 record's event was due: its date_time
// (as Postgres prints it, with or without fractional seconds) less the
// generator's base time, after the source's start.
func TestNexmarkDue(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	base := time.UnixMicro(nexmark.BaseTimeMicros).UTC()
	for _, c := range []struct {
		value string
		want  time.Duration
	}{
		{`{"auction":1000,"bidder":1001,"price":5,"date_time":"2015-07-15 00:00:00"}`, 0},
		{`{"auction":1000,"bidder":1001,"price":5,"date_time":"2015-07-15 00:00:01.25"}`, 1250 * time.Millisecond},
		{`{"date_time":"2015-07-15 00:01:00.000007","price":5}`, time.Minute + 7*time.Microsecond},
	} {
		got, err := nexmarkDue([]byte(c.value), start)
		if err != nil {
			t.Errorf("%s: %v", c.value, err)
			continue
		}
		if d := got.Sub(start); d != c.want {
			t.Errorf("%s: due %s after the start, want %s (base %s)", c.value, d, c.want, base)
		}
	}
	for _, c := range []struct{ value, err string }{
		{`{"auction":1}`, "no date_time"},
		{`{"date_time":"2015-07-15 00:00`, "unterminated"},
		{`{"date_time":"yesterday"}`, "cannot parse"},
	} {
		if _, err := nexmarkDue([]byte(c.value), start); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want one saying %q", c.value, err, c.err)
		}
	}
}

// TestTopicReaderReached checks the end-of-topic test of the reader.
func TestTopicReaderReached(t *testing.T) {
	r := &topicReader{next: map[int32]int64{0: 10}}
	if !r.reached(map[int32]int64{0: 10, 1: 0}) {
		t.Error("not at the end of an empty partition and a read one")
	}
	if r.reached(map[int32]int64{0: 10, 1: 3}) {
		t.Error("at the end of a partition not read")
	}
	if r.reached(map[int32]int64{0: 11}) {
		t.Error("at the end of a partition read short of it")
	}
}
