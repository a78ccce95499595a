package checkpoints

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cleanMarker is the file in the data directory that says the state
// directory was closed cleanly (flushed) and can be opened as it is. It
// holds the epoch of the last checkpoint written then. It is removed when
// the state is opened, so a crash leaves no marker and the next start
// restores the newest checkpoint instead of opening a state directory whose
// last epoch may be half-flushed.
const cleanMarker = "clean-shutdown"

// CleanShutdown reports whether dataDir holds the clean-shutdown marker,
// and the checkpoint epoch it names (0 when none was written).
func CleanShutdown(dataDir string) (uint64, bool) {
	data, err := os.ReadFile(filepath.Join(dataDir, cleanMarker))
	if err != nil {
		return 0, false
	}
	e, _ := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	return e, true
}

// writeCleanMarker records in dataDir a clean shutdown whose last
// checkpoint is epoch.
func writeCleanMarker(dataDir string, epoch uint64) error {
	return os.WriteFile(filepath.Join(dataDir, cleanMarker), []byte(strconv.FormatUint(epoch, 10)+"\n"), 0o644)
}

// removeCleanMarker removes the marker of dataDir, if any.
func removeCleanMarker(dataDir string) error {
	if err := os.Remove(filepath.Join(dataDir, cleanMarker)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
