package statestore_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/weir-stream/weir/statestore"
)

func TestKeys(t *testing.T) {
	datadriven.RunTest(t, "testdata/keys", func(t *testing.T, d *datadriven.TestData) string {
		var table, vnode int
		var rest, hexKey string
		if d.HasArg("table") {
			d.ScanArgs(t, "table", &table)
		}
		if d.HasArg("vnode") {
			d.ScanArgs(t, "vnode", &vnode)
		}
		if d.HasArg("rest") {
			d.ScanArgs(t, "rest", &rest)
		}
		if d.HasArg("hex") {
			d.ScanArgs(t, "hex", &hexKey)
		}
		raw, err := hex.DecodeString(hexKey)
		if err != nil {
			d.Fatalf(t, "bad hex: %v", err)
		}
		switch d.Cmd {
		case "key":
			return fmt.Sprintf("%x\n", statestore.AppendKey(nil, statestore.TableID(table), uint16(vnode), []byte(rest)))
		case "split":
			tid, vn, r, err := statestore.SplitKey(raw)
			if err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return fmt.Sprintf("table=%d vnode=%d rest=%q\n", tid, vn, r)
		case "vnode":
			return fmt.Sprintf("%d\n", statestore.Vnode([]byte(rest)))
		case "table-span":
			lo, hi := statestore.TableSpan(statestore.TableID(table))
			return fmt.Sprintf("[%x, %x)\n", lo, hi)
		case "vnode-span":
			lo, hi := statestore.VnodeSpan(statestore.TableID(table), uint16(vnode))
			return fmt.Sprintf("[%x, %x)\n", lo, hi)
		case "prefix-end":
			if end := statestore.PrefixEnd(raw); end != nil {
				return fmt.Sprintf("%x\n", end)
			}
			return "nil (no upper bound)\n"
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}

// TestKeyOrderAndSpans checks that keys order by table, then vnode, then
// rest, and that each span holds exactly its keys.
func TestKeyOrderAndSpans(t *testing.T) {
	tables := []statestore.TableID{statestore.CatalogTable, statestore.MetaTable, statestore.FirstUserTable, 255, 256, 1<<32 - 1}
	vnodes := []uint16{0, 1, 255}
	rests := [][]byte{nil, {0}, {0, 0}, {1}, []byte("a"), {0xFF}, {0xFF, 0xFF}}
	var keys [][]byte
	for _, tb := range tables {
		for _, v := range vnodes {
			for _, r := range rests {
				keys = append(keys, statestore.AppendKey(nil, tb, v, r))
			}
		}
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			t.Fatalf("key %x not before %x", keys[i-1], keys[i])
		}
	}
	for _, k := range keys {
		tb, v, _, err := statestore.SplitKey(k)
		if err != nil {
			t.Fatal(err)
		}
		tlo, thi := statestore.TableSpan(tb)
		vlo, vhi := statestore.VnodeSpan(tb, v)
		for _, other := range keys {
			ot, ov, _, _ := statestore.SplitKey(other)
			inT := bytes.Compare(other, tlo) >= 0 && (thi == nil || bytes.Compare(other, thi) < 0)
			inV := bytes.Compare(other, vlo) >= 0 && (vhi == nil || bytes.Compare(other, vhi) < 0)
			if inT != (ot == tb) || inV != (ot == tb && ov == v) {
				t.Fatalf("key %x: table span of %x says %v, vnode span says %v", other, k, inT, inV)
			}
		}
	}
}

// TestVnodeSpread checks that vnodes of sequential keys cover every vnode
// roughly evenly.
func TestVnodeSpread(t *testing.T) {
	var counts [statestore.NumVnodes]int
	const n = statestore.NumVnodes * 100
	for i := range n {
		counts[statestore.Vnode(strconv.AppendInt(nil, int64(i), 10))]++
	}
	for v, c := range counts {
		if c < 50 || c > 150 {
			t.Fatalf("vnode %d got %d of %d keys", v, c, n)
		}
	}
}
