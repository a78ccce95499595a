package expr

import "testing"

// TestEval runs testdata/eval: columns, constants, NULL propagation and
// Kleene logic over a batch of several types.
func TestEval(t *testing.T) { runExprTest(t, "testdata/eval") }

// TestArith runs testdata/arith: every arithmetic type pair, overflow,
// division by zero and date/time arithmetic.
func TestArith(t *testing.T) { runExprTest(t, "testdata/arith") }

// TestCompare runs testdata/compare: comparisons across types, BETWEEN, IS.
func TestCompare(t *testing.T) { runExprTest(t, "testdata/compare") }

// TestCast runs testdata/cast: explicit and implicit casts and CommonType.
func TestCast(t *testing.T) { runExprTest(t, "testdata/cast") }

// TestLike runs testdata/like.
func TestLike(t *testing.T) { runExprTest(t, "testdata/like") }

// TestIn runs testdata/in.
func TestIn(t *testing.T) { runExprTest(t, "testdata/in") }

// TestCase runs testdata/case.
func TestCase(t *testing.T) { runExprTest(t, "testdata/case") }

// TestFunc runs testdata/func.
func TestFunc(t *testing.T) { runExprTest(t, "testdata/func") }

// TestFold runs testdata/fold.
func TestFold(t *testing.T) { runExprTest(t, "testdata/fold") }

// TestAggregate runs testdata/aggregate.
func TestAggregate(t *testing.T) { runExprTest(t, "testdata/aggregate") }
