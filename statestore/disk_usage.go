package statestore

import "errors"

// TablesDiskUsage estimates the on-disk bytes of the state tables tables
// (Pebble's EstimateDiskUsage over each one's span: flushed state only).
// It sums the tables it could estimate; err joins why it could not
// estimate the others.
func (s *Store) TablesDiskUsage(tables []TableID) (bytes uint64, err error) {
	var errs []error
	for _, t := range tables {
		lo, hi := TableSpan(t)
		n, err := s.db.EstimateDiskUsage(lo, hi)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		bytes += n
	}
	return bytes, errors.Join(errs...)
}
