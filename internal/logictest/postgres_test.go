package logictest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// pgTranslations turn weir statements into their Postgres equivalents: a
// materialized view that is always up to date reads like a plain view, and
// FLUSH has nothing to wait for.
var pgTranslations = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?i)^\s*FLUSH\s*$`), "SELECT 1"},
	{regexp.MustCompile(`(?i)\bCREATE MATERIALIZED VIEW\b`), "CREATE VIEW"},
	{regexp.MustCompile(`(?i)\bDROP MATERIALIZED VIEW\b`), "DROP VIEW"},
}

// weirOnlyFiles are the suite's files that test what Postgres does not have.
var weirOnlyFiles = map[string]bool{"show": true, "explain": true, "quickstart": true}

func toPostgres(sql string) string {
	for _, t := range pgTranslations {
		sql = t.re.ReplaceAllString(sql, t.repl)
	}
	return sql
}

// TestSuiteAgainstPostgres runs the end-to-end suite (testdata/slt at the
// repository root) against a real Postgres, as an oracle for the expected
// results written there: records marked `skipif postgres`, and the files in
// weirOnlyFiles, are weir-only.
// It runs only when WEIR_PG_DSN names a Postgres server whose user may
// create databases; each file runs in a fresh database.
func TestSuiteAgainstPostgres(t *testing.T) {
	dsn := os.Getenv("WEIR_PG_DSN")
	if dsn == "" {
		t.Skip("WEIR_PG_DSN is not set")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	files, err := filepath.Glob("../../testdata/slt/*.slt")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".slt")
		if weirOnlyFiles[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			db := "weir_slt_" + name
			if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
				t.Fatal(err)
			}
			if _, err := admin.Exec(ctx, "CREATE DATABASE "+db); err != nil {
				t.Fatal(err)
			}
			fileDSN := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, db)
			RunFile(ctx, t, f, Options{DSN: fileDSN, Engine: "postgres", Transform: toPostgres})
		})
	}
}
