package statestore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-stream/weir/statestore/objstore"
)

// ManifestVersion is the version of the manifest format this code writes
// and reads (docs/format/checkpoint.md).
const ManifestVersion = 1

// Object name prefixes of a checkpoint store (docs/format/checkpoint.md).
const (
	manifestPrefix = "manifests/"
	sstPrefix      = "sst/"
	metaPrefix     = "meta/"
)

// crcTable is the CRC-32C (Castagnoli) table of file checksums.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Manifest describes one checkpoint: the files of a Pebble checkpoint
// directory and where each lies in the object store. A checkpoint exists
// once its manifest does; the manifest is written after every file it
// names.
type Manifest struct {
	Version int `json:"version"`
	// Epoch is the committed epoch the state is exactly as of.
	Epoch uint64 `json:"epoch"`
	// Created is when the checkpoint was taken.
	Created time.Time `json:"created"`
	// Run identifies the process run that wrote the checkpoint; its new
	// SST files are stored under sst/<run>/.
	Run string `json:"run"`
	// Files are the files of the Pebble directory, by name.
	Files []ManifestFile `json:"files"`
	// Info is what the engine records beside the state for operators and
	// tools (the catalog's objects, the sources' positions): a copy, the
	// state itself holds the same.
	Info json.RawMessage `json:"info,omitempty"`
}

// ManifestFile is one file of a checkpoint.
type ManifestFile struct {
	// Name is the file's name in the Pebble directory.
	Name string `json:"name"`
	// Object is the object holding it.
	Object string `json:"object"`
	Size   int64  `json:"size"`
	// CRC32C is the CRC-32C (Castagnoli) of the contents.
	CRC32C uint32 `json:"crc32c"`
}

// StateBytes returns the total size of the checkpoint's files.
func (m *Manifest) StateBytes() int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

// manifestName returns the object name of the manifest of epoch; names
// sort by epoch.
func manifestName(epoch uint64) string {
	return fmt.Sprintf("%s%020d.json", manifestPrefix, epoch)
}

// epochOfManifest parses the epoch out of a manifest's object name.
func epochOfManifest(name string) (uint64, bool) {
	s, ok := strings.CutPrefix(name, manifestPrefix)
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".json")
	if !ok {
		return 0, false
	}
	e, err := strconv.ParseUint(s, 10, 64)
	return e, err == nil
}

// ListCheckpoints returns the epochs of the manifests in store, newest
// first.
func ListCheckpoints(ctx context.Context, store objstore.Store) ([]uint64, error) {
	objs, err := store.List(ctx, manifestPrefix)
	if err != nil {
		return nil, err
	}
	var epochs []uint64
	for _, o := range objs {
		if e, ok := epochOfManifest(o.Name); ok {
			epochs = append(epochs, e)
		}
	}
	slices.Reverse(epochs)
	return epochs, nil
}

// ReadManifest reads and parses the manifest of epoch.
func ReadManifest(ctx context.Context, store objstore.Store, epoch uint64) (*Manifest, error) {
	r, err := store.Get(ctx, manifestName(epoch))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("statestore: read manifest %d: %w", epoch, err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("statestore: manifest %d is not valid: %w", epoch, err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("statestore: manifest %d has version %d; this weir reads version %d", epoch, m.Version, ManifestVersion)
	}
	if m.Epoch != epoch {
		return nil, fmt.Errorf("statestore: manifest %s says epoch %d", manifestName(epoch), m.Epoch)
	}
	if len(m.Files) == 0 {
		return nil, fmt.Errorf("statestore: manifest %d names no files", epoch)
	}
	return &m, nil
}

// writeManifest stores m as the manifest of its epoch.
func writeManifest(ctx context.Context, store objstore.Store, m *Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return store.Put(ctx, manifestName(m.Epoch), bytes.NewReader(data), int64(len(data)))
}

// errChecksum is the error of a file whose contents do not match its
// manifest entry.
var errChecksum = errors.New("checksum mismatch")
