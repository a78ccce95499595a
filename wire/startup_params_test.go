package wire

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestReportedAtStartupDefaults: a Session that does not answer for its
// parameters gets, at startup, the ParameterStatus of every parameter
// sql/session says clients track, at its default, with the startup packet's
// application_name and user.
func TestReportedAtStartupDefaults(t *testing.T) {
	ts := startServer(t, Options{})
	conn, err := pgx.Connect(testCtx(t), ts.connString("&application_name=starter"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for name, want := range map[string]string{
		"application_name": "starter", "session_authorization": "weir", "is_superuser": "on",
		"DateStyle": "ISO, MDY", "TimeZone": "UTC", "IntervalStyle": "postgres", "client_encoding": "UTF8",
		"server_encoding": "UTF8", "integer_datetimes": "on", "standard_conforming_strings": "on",
		"server_version": DefaultServerVersion,
	} {
		if got := conn.PgConn().ParameterStatus(name); got != want {
			t.Errorf("%s at startup: %q, want %q", name, got, want)
		}
	}
	if got := conn.PgConn().ParameterStatus("statement_timeout"); got != "" {
		t.Errorf("statement_timeout, which clients do not track, was reported: %q", got)
	}
}
