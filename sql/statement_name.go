package sql

// StatementName names a statement in errors as Postgres does: its leading
// keywords ("INSERT", "CREATE MATERIALIZED VIEW", "REVOKE"), or "this
// statement" for the kinds no error names yet.
func StatementName(st Statement) string {
	switch st := st.(type) {
	case *Insert:
		return "INSERT"
	case *Update:
		return "UPDATE"
	case *Delete:
		return "DELETE"
	case *CreateTable:
		return "CREATE TABLE"
	case *CreateStream:
		return "CREATE STREAM"
	case *CreateView:
		return "CREATE MATERIALIZED VIEW"
	case *CreatePlainView:
		return "CREATE VIEW"
	case *CreateSink:
		return "CREATE SINK"
	case *Drop:
		return "DROP"
	case *Flush:
		return "FLUSH"
	case *Copy:
		return "COPY"
	case *Subscribe:
		return "SUBSCRIBE"
	case *CreateRole:
		return "CREATE ROLE"
	case *AlterRole:
		return "ALTER ROLE"
	case *DropRole:
		return "DROP ROLE"
	case *CreateFunction:
		return "CREATE FUNCTION"
	case *DropFunction:
		return "DROP FUNCTION"
	case *Grant:
		if st.Revoke {
			return "REVOKE"
		}
		return "GRANT"
	case *AlterViewResume:
		return "ALTER MATERIALIZED VIEW … RESUME"
	}
	return "this statement"
}
