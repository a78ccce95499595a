// Command weir runs the weir streaming engine: `weir serve` serves it over the
// Postgres wire protocol, `weir run` runs a pipeline file (and serves it),
// `weir checkpoint` inspects checkpoints, `weir version` prints the version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/wire"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		if err := serve(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "weir:", err)
			os.Exit(1)
		}
	case "run":
		if err := run(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "weir:", err)
			os.Exit(1)
		}
	case "checkpoint":
		if err := checkpointCmd(os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "weir:", err)
			os.Exit(1)
		}
	case "version", "--version":
		fmt.Println("weir", version)
	default:
		usage()
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  weir serve [--listen 127.0.0.1:5454] [--data-dir DIR] [--config FILE] [--init FILE.sql] [--memory] [--restore-from ID]
  weir run PIPELINE.yaml [--check] [--listen ADDR] [--data-dir DIR]
  weir checkpoint list | inspect ID | verify ID [--config FILE] [--data-dir DIR]
  weir version`)
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", "", "address to serve the Postgres protocol on (default 127.0.0.1:5454)")
	dataDir := fs.String("data-dir", "", "directory of the state (default ./weir-data)")
	configFile := fs.String("config", "", "YAML config file (server: and state_management: blocks)")
	initFile := fs.String("init", "", "SQL script to run when the data directory is new")
	memory := fs.Bool("memory", false, "keep state in memory only (backend_type: memory)")
	restoreFrom := fs.Uint64("restore-from", 0, "start from this retained checkpoint (see weir checkpoint list) instead of the newest")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	if *configFile != "" && weir.IsPipelineFile(*configFile) {
		// A file with streams: is a pipeline, served the same way; the
		// file's logging.level holds unless --log-level was given.
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, name := range []string{"init", "memory", "restore-from"} {
			if set[name] {
				return fmt.Errorf("--%s does not apply to the pipeline file %s (its state_management block decides)", name, *configFile)
			}
		}
		args := []string{*configFile}
		if *listen != "" {
			args = append(args, "--listen", *listen)
		}
		if *dataDir != "" {
			args = append(args, "--data-dir", *dataDir)
		}
		if set["log-level"] {
			args = append(args, "--log-level", *logLevel)
		}
		return run(args)
	}
	cfg, err := loadConfig(*configFile, *dataDir)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	if err := cfg.Server.CheckExposure(); err != nil {
		return err
	}
	cfg.RestoreFrom = *restoreFrom
	if err := crashHook(&cfg, log); err != nil {
		return err
	}
	if *memory {
		cfg.State.BackendType = "memory"
	}
	cfg.Logger = log

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	eng, err := weir.Open(ctx, cfg)
	if err != nil {
		return err
	}
	if *initFile != "" {
		if err := runInit(ctx, eng, *initFile, log); err != nil {
			eng.Close(context.Background())
			return err
		}
	}
	return serveEngine(ctx, eng, cfg, log)
}

// serveEngine serves eng over the Postgres protocol until ctx ends (a
// signal), then stops the server and closes the engine.
func serveEngine(ctx context.Context, eng *weir.Engine, cfg weir.Config, log *slog.Logger) error {
	opts, err := wireOptions(eng, cfg, log)
	if err != nil {
		eng.Close(context.Background())
		return err
	}
	srv := wire.NewServer(sessions{eng}, opts)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe(ctx, cfg.Server.Listen) }()
	log.Info("weir serving", "listen", cfg.Server.Listen, "data_dir", cfg.Server.DataDir, "backend", cfg.State.BackendType,
		"auth", authMethod(cfg), "tls", opts.TLS != nil, "version", version)

	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	log.Info("weir stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	serr := srv.Shutdown(shutdownCtx)
	cerr := eng.Close(shutdownCtx)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return errors.Join(serr, cerr)
}

// wireOptions returns the wire server's options for cfg's server block:
// passwords checked against the engine's roles with scram-sha-256, and TLS
// when a certificate is configured.
func wireOptions(eng *weir.Engine, cfg weir.Config, log *slog.Logger) (wire.Options, error) {
	opts := wire.Options{Logger: log, TLSRequired: cfg.Server.TLS.Required, MaxStatementSize: cfg.Server.MaxStatementBytes,
		MaxConns: cfg.Server.MaxConnections, MaxStartupConns: cfg.Server.MaxStartupConnections}
	if cfg.Server.Auth.SCRAM() {
		opts.Passwords = eng.LoginVerifier
		secret, err := eng.MockSecret()
		if err != nil {
			return opts, err
		}
		opts.MockSecret = secret
	}
	tlsCfg, err := cfg.Server.ServerTLS()
	if err != nil {
		return opts, err
	}
	opts.TLS = tlsCfg
	return opts, nil
}

// authMethod names how clients authenticate, for the log.
func authMethod(cfg weir.Config) string {
	if cfg.Server.Auth.Method == "" {
		return weir.AuthTrust
	}
	return cfg.Server.Auth.Method
}

// runInit runs the init script when the engine has no objects yet: on the
// first start of a data directory, not on restarts.
func runInit(ctx context.Context, eng *weir.Engine, path string, log *slog.Logger) error {
	if eng.NumObjects() > 0 {
		log.Info("init script skipped: the data directory already has objects", "init", path)
		return nil
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--init: %w", err)
	}
	s, err := eng.NewSession(ctx, "weir", "weir")
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Exec(ctx, string(text)); err != nil {
		return fmt.Errorf("--init %s: %w", path, err)
	}
	log.Info("init script done", "init", path)
	return nil
}

// sessions adapts the engine to the wire server's SessionFactory.
type sessions struct{ e *weir.Engine }

func (s sessions) NewSession(ctx context.Context, user, database string) (wire.Session, error) {
	return s.e.NewSession(ctx, user, database)
}

// crashHook arms the crash tests' kill switch: with WEIR_CRASH_AT=step (a
// statestore.CheckpointStep: taken, file, files, manifest, delete,
// collected; or a sink's delivery step: sink-prepared, sink-committing,
// sink-committed) and
// WEIR_CRASH_AFTER=n (default 1), the process kills itself with SIGKILL the
// n-th time a checkpoint or a sink reaches that step.
func crashHook(cfg *weir.Config, log *slog.Logger) error {
	step := os.Getenv("WEIR_CRASH_AT")
	if step == "" {
		return nil
	}
	after := 1
	if v := os.Getenv("WEIR_CRASH_AFTER"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("WEIR_CRASH_AFTER: want a positive count, got %q", v)
		}
		after = n
	}
	log.Warn("crash test: this process will kill itself at a checkpoint step", "step", step, "after", after)
	var seen atomic.Int64
	cfg.CheckpointHook = func(s string) {
		if s == step && seen.Add(1) == int64(after) {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal ends the process
		}
	}
	return nil
}

// run is `weir run PIPELINE.yaml`: it starts every stream of the file
// (resuming those whose state exists) and serves the engine, so the
// streams' views can be queried; with --check it prints what the file
// compiles to and the plans, and runs nothing.
func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	check := fs.Bool("check", false, "validate the file and print its SQL and plans without running it")
	listen := fs.String("listen", "", "address to serve the Postgres protocol on (default: the file's server.listen, or 127.0.0.1:5454)")
	dataDir := fs.String("data-dir", "", "directory of the state (default: the file's server.data_dir, or ./weir-data)")
	logLevel := fs.String("log-level", "", "debug, info, warn or error (default: the file's logging.level, or info)")
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(files) != 1 {
		return fmt.Errorf("run: want one pipeline file (weir run pipeline.yaml)")
	}
	p, err := weir.LoadPipeline(files[0])
	if err != nil {
		return err
	}
	levelText := "info"
	if p.LogLevel != "" {
		levelText = p.LogLevel
	}
	if *logLevel != "" {
		levelText = *logLevel
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(levelText)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *check {
		out, err := weir.CheckPipeline(ctx, p)
		fmt.Print(out)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %d streams, ok\n", files[0], len(p.Streams))
		return nil
	}
	cfg := p.Config
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	if *dataDir != "" {
		cfg.Server.DataDir = *dataDir
	}
	if err := cfg.Server.CheckExposure(); err != nil {
		return err
	}
	if err := crashHook(&cfg, log); err != nil {
		return err
	}
	cfg.Logger = log
	eng, err := weir.Open(ctx, cfg)
	if err != nil {
		return err
	}
	report, err := eng.StartPipeline(ctx, p)
	for _, line := range report {
		fmt.Fprintln(os.Stderr, line)
		log.Info("pipeline", "file", files[0], "stream", line)
	}
	if err != nil {
		eng.Close(context.Background())
		return err
	}
	return serveEngine(ctx, eng, cfg, log)
}
