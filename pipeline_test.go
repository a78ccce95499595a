package weir_test

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/internal/miniotest"
)

// TestLoadPipelineErrors: mistakes in a pipeline file's configuration
// blocks are errors naming the file, the line and the key, as are the
// streams' (every mistake in them: sql/pipeline/testdata/parse), which
// OpenFile reports too.
func TestLoadPipelineErrors(t *testing.T) {
	dir := t.TempDir()
	const good = `streams:
  - input:
      type: file
      path: /tmp/x.csv
    pipeline:
      processors:
        - type: sql
          query: SELECT * FROM flow
    output:
      type: stdout
`
	for _, c := range []struct{ name, text, want string }{
		{"top.yaml", "streamz: []\n", "top.yaml:1: streamz: unknown key"},
		{"state.yaml", "state_management:\n  backend_type: tape\n" + good, "state.yaml: state_management.backend_type: unknown backend"},
		{"statekey.yaml", "state_management:\n  retained: 3\n" + good, "statekey.yaml:2: state_management: unmarshal errors:\n  line 2: field retained not found"},
		// After the streams, with a comment and a blank line: still the file's line.
		{"statelate.yaml", good + "\n# the state\nstate_management:\n  enabled: true\n\n  retained: 3\n", "statelate.yaml:14: state_management: unmarshal errors:\n  line 16: field retained not found"},
		{"empty.yaml", "state_management:\n  enabled: true\n", "empty.yaml:1: streams: the file has no streams"},
		{"noinput.yaml", "streams:\n  - output:\n      type: stdout\n", "noinput.yaml:2: streams[0].input: missing"},
		{"intype.yaml", strings.Replace(good, "type: file", "type: mqtt", 1), "intype.yaml:3: streams[0].input.type: input type \"mqtt\" is not supported"},
		{"dup.yaml", good + "    state:\n      operator_id: a\n" + strings.TrimPrefix(good, "streams:\n") + "    state:\n      operator_id: a\n", "dup.yaml:13: state.operator_id: \"a\" is the operator_id of the stream at line 2 too"},
		{"badyaml.yaml", "streams: [\n", "badyaml.yaml: yaml"},
	} {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := weir.LoadPipeline(path)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, c.want)) && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v\nwant one containing %q", c.name, err, c.want)
		}
		// OpenFile of a file with streams: says the same.
		if strings.Contains(c.text, "streams:") && !strings.HasPrefix(c.name, "badyaml") {
			if _, err := weir.OpenFile(context.Background(), path); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("OpenFile(%s): %v\nwant an error containing %q", c.name, err, c.want)
			}
		}
	}
}

