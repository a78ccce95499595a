package wire

import (
	"encoding/binary"

	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// badCopyFileFormat is Postgres' 22P04.
const badCopyFileFormat = "22P04"

// copySignature starts the binary COPY format.
const copySignature = "PGCOPY\n\xff\r\n\x00"

// binaryCopy turns the client's data of a COPY FROM STDIN in the binary
// format into lines of the text format, one per tuple, each value decoded
// as a bound binary parameter is (binaryParamToText): the session then
// parses them as text, and a bad tuple's CONTEXT names its number as its
// line, as Postgres does. A tuple may span CopyData messages.
type binaryCopy struct {
	types   []types.T
	pending []byte // input not yet turned into lines
	header  bool   // the header has been read
	ended   bool   // the trailer has been read
	out     []byte
	field   []byte
}

// transcode returns the text lines of the complete tuples of pending and
// data; data is not retained.
func (b *binaryCopy) transcode(data []byte) ([]byte, error) {
	b.pending = append(b.pending, data...)
	src := b.pending
	b.out = b.out[:0]
	if !b.header {
		if len(src) < len(copySignature)+8 {
			return nil, nil
		}
		if string(src[:len(copySignature)]) != copySignature {
			return nil, sqlstate.Errorf(badCopyFileFormat, "COPY file signature not recognized")
		}
		flags := binary.BigEndian.Uint32(src[len(copySignature):])
		if flags&(1<<16) != 0 {
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "COPY with OIDs is not supported")
		}
		if flags&^uint32(0xffff) != 0 {
			return nil, sqlstate.Errorf(badCopyFileFormat, "unrecognized critical flags in COPY file header")
		}
		ext := int(binary.BigEndian.Uint32(src[len(copySignature)+4:]))
		if len(src) < len(copySignature)+8+ext {
			return nil, nil
		}
		src = src[len(copySignature)+8+ext:]
		b.header = true
	}
	for len(src) >= 2 && !b.ended {
		n := int(int16(binary.BigEndian.Uint16(src)))
		if n == -1 {
			b.ended = true
			src = src[2:]
			break
		}
		if n != len(b.types) {
			return nil, sqlstate.Errorf(badCopyFileFormat, "row field count is %d, expected %d", n, len(b.types))
		}
		line, rest, ok, err := b.tuple(src[2:])
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		b.out = line
		src = rest
	}
	b.pending = b.pending[:copy(b.pending, src)]
	return b.out, nil
}

// tuple appends the text line of the tuple whose fields start src, and
// returns what follows it; ok is false when the tuple has not all arrived.
func (b *binaryCopy) tuple(src []byte) (line, rest []byte, ok bool, err error) {
	start := len(b.out)
	line = b.out
	for k, t := range b.types {
		if len(src) < 4 {
			return b.out[:start], nil, false, nil
		}
		size := int(int32(binary.BigEndian.Uint32(src)))
		src = src[4:]
		if k > 0 {
			line = append(line, '\t')
		}
		if size == -1 {
			line = append(line, '\\', 'N')
			continue
		}
		if size < 0 {
			return nil, nil, false, sqlstate.Errorf(badCopyFileFormat, "invalid field size")
		}
		if len(src) < size {
			return b.out[:start], nil, false, nil
		}
		b.field, err = binaryParamToText(b.field[:0], t, src[:size])
		if err != nil {
			return nil, nil, false, sqlstate.Errorf(badCopyFileFormat, "incorrect binary data format in COPY field %d: %v", k+1, err)
		}
		line = appendCopyField(line, b.field, session.TextCopyOptions)
		src = src[size:]
	}
	return append(line, '\n'), src, true, nil
}

// finish checks the end of the data: nothing may be left of a tuple.
func (b *binaryCopy) finish() error {
	if !b.header || len(b.pending) > 0 {
		return sqlstate.Errorf(badCopyFileFormat, "unexpected EOF in COPY data")
	}
	return nil
}
