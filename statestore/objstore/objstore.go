// Package objstore is the object storage checkpoints are written to: a flat
// namespace of immutable objects addressed by slash-separated names. The
// implementations are an in-memory store (tests), a local directory, and S3
// (any S3-compatible service).
//
// Contract, for every implementation:
//   - Put makes the whole object visible at once, or nothing: a reader never
//     sees a partial object, even when the writer crashes half-way. Putting
//     an existing name replaces it (checkpoints never do).
//   - Get of a missing object returns an error that errors.Is ErrNotExist.
//   - List returns every object whose name starts with prefix, sorted by
//     name, each with its size.
//   - Delete of a missing object is not an error.
//   - All methods are safe for concurrent use.
package objstore

import (
	"context"
	"errors"
	"io"
)

// ErrNotExist is returned (wrapped) by Get for a missing object.
var ErrNotExist = errors.New("objstore: object does not exist")

// Object describes a stored object.
type Object struct {
	Name string
	Size int64
}

// Store is an object store. See the package documentation for the contract.
type Store interface {
	// Put stores size bytes read from r under name.
	Put(ctx context.Context, name string, r io.Reader, size int64) error
	// Get opens the object called name for reading; the caller closes it.
	Get(ctx context.Context, name string) (io.ReadCloser, error)
	// List returns the objects whose names start with prefix, by name.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Delete removes the object called name.
	Delete(ctx context.Context, name string) error
	// String describes the store for logs ("dir /var/weir/checkpoints",
	// "s3://bucket/prefix").
	String() string
}
