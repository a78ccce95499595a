package format

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

var (
	errBadNumeric      = errors.New("invalid numeric")
	errNumericOverflow = errors.New("numeric field overflow")
)

// parseDecimal parses a decimal literal ("-12.345", "1e3", ".5") into a
// NUMERIC(prec, scale), rounding half away from zero to scale digits as
// Postgres does. It fails on text that is not a number and on values with
// more than prec-scale integer digits. It is exact (no binary floating point).
func parseDecimal(s []byte, prec, scale int32) (decimal128.Num, error) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	// The value is 0.D × 10^point, D the significant digits.
	var buf [96]byte
	nd, point := 0, 0
	afterPoint, seen := false, false
scan:
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			seen = true
			if nd == 0 && c == '0' {
				if afterPoint {
					point--
				}
				continue
			}
			if nd < len(buf) {
				buf[nd] = c - '0'
				nd++
			}
			if !afterPoint {
				point++
			}
		case c == '.' && !afterPoint:
			afterPoint = true
		default:
			break scan
		}
	}
	if !seen {
		return decimal128.Num{}, errBadNumeric
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return decimal128.Num{}, errBadNumeric
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return decimal128.Num{}, errBadNumeric
		}
		exp := 0
		for ; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return decimal128.Num{}, errBadNumeric
			}
			if exp < 10000 {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
		point += exp
	}
	if nd == 0 {
		return decimal128.Num{}, nil
	}
	if point > int(prec-scale) {
		return decimal128.Num{}, errNumericOverflow
	}
	keep := point + int(scale) // leading digits of D that form the scaled integer
	n := decimal128.Num{}
	ten := decimal128.FromU64(10)
	for k := 0; k < keep; k++ {
		var d uint64
		if k < nd {
			d = uint64(buf[k])
		}
		n = n.Mul(ten).Add(decimal128.FromU64(d))
	}
	if keep >= 0 && keep < nd && buf[keep] >= 5 {
		n = n.Add(decimal128.FromU64(1))
	}
	if !n.FitsInPrecision(prec) {
		return decimal128.Num{}, errNumericOverflow
	}
	if neg {
		n = n.Negate()
	}
	return n, nil
}
