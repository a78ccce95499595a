package weir

import (
	"context"
	"os"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/pipeline"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// This file is the embedding API: what a Go program needs to run weir
// inside itself (Open, Exec, Query, Subscribe, Process, Checkpoint, Close).

// OpenFile opens an engine configured by a YAML file: a server config
// (LoadConfig), or a pipeline file, whose streams are then started.
func OpenFile(ctx context.Context, path string) (*Engine, error) {
	if IsPipelineFile(path) {
		p, err := LoadPipeline(path)
		if err != nil {
			return nil, err
		}
		e, err := Open(ctx, p.Config)
		if err != nil {
			return nil, err
		}
		if _, err := e.StartPipeline(ctx, p); err != nil {
			e.Close(ctx)
			return nil, err
		}
		return e, nil
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	return Open(ctx, cfg)
}

// Exec runs a script of ';'-separated statements (DDL, DML, FLUSH, …) and
// discards the rows of any query in it.
func (e *Engine) Exec(ctx context.Context, script string) error {
	s, err := e.NewSession(ctx, "weir", "weir")
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Exec(ctx, script)
}

// Query runs one statement that returns rows (a SELECT, SHOW, EXPLAIN) over
// the last committed epoch. The Result's Rows streams Arrow record batches:
// read them, or call Values, and Release them either way.
func (e *Engine) Query(ctx context.Context, query string) (*Result, error) {
	st, err := sql.ParseOne(query)
	if err != nil {
		return nil, err
	}
	s, err := e.NewSession(ctx, "weir", "weir")
	if err != nil {
		return nil, err
	}
	defer s.Close()
	res, err := s.execute(ctx, st)
	if err != nil {
		return nil, err
	}
	if res.Rows == nil {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "%s returns no rows: use Exec", res.Tag)
	}
	return res, nil
}

// Checkpoint returns once everything done before it is in a checkpoint (a
// FLUSH; without checkpoints, once it is visible to queries).
func (e *Engine) Checkpoint(ctx context.Context) error {
	return e.durableFlush(ctx)
}

// IsPipelineFile reports whether the YAML file at path has a top-level
// streams: key: a pipeline file rather than a server config.
func IsPipelineFile(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	return pipeline.IsPipeline(data)
}
