package format

import (
	"context"
	"fmt"

	"github.com/weir-stream/weir/sql/types"
)

// SinkAvroRecords returns the Avro record types of the values of a sink
// named name and, for a keyed sink of type upsert, of its keys (nil
// otherwise), with the schema ids ids ("value,key"; 0 when not
// registered yet). names, ts and key are the sink's visible columns, their
// types and the indexes of its key, as NewSinkEncoder takes them.
func SinkAvroRecords(name string, typ SinkType, names []string, ts []types.T, key []int, ids string) (valueRec, keyRec *AvroRecord, err error) {
	valueRec, err = NewAvroRecord(name+"_value", names, ts)
	if err != nil {
		return nil, nil, err
	}
	var valueID, keyID int32
	if ids != "" {
		if _, err := fmt.Sscanf(ids, "%d,%d", &valueID, &keyID); err != nil {
			return nil, nil, fmt.Errorf("sink %s: schema ids %q: %w", name, ids, err)
		}
	}
	valueRec = valueRec.WithID(valueID)
	if len(key) > 0 && typ != SinkAppendOnly {
		keyNames := make([]string, len(key))
		kts := make([]types.T, len(key))
		for i, k := range key {
			keyNames[i], kts[i] = names[k], ts[k]
		}
		if keyRec, err = NewAvroRecord(name+"_key", keyNames, kts); err != nil {
			return nil, nil, err
		}
		keyRec = keyRec.WithID(keyID)
	}
	return valueRec, keyRec, nil
}

// WithAvro gives an encoder of format avro the record types of its values
// and keys (nil without a key), and returns it.
func (e *SinkEncoder) WithAvro(value, key *AvroRecord) *SinkEncoder {
	e.avroValue, e.avroKey = value, key
	return e
}

// RegisterSinkSchemas registers a sink's value and key schemas (key nil:
// none) with the schema registry at registryURL, under the subjects
// <subject>-value and <subject>-key, and returns their ids as "value,key"
// (0 for no key): what SinkAvroRecords takes back.
func RegisterSinkSchemas(ctx context.Context, registryURL, subject string, value, key *AvroRecord) (string, error) {
	reg, err := NewRegistryClient(registryURL, nil)
	if err != nil {
		return "", err
	}
	registrar, ok := reg.(SchemaRegistrar)
	if !ok {
		return "", fmt.Errorf("the schema registry client cannot register schemas")
	}
	valueID, err := registrar.Register(ctx, subject+"-value", value.Schema())
	if err != nil {
		return "", err
	}
	var keyID int32
	if key != nil {
		if keyID, err = registrar.Register(ctx, subject+"-key", key.Schema()); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d,%d", valueID, keyID), nil
}
