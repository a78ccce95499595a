package pipeline

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/weir-stream/weir/sql"
)

// identifier matches the names sqlName makes that are usable as SQL names.
var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// sqlName turns an operator_id into the name of its view: lower case, with
// every character other than a letter, digit or _ made a _
// ("order-aggregator" → order_aggregator).
func sqlName(id string) string {
	b := []byte(strings.ToLower(id))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// yamlReader reads the nodes of a pipeline file with errors that name the
// file, the line and the key.
type yamlReader struct{ path string }

// errorf returns an Error at line concerning key.
func (r *yamlReader) errorf(line int, key, format string, args ...any) error {
	return errorAt(r.path, line, key, format, args...)
}

// mapping calls fn for every key of the mapping n.
func (r *yamlReader) mapping(n *yaml.Node, at string, fn func(key string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		name := at
		if name == "" {
			name = "(top level)"
		}
		return r.errorf(n.Line, name, "want a mapping of keys")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		full := k
		if at != "" {
			full = at + "." + k
		}
		if seen[k] {
			return r.errorf(n.Content[i].Line, full, "given twice")
		}
		seen[k] = true
		if err := fn(k, n.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (r *yamlReader) unknown(v *yaml.Node, key, allowed string) error {
	return r.errorf(v.Line, key, "unknown key (here: %s)", allowed)
}

func (r *yamlReader) str(v *yaml.Node, key string) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", r.errorf(v.Line, key, "want a string")
	}
	return v.Value, nil
}

func (r *yamlReader) integer(v *yaml.Node, key string) (int64, error) {
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if v.Kind != yaml.ScalarNode || err != nil {
		return 0, r.errorf(v.Line, key, "want an integer, got %q", v.Value)
	}
	return n, nil
}

func (r *yamlReader) boolean(v *yaml.Node, key string) (bool, error) {
	var b bool
	if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
		return false, r.errorf(v.Line, key, "want true or false, got %q", v.Value)
	}
	return b, nil
}

// strs reads a list of strings, or one string (also comma-separated).
func (r *yamlReader) strs(v *yaml.Node, key string) ([]string, error) {
	if v.Kind == yaml.ScalarNode {
		var out []string
		for _, s := range strings.Split(v.Value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, r.errorf(v.Line, key, "want a list of strings")
	}
	var out []string
	for _, e := range v.Content {
		s, err := r.str(e, key)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// stream reads entry i of streams:.
func (r *yamlReader) stream(n *yaml.Node, i int) (Stream, error) {
	at := fmt.Sprintf("streams[%d]", i)
	s := Stream{Line: n.Line, ID: fmt.Sprintf("stream_%d", i+1), ThreadNum: 1}
	var hasInput, hasOutput bool
	err := r.mapping(n, at, func(key string, v *yaml.Node) error {
		var err error
		switch key {
		case "input":
			hasInput = true
			s.Input, err = r.input(v, at+".input")
		case "output":
			hasOutput = true
			s.Output, err = r.output(v, at+".output")
		case "pipeline":
			err = r.mapping(v, at+".pipeline", func(k string, v *yaml.Node) error {
				switch k {
				case "thread_num":
					n, err := r.integer(v, at+".pipeline.thread_num")
					if err == nil && n < 1 {
						err = r.errorf(v.Line, at+".pipeline.thread_num", "must be at least 1")
					}
					s.ThreadNum = int(n)
					return err
				case "processors":
					if v.Kind != yaml.SequenceNode {
						return r.errorf(v.Line, at+".pipeline.processors", "want a list of processors")
					}
					for j, pn := range v.Content {
						proc, err := r.processor(pn, fmt.Sprintf("%s.pipeline.processors[%d]", at, j))
						if err != nil {
							return err
						}
						s.Processors = append(s.Processors, proc)
					}
					return nil
				}
				return r.unknown(v, at+".pipeline."+k, "thread_num, processors")
			})
		case "state":
			err = r.mapping(v, at+".state", func(k string, v *yaml.Node) error {
				key := at + ".state." + k
				switch k {
				case "operator_id":
					id, err := r.str(v, key)
					if err != nil {
						return err
					}
					name := sqlName(id)
					if !identifier.MatchString(name) {
						return r.errorf(v.Line, key, "%q cannot name a view: start it with a letter", id)
					}
					s.ID = name
					return nil
				case "enabled":
					on, err := r.boolean(v, key)
					if err == nil && !on {
						err = r.errorf(v.Line, key, "a stream's state cannot be turned off on its own; state_management.enabled applies to the whole file")
					}
					return err
				case "custom_keys":
					var err error
					s.CustomKeys, err = r.strs(v, key)
					return err
				}
				return r.unknown(v, key, "operator_id, enabled, custom_keys")
			})
		default:
			err = r.unknown(v, at+"."+key, "input, pipeline, output, state")
		}
		return err
	})
	if err != nil {
		return s, err
	}
	switch {
	case !hasInput:
		return s, r.errorf(n.Line, at+".input", "missing: every stream has an input")
	case !hasOutput:
		return s, r.errorf(n.Line, at+".output", "missing: every stream has an output")
	case !slices.ContainsFunc(s.Processors, func(p Processor) bool { return p.Type == "sql" }):
		return s, r.errorf(n.Line, at+".pipeline.processors", "missing: a stream needs a sql processor (its query reads the input as the table flow)")
	}
	return s, nil
}

func (r *yamlReader) input(n *yaml.Node, at string) (Input, error) {
	in := Input{Line: n.Line}
	err := r.mapping(n, at, func(k string, v *yaml.Node) error {
		key := at + "." + k
		var err error
		switch k {
		case "type":
			in.Type, err = r.str(v, key)
			if err == nil && !slices.Contains([]string{"kafka", "file", "nexmark", "generate"}, in.Type) {
				err = r.errorf(v.Line, key, "input type %q is not supported (kafka, file, nexmark or generate)", in.Type)
			}
		case "brokers":
			in.Brokers, err = r.strs(v, key)
		case "topics", "topic":
			var topics []string
			topics, err = r.strs(v, key)
			if err == nil && len(topics) != 1 {
				err = r.errorf(v.Line, key, "one topic per input (%d given): give each topic its own stream", len(topics))
			}
			if err == nil {
				in.Topic = topics[0]
			}
		case "consumer_group":
			in.ConsumerGroup, err = r.str(v, key)
		case "start_from_latest":
			in.StartFromLatest, err = r.boolean(v, key)
		case "path":
			in.Path, err = r.str(v, key)
		case "codec", "format":
			in.Codec, err = r.str(v, key)
			if err == nil && in.Codec != "json" && in.Codec != "csv" {
				err = r.errorf(v.Line, key, "codec %q is not supported (json or csv)", in.Codec)
			}
		case "table":
			in.Table, err = r.str(v, key)
		case "events":
			in.Events, err = r.integer(v, key)
		case "events_per_second":
			in.EventsPerSecond, err = r.integer(v, key)
		case "schema":
			in.Schema, err = r.schema(v, key)
		case "context":
			in.Context, err = r.str(v, key)
		case "interval":
			var text string
			if text, err = r.str(v, key); err == nil {
				if in.Interval, err = time.ParseDuration(text); err != nil || in.Interval < 0 {
					err = r.errorf(v.Line, key, "want a duration such as 1s or 10ms, got %q", text)
				}
			}
		case "batch_size":
			in.BatchSize, err = r.integer(v, key)
			if err == nil && in.BatchSize < 1 {
				err = r.errorf(v.Line, key, "must be at least 1")
			}
		case "count":
			in.Count, err = r.integer(v, key)
		case "watermark":
			in.Watermark, err = r.watermark(v, key)
		default:
			err = r.unknown(v, key, "type, brokers, topics, consumer_group, start_from_latest, path, codec, table, events, events_per_second, context, interval, batch_size, count, schema, watermark")
		}
		return err
	})
	if err != nil {
		return in, err
	}
	need := func(ok bool, key, what string) error {
		if ok {
			return nil
		}
		return r.errorf(n.Line, at+"."+key, "missing: %s", what)
	}
	switch in.Type {
	case "":
		err = need(false, "type", "the input's type (kafka, file or nexmark)")
	case "kafka":
		if err = need(len(in.Brokers) > 0, "brokers", "a kafka input needs brokers"); err == nil {
			err = need(in.Topic != "", "topics", "a kafka input needs its topic")
		}
	case "file":
		err = need(in.Path != "", "path", "a file input needs a path")
	case "nexmark":
		if in.Table == "" {
			in.Table = "bid"
		}
	case "generate":
		err = need(in.Context != "", "context", "a generate input needs context: the JSON record it repeats")
		if in.BatchSize == 0 {
			in.BatchSize = 1
		}
	}
	if in.Codec == "" {
		in.Codec = "json"
		if in.Type == "file" && strings.HasSuffix(in.Path, ".csv") {
			in.Codec = "csv"
		}
	}
	return in, err
}

// schema reads an input's columns: a mapping of name to SQL type (and
// constraints), or a list of "name TYPE" (or one such string, the columns
// separated by commas).
func (r *yamlReader) schema(v *yaml.Node, key string) ([]sql.ColumnDef, error) {
	var cols []sql.ColumnDef
	switch v.Kind {
	case yaml.MappingNode:
		err := r.mapping(v, key, func(name string, t *yaml.Node) error {
			at := key + "." + name
			typ, err := r.str(t, at)
			if err != nil {
				return err
			}
			col, err := sql.ParseColumnType(typ)
			if err != nil {
				return r.errorf(t.Line, at, "%w", err)
			}
			col.Name = sql.Name{Value: name, Quoted: true}
			cols = append(cols, col)
			return nil
		})
		return cols, err
	case yaml.SequenceNode, yaml.ScalarNode:
		items := v.Content
		if v.Kind == yaml.ScalarNode {
			items = []*yaml.Node{v}
		}
		for i, item := range items {
			at := key
			if v.Kind == yaml.SequenceNode {
				at = fmt.Sprintf("%s[%d]", key, i)
			}
			var defs []string
			var err error
			if v.Kind == yaml.SequenceNode {
				var def string
				def, err = r.str(item, at)
				defs = []string{def}
			} else {
				defs, err = r.strs(item, at)
			}
			if err != nil {
				return nil, err
			}
			for _, def := range defs {
				col, err := sql.ParseColumnDef(def)
				if err != nil {
					return nil, r.errorf(item.Line, at, "%w", err)
				}
				cols = append(cols, col)
			}
		}
		return cols, nil
	}
	return nil, r.errorf(v.Line, key, "want a mapping of column to type")
}

func (r *yamlReader) processor(n *yaml.Node, at string) (Processor, error) {
	p := Processor{Line: n.Line}
	err := r.mapping(n, at, func(k string, v *yaml.Node) error {
		key := at + "." + k
		var err error
		switch k {
		case "type":
			p.Type, err = r.str(v, key)
			if err == nil && !slices.Contains([]string{"sql", "json_to_arrow", "arrow_to_json"}, p.Type) {
				err = r.errorf(v.Line, key, "processor type %q is not supported (sql, json_to_arrow, arrow_to_json)", p.Type)
			}
		case "query":
			p.Query, err = r.str(v, key)
		default:
			err = r.unknown(v, key, "type, query")
		}
		return err
	})
	if err == nil && p.Type == "" {
		err = r.errorf(n.Line, at+".type", "missing: the processor's type")
	}
	if err == nil && p.Type == "sql" && strings.TrimSpace(p.Query) == "" {
		err = r.errorf(n.Line, at+".query", "missing: a sql processor needs a query")
	}
	return p, err
}

func (r *yamlReader) output(n *yaml.Node, at string) (Output, error) {
	out := Output{Line: n.Line}
	err := r.mapping(n, at, func(k string, v *yaml.Node) error {
		key := at + "." + k
		var err error
		switch k {
		case "type":
			out.Type, err = r.str(v, key)
			if err == nil && !slices.Contains([]string{"stdout", "kafka", "file", "blackhole"}, out.Type) {
				err = r.errorf(v.Line, key, "output type %q is not supported (stdout, kafka, file or blackhole)", out.Type)
			}
		case "brokers":
			out.Brokers, err = r.strs(v, key)
		case "topic":
			// ArkFlow writes topic: {type: value, value: name}.
			if v.Kind == yaml.MappingNode {
				err = r.mapping(v, key, func(k string, tv *yaml.Node) error {
					switch k {
					case "type":
						t, err := r.str(tv, key+".type")
						if err == nil && t != "value" {
							err = r.errorf(tv.Line, key+".type", "only type: value is supported")
						}
						return err
					case "value":
						var err error
						out.Topic, err = r.str(tv, key+".value")
						return err
					}
					return r.unknown(tv, key+"."+k, "type, value")
				})
			} else {
				out.Topic, err = r.str(v, key)
			}
		case "path":
			out.Path, err = r.str(v, key)
		case "codec", "format":
			out.Codec, err = r.str(v, key)
			if err == nil && out.Codec != "json" && out.Codec != "csv" {
				err = r.errorf(v.Line, key, "codec %q is not supported (json or csv)", out.Codec)
			}
		default:
			err = r.unknown(v, key, "type, brokers, topic, path, codec")
		}
		return err
	})
	if err != nil {
		return out, err
	}
	switch out.Type {
	case "":
		err = r.errorf(n.Line, at+".type", "missing: the output's type (stdout, kafka, file or blackhole)")
	case "kafka":
		if len(out.Brokers) == 0 {
			err = r.errorf(n.Line, at+".brokers", "missing: a kafka output needs brokers")
		} else if out.Topic == "" {
			err = r.errorf(n.Line, at+".topic", "missing: a kafka output needs a topic")
		}
	case "file":
		if out.Path == "" {
			err = r.errorf(n.Line, at+".path", "missing: a file output needs a path (a directory)")
		}
	}
	if out.Codec == "" {
		out.Codec = "json"
	}
	return out, err
}
