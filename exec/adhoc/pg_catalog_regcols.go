//go:build duckdb_arrow

package adhoc

import (
	"github.com/weir-stream/weir/sql"
)

// pgTypeRegprocColumns are the columns of pg_type that are regproc in
// Postgres: the names of the type's I/O functions. weir's pg_type holds
// the names, which is what Postgres prints for them; regprocColumns
// makes the other uses compare as regproc does, by the function's OID.
var pgTypeRegprocColumns = map[string]bool{"typinput": true, "typoutput": true, "typreceive": true, "typsend": true}

// regprocColumns returns the references in st to pg_type's regproc
// columns that regCasts writes as the OID of the function they name
// (typinput = 'pg_catalog.array_in'::regproc, pgjdbc's array probe;
// typinput::oid): every one but an output column that is the reference
// alone, which prints the name as Postgres does. It returns nil when st
// reads no pg_type.
func regprocColumns(st *sql.Select) map[*sql.ColumnRef]bool {
	readsPgType := false
	bare := map[*sql.ColumnRef]bool{}
	sql.Walk(st, func(n sql.Node) bool {
		switch n := n.(type) {
		case *sql.TableName:
			on := n.Name
			readsPgType = readsPgType || on.Last().Value == "pg_type" &&
				(len(on.Parts) == 1 || on.Parts[0].Value == "pg_catalog")
		case *sql.Select:
			for _, it := range n.Items {
				if c, ok := it.Expr.(*sql.ColumnRef); ok {
					bare[c] = true
				}
			}
		}
		return true
	})
	if !readsPgType {
		return nil
	}
	refs := map[*sql.ColumnRef]bool{}
	sql.Walk(st, func(n sql.Node) bool {
		if c, ok := n.(*sql.ColumnRef); ok && !bare[c] && !c.Name.Quoted && pgTypeRegprocColumns[c.Name.Value] {
			refs[c] = true
		}
		return true
	})
	return refs
}

// column rewrites c, when it is one of regprocColumns', as the OID of the
// function it names, a value of regproc; ok is false for any other
// reference.
func (r *regCasts) column(c *sql.ColumnRef) (out sql.Expr, ok bool, err error) {
	if !r.columns[c] {
		return nil, false, nil
	}
	if out, err = sql.ParseExpr(regByNameSQL("regproc", sql.String(c))); err != nil {
		return nil, false, err
	}
	if r.kinds == nil {
		r.kinds = map[sql.Expr]string{}
	}
	r.kinds[out] = "regproc"
	return out, true, nil
}
