package weir_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestSystemTablesAndShowCreateFollowGrants: the system tables' rows about
// an object are shown to the roles that may read it (superusers see all),
// SHOW CREATE is for an object's owner and superusers, and the secret
// options it prints (a Kafka SASL password, a password in a URL) are
// masked for everyone but superusers.
func TestSystemTablesAndShowCreateFollowGrants(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"),
		kfake.EnableSASL(), kfake.Superuser("PLAIN", "kuser", "kafka-pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr, _ := startAuthServer(t, scramConfig(t, t.TempDir()))
	admin := mustConnectAs(t, addr, "admin", "adminpw")
	for _, s := range []string{
		`CREATE STREAM readings (sensor INT, reading DOUBLE PRECISION)
		  WITH (connector = 'file', path = 'testdata/data/readings.csv', format = 'csv', on.error = 'dlq')`,
		"CREATE MATERIALIZED VIEW per_sensor AS SELECT sensor, count(*) AS n FROM readings GROUP BY sensor",
		"CREATE SINK out FROM per_sensor WITH (connector = 'blackhole', type = 'upsert', primary_key = 'sensor')",
		"CREATE USER alice WITH PASSWORD 'alicepw'",
		"FLUSH",
	} {
		wantExec(t, admin, s, "")
	}
	alice := mustConnectAs(t, addr, "alice", "alicepw")
	wantExec(t, alice, fmt.Sprintf(`CREATE STREAM orders (k INT, v BIGINT) WITH (connector = 'kafka', topic = 'orders',
		properties.bootstrap.server = '%s', properties.security.protocol = 'SASL_PLAINTEXT',
		properties.sasl.mechanism = 'PLAIN', properties.sasl.username = 'kuser', properties.sasl.password = 'kafka-pw',
		format = 'json')`, c.ListenAddrs()[0]), "")
	wantExec(t, alice, "CREATE MATERIALIZED VIEW order_count AS SELECT count(*) AS n FROM orders", "")

	count := func(who string, q string) string {
		t.Helper()
		conn := admin
		if who == "alice" {
			conn = alice
		}
		return strings.Join(queryText(t, conn, q), ",")
	}
	// Without a grant alice sees only her own objects.
	for q, want := range map[string]string{
		"SELECT count(*) FROM weir_dead_letters":      "0",
		"SELECT count(*) FROM weir_source_errors":     "0",
		"SELECT view FROM weir_sources ORDER BY view": "order_count",
		"SELECT name FROM weir_jobs ORDER BY name":    "order_count",
		"SELECT count(*) FROM weir_sinks":             "0",
	} {
		if got := count("alice", q); got != want {
			t.Errorf("alice: %s: got %s, want %s", q, got, want)
		}
	}
	if got := count("admin", "SELECT count(*) FROM weir_dead_letters"); got != "2" {
		t.Fatalf("admin: dead letters: %s", got)
	}
	if got := count("admin", "SELECT count(*) FROM weir_source_errors"); got != "1" {
		t.Fatalf("admin: source errors: %s", got)
	}
	if got := count("admin", "SELECT name FROM weir_jobs ORDER BY name"); got != "order_count,out,per_sensor" {
		t.Fatalf("admin: jobs: %s", got)
	}
	// A grant on the view and its stream shows their rows; the sink stays its owner's.
	wantExec(t, admin, "GRANT SELECT ON readings, per_sensor TO alice", "")
	for q, want := range map[string]string{
		"SELECT count(*) FROM weir_dead_letters":   "2",
		"SELECT count(*) FROM weir_source_errors":  count("admin", "SELECT count(*) FROM weir_source_errors"),
		"SELECT name FROM weir_jobs ORDER BY name": "order_count,per_sensor",
		"SELECT count(*) FROM weir_sinks":          "0",
	} {
		if got := count("alice", q); got != want {
			t.Errorf("alice with SELECT: %s: got %s, want %s", q, got, want)
		}
	}

	// SHOW CREATE: the owner sees her definition with the password masked,
	// a superuser sees it whole, anyone else is refused.
	mine := count("alice", "SHOW CREATE STREAM orders")
	if strings.Contains(mine, "kafka-pw") || !strings.Contains(mine, "properties.sasl.password = '********'") ||
		!strings.Contains(mine, "properties.sasl.username = 'kuser'") {
		t.Fatalf("alice's SHOW CREATE STREAM orders: %s", mine)
	}
	if got := count("admin", "SHOW CREATE STREAM orders"); !strings.Contains(got, "properties.sasl.password = 'kafka-pw'") {
		t.Fatalf("admin's SHOW CREATE STREAM orders: %s", got)
	}
	wantExec(t, alice, "SHOW CREATE MATERIALIZED VIEW per_sensor", "42501 must be owner of materialized view per_sensor")
	wantExec(t, alice, "SHOW CREATE SINK out", "42501 must be owner of sink out")
}
