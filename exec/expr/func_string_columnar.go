package expr

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/types"
)

// textColumnar is a text → text function over a batch: each valid row's
// value s written by write, which reserves what it appends. dataCap sizes
// the output from the input's bytes.
func textColumnar(name string, args []int, dataCap func(in int) int, write func(out *textOut, s string, i int, rest []arrow.Array)) *columnarFunc {
	return &columnarFunc{args: args, eval: func(mem memory.Allocator, n int, as []arrow.Array) (arrow.Array, error) {
		strs, err := stringArg(name, as[0])
		if err != nil {
			return nil, err
		}
		valid := strictValidity(mem, n, as...)
		out := newTextOut(mem, n, dataCap(stringDataLen(strs)))
		for i := range n {
			if valid.valid(i) {
				write(out, strs.Value(i), i, as[1:])
			}
			out.end(i)
		}
		return out.finish(valid.buf, valid.nulls)
	}}
}

// int32Columnar is a function of text (and, in rest, its other arrays)
// returning integer over a batch.
func int32Columnar(name string, args []int, f func(s string, i int, rest []arrow.Array) int32) *columnarFunc {
	return &columnarFunc{args: args, eval: func(mem memory.Allocator, n int, as []arrow.Array) (arrow.Array, error) {
		strs, err := stringArg(name, as[0])
		if err != nil {
			return nil, err
		}
		valid := strictValidity(mem, n, as...)
		out := newFixedOut[int32](mem, n)
		for i := range n {
			if valid.valid(i) {
				out.vals[i] = f(strs.Value(i), i, as[1:])
			} else {
				out.vals[i] = 0
			}
		}
		return out.finish(types.Int32Type.ArrowType(), valid.buf, valid.nulls), nil
	}}
}

func sameLen(in int) int { return in }

// splitPartColumnar is split_part(s, delim, n) for a constant delim and n
// (not 0).
func splitPartColumnar(delim string, n int64) *columnarFunc {
	return textColumnar("split_part", []int{0}, sameLen, func(out *textOut, s string, _ int, _ []arrow.Array) {
		part := splitPartOf(s, delim, n)
		out.reserve(len(part))
		out.bytes = append(out.bytes, part...)
	})
}

// splitPartOf is split_part(s, delim, n) for n not 0: the nth field of s
// cut at each delim (non-overlapping, from the left), counted from the end
// when n is negative; empty when there is no such field.
func splitPartOf(s, delim string, n int64) string {
	if s == "" {
		return ""
	}
	if delim == "" {
		if n == 1 || n == -1 {
			return s
		}
		return ""
	}
	if n < 0 {
		// Fields are delimiters + 1.
		n += int64(strings.Count(s, delim)) + 2
		if n < 1 {
			return ""
		}
	}
	for ; n > 1; n-- {
		k := strings.Index(s, delim)
		if k < 0 {
			return ""
		}
		s = s[k+len(delim):]
	}
	if k := strings.Index(s, delim); k >= 0 {
		return s[:k]
	}
	return s
}

// strposColumnar is strpos(s, sub) (position(sub IN s)): sub is the
// constant when sub is not nil, else the call's second array.
func strposColumnar(sub *string) *columnarFunc {
	args := []int{0, 1}
	if sub != nil {
		args = []int{0}
	}
	return int32Columnar("strpos", args, func(s string, i int, rest []arrow.Array) int32 {
		if sub != nil {
			return int32(strpos(s, *sub))
		}
		return int32(strpos(s, rest[0].(*array.String).Value(i)))
	})
}

// caseMapColumnar is lower(s) or upper(s): ASCII byte by byte, other
// text as strings.ToLower and ToUpper map it.
func caseMapColumnar(upper bool) *columnarFunc {
	name, full, from := "lower", strings.ToLower, byte('A')
	if upper {
		name, full, from = "upper", strings.ToUpper, 'a'
	}
	return textColumnar(name, []int{0}, sameLen, func(out *textOut, s string, _ int, _ []arrow.Array) {
		out.reserve(len(s))
		start := len(out.bytes)
		for j := 0; j < len(s); j++ {
			c := s[j]
			if c >= utf8.RuneSelf {
				out.bytes = out.bytes[:start]
				t := full(s)
				out.reserve(len(t))
				out.bytes = append(out.bytes, t...)
				return
			}
			if c-from < 26 {
				c ^= 'a' - 'A' // the case bit of an ASCII letter
			}
			out.bytes = append(out.bytes, c)
		}
	})
}

// lengthColumnar is length(s): its characters.
func lengthColumnar() *columnarFunc {
	return int32Columnar("length", []int{0}, func(s string, _ int, _ []arrow.Array) int32 {
		return int32(utf8.RuneCountInString(s))
	})
}

// replaceColumnar is replace(s, from, to) for a constant from and to:
// every occurrence of from, left to right, replaced by to.
func replaceColumnar(from, to string) *columnarFunc {
	dataCap := sameLen
	if len(to) > len(from) {
		dataCap = func(in int) int { return in + in/2 }
	}
	return textColumnar("replace", []int{0}, dataCap, func(out *textOut, s string, _ int, _ []arrow.Array) {
		if from != "" {
			for {
				k := strings.Index(s, from)
				if k < 0 {
					break
				}
				out.reserve(k + len(to))
				out.bytes = append(out.bytes, s[:k]...)
				out.bytes = append(out.bytes, to...)
				s = s[k+len(from):]
			}
		}
		out.reserve(len(s))
		out.bytes = append(out.bytes, s...)
	})
}
