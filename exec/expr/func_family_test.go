package expr

import "testing"

// TestFuncString runs testdata/func_string: split_part, strpos, left,
// right, lpad, rpad, repeat, reverse, initcap, md5.
func TestFuncString(t *testing.T) { runExprTest(t, "testdata/func_string") }

// TestFuncMath runs testdata/func_math: sign, trunc, cbrt, ln, log, exp,
// gcd, lcm.
func TestFuncMath(t *testing.T) { runExprTest(t, "testdata/func_math") }

// TestFuncRegexp runs testdata/func_regexp: the ~ ~* !~ !~* operators
// (through their functions) and regexp_replace.
func TestFuncRegexp(t *testing.T) { runExprTest(t, "testdata/func_regexp") }

// TestFuncToChar runs testdata/func_tochar: to_char of timestamps.
func TestFuncToChar(t *testing.T) { runExprTest(t, "testdata/func_tochar") }

// TestFuncTime runs testdata/func_time: to_timestamp and make_timestamp.
func TestFuncTime(t *testing.T) { runExprTest(t, "testdata/func_time") }

// TestFuncAge runs testdata/func_age: age, date_bin and make_timestamptz.
func TestFuncAge(t *testing.T) { runExprTest(t, "testdata/func_age") }

// TestArrays runs testdata/arrays: ARRAY[…], subscripts and slices, ANY and
// ALL, array input and output, and the array functions.
func TestArrays(t *testing.T) { runExprTest(t, "testdata/arrays") }

// TestFuncRegexpMatch runs testdata/func_regexp_match: regexp_match and
// regexp_split_to_array.
func TestFuncRegexpMatch(t *testing.T) { runExprTest(t, "testdata/func_regexp_match") }