// TestPipeline runs pipeline files in an engine: a Kafka input whose schema
// is inferred from its first records, counted per user into stdout (upsert
// lines) and into a view named by the operator_id; a CSV file input read by
// two chained processors (a filter, then an aggregate over it) into files;
// SHOW PIPELINES lists both; starting the file again resumes them; a query
// that does not bind is an error at its line; --check prints the plans.
func TestPipeline(t *testing.T) {
	ctx := context.Background()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for i := range 100 {
		recs = append(recs, &kgo.Record{Topic: "orders", Value: fmt.Appendf(nil, `{"user_id": %d, "amount": %d.5, "note": "n%d"}`, i%4, i, i)})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "events.csv")
	var csv strings.Builder
	csv.WriteString("k,v,ok\n")
	for i := range 60 {
		fmt.Fprintf(&csv, "%d,%d,%v\n", i%3, i, i%2 == 0)
	}
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	file := filepath.Join(dir, "pipeline.yaml")
	text := fmt.Sprintf(`state_management:
  backend_type: local
  checkpoint_interval_ms: 50
streams:
  - input:
      type: kafka
      brokers: ["%s"]
      topics: ["orders"]
    pipeline:
      thread_num: 2
      processors:
        - type: json_to_arrow
        - type: sql
          query: "SELECT user_id, COUNT(*), SUM(amount) AS total FROM flow GROUP BY user_id"
    output:
      type: stdout
    state:
      operator_id: "order-aggregator"
      custom_keys: ["user_counts"]
  - input:
      type: file
      path: %s
    pipeline:
      processors:
        - type: sql
          query: SELECT k, v FROM flow WHERE ok
        - type: sql
          query: SELECT k, count(*) AS n, max(v) AS top FROM flow GROUP BY k
    output:
      type: file
      path: %s
server:
  file_roots: [%s]
`, c.ListenAddrs()[0], csvPath, outDir, dir)
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := weir.LoadPipeline(file)
	if err != nil {
		t.Fatal(err)
	}
	check, err := weir.CheckPipeline(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`CREATE STREAM order_aggregator_input ("user_id" BIGINT, "amount" DOUBLE PRECISION, "note" VARCHAR)`,
		"CREATE MATERIALIZED VIEW order_aggregator WITH (parallelism = '2') AS SELECT user_id, count(*), sum(amount) AS total FROM order_aggregator_input AS flow GROUP BY user_id",
		"StreamHashAgg { group: [user_id], aggs: [count(*), sum(amount)], append_only: true, key: [user_id], state: [result, minmax, expiry], parallelism: 2 }\n    └─StreamExchange { dist: hash(user_id), instances: 2 }",
		"CREATE SINK order_aggregator_output FROM order_aggregator WITH (connector = 'stdout', type = 'upsert')",
		"FROM (SELECT k, v FROM stream_2_input AS flow WHERE ok) AS flow GROUP BY k", "StreamHashAgg { group: [k], aggs: [count(*), max(v)]"} {
		if !strings.Contains(check, want) {
			t.Errorf("CheckPipeline output lacks %q:\n%s", want, check)
		}
	}

	var out syncBuffer
	cfg := p.Config
	cfg.Server.DataDir = filepath.Join(dir, "data")
	cfg.SinkOutput = &out
	start := func() (*testServer, []string) {
		ts := startServer(t, cfg)
		report, err := ts.eng.StartPipeline(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return ts, report
	}
	ts, report := start()
	if len(report) != 2 || !strings.Contains(report[0], `inferred input schema ("user_id" BIGINT, "amount" DOUBLE PRECISION, "note" VARCHAR)`) {
		t.Errorf("report: %q", report)
	}
	conn := connect(t, ts.dsn)
	// Users u < 4 have 25 orders each, amounts i + 0.5 over i ≡ u (mod 4).
	wantView := []string{"0 25 1212.5", "1 25 1237.5", "2 25 1262.5", "3 25 1287.5"}
	waitForRows(t, conn, `SELECT * FROM order_aggregator ORDER BY user_id`, wantView)
	waitForRows(t, conn, `SELECT * FROM stream_2 ORDER BY k`, []string{"0 10 54", "1 10 58", "2 10 56"})
	if got := queryText(t, conn, `SHOW PIPELINES`); fmt.Sprint(got) != "[order_aggregator order_aggregator_input order_aggregator order_aggregator_output user_counts stream_2 stream_2_input stream_2 stream_2_output NULL]" {
		t.Errorf("SHOW PIPELINES = %q", got)
	}
	// The checkpoints name the pipeline streams whose state they hold, and
	// the parallel view (thread_num 2) runs as two instances.
	waitForRows(t, conn, `SELECT DISTINCT pipelines FROM weir_checkpoints WHERE status = 'done' AND pipelines IS NOT NULL`, []string{"order_aggregator,stream_2"})
	if got := queryText(t, conn, `SELECT name, parallelism, fragments FROM weir_jobs WHERE name IN ('order_aggregator', 'stream_2') ORDER BY name`); fmt.Sprint(got) != "[order_aggregator 2 4 stream_2 1 1]" {
		t.Errorf("weir_jobs = %q", got)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), `order_aggregator_output: {"user_id":3} = {"user_id":3,"count":25,"total":1287.5}`) {
		if time.Now().After(deadline) {
			t.Fatalf("stdout:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		files, _ := filepath.Glob(filepath.Join(outDir, "stream_2_output-*.jsonl"))
		var all string
		for _, f := range files {
			data, _ := os.ReadFile(f)
			all += string(data)
		}
		if strings.Contains(all, `{"key":{"k":1},"value":{"k":1,"n":10,"top":58}}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("file output:\n%s", all)
		}
		time.Sleep(50 * time.Millisecond)
	}
	conn.Close(ctx)
	ts.stop()

	// Again on the same data directory: the streams resume, the counts go on.
	ts, report = start()
	if fmt.Sprint(report) != "[stream order_aggregator (line 5): resumed stream stream_2 (line 20): resumed]" {
		t.Errorf("report on restart: %q", report)
	}
	conn = connect(t, ts.dsn)
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte(`{"user_id": 0, "amount": 1, "note": "late"}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	waitForRows(t, conn, `SELECT * FROM order_aggregator ORDER BY user_id`, []string{"0 26 1213.5", "1 25 1237.5", "2 25 1262.5", "3 25 1287.5"})
	// A start that made the view but not the sink (its DDL failed, or the
	// sink was dropped) makes the sink.
	mustExec(t, conn, `DROP SINK order_aggregator_output`)
	if report, err := ts.eng.StartPipeline(ctx, p); err != nil || !strings.Contains(fmt.Sprint(report), "order_aggregator (line 5): started") {
		t.Errorf("StartPipeline without the sink: %q, %v", report, err)
	}
	if got := queryText(t, conn, `SHOW SINKS`); fmt.Sprint(got) != "[order_aggregator_output stream_2_output]" {
		t.Errorf("SHOW SINKS = %v", got)
	}
	// Another thread_num resumes the stream (its view keeps the parallelism
	// it was made with; the start logs a warning, which this does not read).
	threads := strings.Replace(text, "thread_num: 2", "thread_num: 3", 1)
	if err := os.WriteFile(file, []byte(threads), 0o644); err != nil {
		t.Fatal(err)
	}
	pThreads, err := weir.LoadPipeline(file)
	if err != nil {
		t.Fatal(err)
	}
	if report, err := ts.eng.StartPipeline(ctx, pThreads); err != nil || !strings.Contains(fmt.Sprint(report), "order_aggregator (line 5): resumed") {
		t.Errorf("StartPipeline with another thread_num: %q, %v", report, err)
	}
	conn.Close(ctx)

	// The input changed: an error, not a silent reuse of the old one.
	movedInput := strings.Replace(text, `topics: ["orders"]`, `topics: ["orders2"]`, 1)
	if err := os.WriteFile(file, []byte(movedInput), 0o644); err != nil {
		t.Fatal(err)
	}
	pMoved, err := weir.LoadPipeline(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.eng.StartPipeline(ctx, pMoved); err == nil || !strings.Contains(err.Error(), "pipeline.yaml:6: input: the input changed") {
		t.Errorf("changed input: %v", err)
	}

	// A processor changed since: an error naming the stream.
	changed := strings.Replace(text, "SUM(amount) AS total", "SUM(amount) AS sum_amount", 1)
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	p2, err := weir.LoadPipeline(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.eng.StartPipeline(ctx, p2); err == nil || !strings.Contains(err.Error(), "pipeline.yaml:5: stream order_aggregator: materialized view order_aggregator exists with another definition") {
		t.Errorf("changed query: %v", err)
	}
	// A query that does not bind: its line and the SQL error.
	bad := strings.Replace(text, "SELECT k, v FROM flow WHERE ok", "SELECT k, nope FROM flow", 1)
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	p3, err := weir.LoadPipeline(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := weir.CheckPipeline(ctx, p3); err == nil || !strings.Contains(err.Error(), `pipeline.yaml:27: processors: column "nope" does not exist`) {
		t.Errorf("unbound query: %v", err)
	}
}

// TestPipelineExample runs examples/stateful_example.yaml as written (its
// Kafka at localhost:9092 is an in-process kfake on that port) with records
// produced by kcat: weir prints the counts per user on stdout. Then the same
// file with backend_type local is killed with SIGKILL while records flow and
// started again, and its view counts every record exactly once.
func TestPipelineExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs weir as a child process")
	}
	kcat, err := osexec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is not installed (.ci/install-deps installs it)")
		}
		t.Skip("kcat is not installed; apt-get install kcat")
	}
	bin, err := buildWeir()
	if err != nil {
		t.Fatal(err)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(9092), kfake.SeedTopics(2, "orders"))
	if err != nil {
		t.Fatalf("kfake on localhost:9092 (the example's broker): %v", err)
	}
	defer c.Close()
	produced := 0
	produce := func(n int) {
		t.Helper()
		var in strings.Builder
		for range n {
			fmt.Fprintf(&in, "{\"user_id\": %d, \"amount\": %d}\n", produced%5, produced)
			produced++
		}
		cmd := osexec.Command(kcat, "-P", "-b", "localhost:9092", "-t", "orders")
		cmd.Stdin = strings.NewReader(in.String())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kcat: %v\n%s", err, out)
		}
	}
	// counts returns "user n" for every user of the records produced.
	counts := func() []string {
		var out []string
		for u := range 5 {
			n := 0
			for i := u; i < produced; i += 5 {
				n++
			}
			out = append(out, fmt.Sprintf("%d %d", u, n))
		}
		return out
	}
	produce(500)

	root := t.TempDir()
	dataDir := filepath.Join(root, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	example, err := filepath.Abs("examples/stateful_example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := startWeirProcess(t, bin, dataDir, example)
	conn := connect(t, p.dsn)
	waitForRows(t, conn, `SELECT * FROM order_aggregator ORDER BY user_id`, counts())
	if got := queryText(t, conn, `SHOW PIPELINES`); fmt.Sprint(got) != "[order_aggregator order_aggregator_input order_aggregator order_aggregator_output user_counts]" {
		t.Errorf("SHOW PIPELINES = %v", got)
	}
	// stdout: the newest line of user 4 has its count.
	logPath := filepath.Join(root, "weir.log")
	want := `order_aggregator_output: {"user_id":4} = {"user_id":4,"count":100}`
	for deadline := time.Now().Add(60 * time.Second); ; {
		data, _ := os.ReadFile(logPath)
		if strings.Contains(string(data), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("weir run printed no %q:\n%s", want, data)
		}
		time.Sleep(100 * time.Millisecond)
	}
	conn.Close(context.Background())
	p.kill()

	// The same pipeline on local state, killed twice while records flow.
	text, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(root, "local.yaml")
	localText := strings.Replace(strings.Replace(string(text), "backend_type: memory", "backend_type: local", 1), "checkpoint_interval_ms: 30000", "checkpoint_interval_ms: 100", 1)
	if err := os.WriteFile(local, []byte(localText), 0o644); err != nil {
		t.Fatal(err)
	}
	localData := filepath.Join(root, "local-data")
	if err := os.MkdirAll(localData, 0o755); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		p := startWeirProcess(t, bin, localData, local)
		produce(300)
		time.Sleep(time.Duration(100+200*round) * time.Millisecond)
		p.kill()
	}
	p = startWeirProcess(t, bin, localData, local)
	conn = connect(t, p.dsn)
	waitForRows(t, conn, `SELECT * FROM order_aggregator ORDER BY user_id`, counts())
	conn.Close(context.Background())
	p.kill()

	// serve flags that a pipeline file's state_management replaces are
	// refused, not dropped.
	if out, err := osexec.Command(bin, "serve", "--config", local, "--data-dir", localData, "--memory").CombinedOutput(); err == nil || !strings.Contains(string(out), "--memory does not apply to the pipeline file") {
		t.Errorf("weir serve --config pipeline --memory: %v\n%s", err, out)
	}

	// The checkpoints name the pipeline's state.
	out, err := osexec.Command(bin, "checkpoint", "list", "--config", local, "--data-dir", localData).CombinedOutput()
	if err != nil {
		t.Fatalf("weir checkpoint list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		t.Fatalf("weir checkpoint list:\n%s", out)
	}
	newest := strings.Fields(lines[1])[0]
	out, err = osexec.Command(bin, "checkpoint", "inspect", newest, "--config", local, "--data-dir", localData).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "order_aggregator  (pipeline order_aggregator, custom_keys user_counts)") {
		t.Errorf("weir checkpoint inspect %s: %v\n%s", newest, err, out)
	}
}

// TestPipelineS3Example runs examples/stateful_s3_example.yaml with its
// MinIO settings pointed at a test MinIO (and its Kafka at an in-process
// kfake on localhost:9092): the totals are checkpointed to S3, and a start
// on an empty data directory resumes them from S3 alone.
func TestPipelineS3Example(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(9092), kfake.SeedTopics(2, "orders"))
	if err != nil {
		t.Fatalf("kfake on localhost:9092 (the example's broker): %v", err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produce := func(from, n int) {
		var recs []*kgo.Record
		for i := from; i < from+n; i++ {
			recs = append(recs, &kgo.Record{Topic: "orders", Value: fmt.Appendf(nil, `{"user_id": %d, "amount": %d}`, i%3, i)})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	produce(0, 300)
	text, err := os.ReadFile("examples/stateful_s3_example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("http://127.0.0.1:9000", srv.Endpoint, "bucket: weir-state", "bucket: "+miniotest.Bucket,
		"access_key_id: minioadmin", "access_key_id: "+miniotest.User, "secret_access_key: minioadmin", "secret_access_key: "+miniotest.Password).Replace(string(text))
	file := filepath.Join(t.TempDir(), "s3.yaml")
	if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := weir.LoadPipeline(file)
	if err != nil {
		t.Fatal(err)
	}
	run := func(want []string) {
		t.Helper()
		cfg := p.Config
		cfg.Server.DataDir = t.TempDir() // a new machine each time: S3 alone
		cfg.SinkOutput = &syncBuffer{}
		ts := startServer(t, cfg)
		if _, err := ts.eng.StartPipeline(ctx, p); err != nil {
			t.Fatal(err)
		}
		conn := connect(t, ts.dsn)
		waitForRows(t, conn, `SELECT * FROM order_aggregator ORDER BY user_id`, want)
		conn.Close(ctx)
		ts.stop()
	}
	// Sums of i < n with i ≡ u (mod 3).
	totals := func(n int) []string {
		var out []string
		for u := range 3 {
			count, sum := 0, 0
			for i := u; i < n; i += 3 {
				count, sum = count+1, sum+i
			}
			out = append(out, fmt.Sprintf("%d %d %d", u, count, sum))
		}
		return out
	}
	run(totals(300))
	produce(300, 30)
	run(totals(330))
}

// TestPipelineGenerate runs ArkFlow's generate input: the context record
// repeated batch_size times per interval, count in all; and refuses a
// context whose fields cannot be repeated.
func TestPipelineGenerate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "gen.yaml")
	text := `state_management:
  backend_type: memory
  checkpoint_interval_ms: 50
streams:
  - input:
      type: generate
      context: '{"sensor": "temp\/1", "value": 10, "ratio": 0.5, "ok": true}'
      interval: 10ms
      batch_size: 5
      count: 50
    pipeline:
      processors:
        - type: sql
          query: SELECT sensor, count(*) AS n, sum(value) AS total, sum(ratio) AS r FROM flow WHERE ok GROUP BY sensor
    output:
      type: blackhole
    state:
      operator_id: sensors
`
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := weir.LoadPipeline(file)
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, p.Config)
	if _, err := ts.eng.StartPipeline(ctx, p); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, ts.dsn)
	waitForRows(t, conn, `SELECT * FROM sensors`, []string{"temp/1 50 500 25"})

	bad := strings.Replace(text, `"ok": true`, `"ok": {"nested": 1}`, 1)
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err = weir.LoadPipeline(file); err != nil {
		t.Fatal(err)
	}
	if _, err := weir.CheckPipeline(ctx, p); err == nil || !strings.Contains(err.Error(), `gen.yaml:6: input.context: field "ok" is {"nested": 1}`) {
		t.Errorf("a nested context field: %v", err)
	}
}
