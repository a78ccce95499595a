package expr

import (
	"math"
	"math/big"
)

// crPrec is the precision, in bits, exp and ln are computed to before they
// are rounded once to double precision: far more than the 53 bits of the
// result, so that it is correctly rounded (as the C library's exp and log,
// which Postgres uses, are but for rare halfway cases), where Go's math.Exp
// and math.Log may be one unit off in the last place.
const crPrec = 80

// ln2Big is ln 2 to well over crPrec bits.
var ln2Big, _, _ = big.ParseFloat("0.693147180559945309417232121458176568075500134360255254120680009493393621969694715605863326996418687542001481021", 10, crPrec+32, big.ToNearestEven)

func newCR(x float64) *big.Float { return new(big.Float).SetPrec(crPrec + 32).SetFloat64(x) }

// crExp is e**x correctly rounded, for a finite x whose result is finite
// and not zero.
func crExp(x float64) float64 {
	prec := uint(crPrec + 32)
	// x = k ln2 + r, |r| <= ln2/2
	k := math.Round(x / math.Ln2)
	r := newCR(x)
	r.Sub(r, new(big.Float).SetPrec(prec).Mul(newCR(k), ln2Big))
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	eps := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(prec))
	div := new(big.Float).SetPrec(prec)
	for n := int64(1); n < 200; n++ {
		term.Mul(term, r)
		term.Quo(term, div.SetInt64(n))
		sum.Add(sum, term)
		if term.Sign() == 0 || term.MantExp(nil) < eps.MantExp(nil) {
			break
		}
	}
	sum.SetMantExp(sum, int(k))
	f, _ := sum.Float64()
	return f
}

// crLn is ln x correctly rounded, for a finite x > 0.
func crLn(x float64) float64 {
	prec := uint(crPrec + 32)
	m, e := math.Frexp(x) // x = m 2**e, m in [0.5, 1)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	// ln m = 2 atanh(z), z = (m-1)/(m+1), |z| < 0.172
	mb := newCR(m)
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	z := new(big.Float).SetPrec(prec).Quo(new(big.Float).SetPrec(prec).Sub(mb, one), new(big.Float).SetPrec(prec).Add(mb, one))
	z2 := new(big.Float).SetPrec(prec).Mul(z, z)
	sum := new(big.Float).SetPrec(prec).Set(z)
	pow := new(big.Float).SetPrec(prec).Set(z)
	eps := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(prec))
	t, div := new(big.Float).SetPrec(prec), new(big.Float).SetPrec(prec)
	for n := int64(3); n < 400; n += 2 {
		pow.Mul(pow, z2)
		t.Quo(pow, div.SetInt64(n))
		sum.Add(sum, t)
		if t.Sign() == 0 || t.MantExp(nil) < eps.MantExp(nil) {
			break
		}
	}
	sum.Mul(sum, new(big.Float).SetPrec(prec).SetInt64(2))
	sum.Add(sum, new(big.Float).SetPrec(prec).Mul(newCR(float64(e)), ln2Big))
	f, _ := sum.Float64()
	return f
}
