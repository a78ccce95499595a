//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// tpchGen makes TPC-H's eight tables at a small scale, as dbgen shapes
// them (the same columns, keys, value domains and the relationships the
// queries depend on: a third of the customers without orders, an order's
// status from its lines' statuses, prices from quantities), from a fixed
// seed; it is not dbgen's exact data, which needs DuckDB's tpch extension.
type tpchGen struct {
	rng                     *rand.Rand
	suppliers, parts, custs int
	nextOrder, nextCust     int
	retail                  map[int]string // p_retailprice by part
}

// tpchRegions and tpchNations are TPC-H's fixed regions and nations (with
// their region).
var (
	tpchRegions = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}
	tpchNations = []struct {
		name   string
		region int
	}{{"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1}, {"EGYPT", 4}, {"ETHIOPIA", 0}, {"FRANCE", 3},
		{"GERMANY", 3}, {"INDIA", 2}, {"INDONESIA", 2}, {"IRAN", 4}, {"IRAQ", 4}, {"JAPAN", 2}, {"JORDAN", 4},
		{"KENYA", 0}, {"MOROCCO", 0}, {"MOZAMBIQUE", 0}, {"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3},
		{"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3}, {"UNITED KINGDOM", 3}, {"UNITED STATES", 1}}
	tpchColors = []string{"almond", "antique", "aquamarine", "azure", "beige", "black", "blue", "brown", "chartreuse",
		"chocolate", "coral", "cornsilk", "cyan", "forest", "frosted", "green", "honeydew", "ivory", "khaki", "lavender",
		"lemon", "linen", "maroon", "navy", "olive", "orange", "orchid", "peach", "pink", "plum", "red", "rose", "salmon",
		"sienna", "smoke", "snow", "steel", "tan", "thistle", "tomato", "violet", "wheat", "white", "yellow"}
	tpchWords = []string{"furiously", "quickly", "carefully", "blithely", "slyly", "final", "regular", "pending",
		"express", "ironic", "bold", "even", "deposits", "packages", "accounts", "instructions", "theodolites",
		"foxes", "ideas", "pinto", "beans", "dependencies", "platelets", "asymptotes"}
)

// tpchDDL creates the eight tables.
var tpchDDL = []string{
	`CREATE TABLE region (r_regionkey INT PRIMARY KEY, r_name VARCHAR, r_comment VARCHAR)`,
	`CREATE TABLE nation (n_nationkey INT PRIMARY KEY, n_name VARCHAR, n_regionkey INT, n_comment VARCHAR)`,
	`CREATE TABLE supplier (s_suppkey INT PRIMARY KEY, s_name VARCHAR, s_address VARCHAR, s_nationkey INT,
		s_phone VARCHAR, s_acctbal DECIMAL(15,2), s_comment VARCHAR)`,
	`CREATE TABLE part (p_partkey INT PRIMARY KEY, p_name VARCHAR, p_mfgr VARCHAR, p_brand VARCHAR, p_type VARCHAR,
		p_size INT, p_container VARCHAR, p_retailprice DECIMAL(15,2), p_comment VARCHAR)`,
	`CREATE TABLE partsupp (ps_partkey INT, ps_suppkey INT, ps_availqty INT, ps_supplycost DECIMAL(15,2),
		ps_comment VARCHAR, PRIMARY KEY (ps_partkey, ps_suppkey))`,
	`CREATE TABLE customer (c_custkey INT PRIMARY KEY, c_name VARCHAR, c_address VARCHAR, c_nationkey INT,
		c_phone VARCHAR, c_acctbal DECIMAL(15,2), c_mktsegment VARCHAR, c_comment VARCHAR)`,
	`CREATE TABLE orders (o_orderkey INT PRIMARY KEY, o_custkey INT, o_orderstatus VARCHAR, o_totalprice DECIMAL(15,2),
		o_orderdate DATE, o_orderpriority VARCHAR, o_clerk VARCHAR, o_shippriority INT, o_comment VARCHAR)`,
	`CREATE TABLE lineitem (l_orderkey INT, l_partkey INT, l_suppkey INT, l_linenumber INT, l_quantity DECIMAL(15,2),
		l_extendedprice DECIMAL(15,2), l_discount DECIMAL(15,2), l_tax DECIMAL(15,2), l_returnflag VARCHAR,
		l_linestatus VARCHAR, l_shipdate DATE, l_commitdate DATE, l_receiptdate DATE, l_shipinstruct VARCHAR,
		l_shipmode VARCHAR, l_comment VARCHAR, PRIMARY KEY (l_orderkey, l_linenumber))`,
}

// newTPCHGen returns the generator of a scale where 1 is 10,000 suppliers;
// orders are 10 per customer, and 4 suppliers per part as in TPC-H.
func newTPCHGen(seed uint64, sf float64) *tpchGen {
	return &tpchGen{rng: rand.New(rand.NewPCG(seed, seed^0x7f4a7c15)),
		suppliers: max(int(10000*sf), 5), parts: max(int(200000*sf), 20), custs: max(int(150000*sf), 15),
		retail: map[int]string{}}
}

func (g *tpchGen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

// text is a few random words, with phrase (when set) among them.
func (g *tpchGen) text(n int, phrase string) string {
	w := make([]string, n)
	for i := range w {
		w[i] = g.pick(tpchWords)
	}
	if phrase != "" {
		w[g.rng.IntN(n)] = phrase
	}
	return strings.Join(w, " ")
}

// money is a random amount from lo to hi cents, as text.
func (g *tpchGen) money(lo, hi int) string {
	c := lo + g.rng.IntN(hi-lo+1)
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

func (g *tpchGen) phone(nation int) string {
	return fmt.Sprintf("%d-%03d-%03d-%04d", nation+10, 100+g.rng.IntN(900), 100+g.rng.IntN(900), 1000+g.rng.IntN(9000))
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// inserts returns INSERT statements of rows into table, at most 500 rows each.
func inserts(table string, rows []string) []string {
	var out []string
	for len(rows) > 0 {
		n := min(len(rows), 500)
		out = append(out, "INSERT INTO "+table+" VALUES "+strings.Join(rows[:n], ", "))
		rows = rows[n:]
	}
	return out
}

// fixed returns the statements that load region, nation, supplier, part,
// partsupp and customer.
func (g *tpchGen) fixed() []string {
	var out, rows []string
	for i, r := range tpchRegions {
		rows = append(rows, fmt.Sprintf("(%d, %s, %s)", i, quote(r), quote(g.text(4, ""))))
	}
	out = append(out, inserts("region", rows)...)
	rows = nil
	for i, n := range tpchNations {
		rows = append(rows, fmt.Sprintf("(%d, %s, %d, %s)", i, quote(n.name), n.region, quote(g.text(4, ""))))
	}
	out = append(out, inserts("nation", rows)...)
	rows = nil
	for s := 1; s <= g.suppliers; s++ {
		phrase := ""
		if g.rng.IntN(10) == 0 {
			phrase = "Customer slyly Complaints"
		}
		n := g.rng.IntN(len(tpchNations))
		rows = append(rows, fmt.Sprintf("(%d, 'Supplier#%09d', %s, %d, '%s', %s, %s)", s, s, quote(g.text(2, "")), n,
			g.phone(n), g.money(-99999, 999999), quote(g.text(5, phrase))))
	}
	out = append(out, inserts("supplier", rows)...)
	rows = nil
	var ps []string
	types1 := []string{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"}
	types2 := []string{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"}
	types3 := []string{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"}
	cont1 := []string{"SM", "LG", "MED", "JUMBO", "WRAP"}
	cont2 := []string{"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"}
	for p := 1; p <= g.parts; p++ {
		names := make([]string, 5)
		for i := range names {
			names[i] = g.pick(tpchColors)
		}
		m := 1 + g.rng.IntN(5)
		retail := 90000 + (p/10)%20001 + 100*(p%1000)
		g.retail[p] = fmt.Sprintf("%d.%02d", retail/100, retail%100)
		rows = append(rows, fmt.Sprintf("(%d, %s, 'Manufacturer#%d', 'Brand#%d%d', '%s %s %s', %d, '%s %s', %s, %s)", p,
			quote(strings.Join(names, " ")), m, m, 1+g.rng.IntN(5), g.pick(types1), g.pick(types2), g.pick(types3),
			1+g.rng.IntN(50), g.pick(cont1), g.pick(cont2), g.retail[p], quote(g.text(3, ""))))
		for i := range 4 {
			s := (p+i*(g.suppliers/4))%g.suppliers + 1
			ps = append(ps, fmt.Sprintf("(%d, %d, %d, %s, %s)", p, s, 1+g.rng.IntN(9999), g.money(100, 100000), quote(g.text(4, ""))))
		}
	}
	out = append(out, inserts("part", rows)...)
	out = append(out, inserts("partsupp", ps)...)
	rows = nil
	for c := 1; c <= g.custs; c++ {
		rows = append(rows, g.customer(c))
	}
	g.nextCust = g.custs + 1
	return append(out, inserts("customer", rows)...)
}

// customer is the row of customer c.
func (g *tpchGen) customer(c int) string {
	n := g.rng.IntN(len(tpchNations))
	segs := []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"}
	return fmt.Sprintf("(%d, 'Customer#%09d', %s, %d, '%s', %s, '%s', %s)", c, c, quote(g.text(2, "")), n, g.phone(n),
		g.money(-99999, 999999), g.pick(segs), quote(g.text(5, "")))
}

// tpchCurrent is TPC-H's CURRENTDATE: lines shipped after it are open.
var tpchCurrent = time.Date(1995, 6, 17, 0, 0, 0, 0, time.UTC)

// orders returns the rows of n new orders and of their lines; the orders'
// customers are those whose key is not a multiple of 3, as in dbgen.
func (g *tpchGen) orders(n int) (orders, lines []string) {
	start := time.Date(1992, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(1998, 8, 2, 0, 0, 0, 0, time.UTC).Sub(start).Hours() / 24)
	prios := []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
	instr := []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	modes := []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	date := func(t time.Time) string { return "'" + t.Format("2006-01-02") + "'" }
	for range n {
		g.nextOrder++
		o := g.nextOrder
		cust := 1 + g.rng.IntN(g.custs)
		for cust%3 == 0 {
			cust = 1 + g.rng.IntN(g.custs)
		}
		od := start.AddDate(0, 0, g.rng.IntN(days-151))
		var total int64
		open, shipped := 0, 0
		nl := 1 + g.rng.IntN(7)
		for l := 1; l <= nl; l++ {
			p := 1 + g.rng.IntN(g.parts)
			s := (p+g.rng.IntN(4)*(g.suppliers/4))%g.suppliers + 1
			q := 1 + g.rng.IntN(50)
			var rc int64
			fmt.Sscanf(strings.Replace(g.retail[p], ".", "", 1), "%d", &rc)
			price := int64(q) * rc
			disc, tax := g.rng.IntN(11), g.rng.IntN(9)
			total += price * int64(100-disc) * int64(100+tax) / 10000
			ship := od.AddDate(0, 0, 1+g.rng.IntN(121))
			commit := od.AddDate(0, 0, 30+g.rng.IntN(61))
			receipt := ship.AddDate(0, 0, 1+g.rng.IntN(30))
			flag := "N"
			if !receipt.After(tpchCurrent) {
				flag = []string{"R", "A"}[g.rng.IntN(2)]
			}
			status := "F"
			if ship.After(tpchCurrent) {
				status = "O"
				open++
			} else {
				shipped++
			}
			lines = append(lines, fmt.Sprintf("(%d, %d, %d, %d, %d, %d.%02d, 0.%02d, 0.%02d, '%s', '%s', %s, %s, %s, '%s', '%s', %s)",
				o, p, s, l, q, price/100, price%100, disc, tax, flag, status, date(ship), date(commit), date(receipt),
				g.pick(instr), g.pick(modes), quote(g.text(3, ""))))
		}
		status := "P"
		if open == 0 {
			status = "F"
		} else if shipped == 0 {
			status = "O"
		}
		phrase := ""
		if g.rng.IntN(20) == 0 {
			phrase = "special slyly requests"
		}
		orders = append(orders, fmt.Sprintf("(%d, %d, '%s', %d.%02d, %s, '%s', 'Clerk#%09d', 0, %s)", o, cust, status,
			total/100, total%100, date(od), g.pick(prios), 1+g.rng.IntN(1000), quote(g.text(5, phrase))))
	}
	return orders, lines
}
