// Package weir is a SQL-first streaming engine: the engine and its Go embedding
// API. Open an Engine, open Sessions on it and run SQL; the wire package serves
// the same Sessions over the Postgres protocol.
package weir
