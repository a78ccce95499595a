package weir

// The zone database is built in, so that SET TIME ZONE tells a zone weir
// does not support (0A000) from a name that is no zone (22023) on machines
// without /usr/share/zoneinfo too.
import _ "time/tzdata"
