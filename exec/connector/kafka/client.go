package kafka

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// ClientOptions returns the franz-go options that connect to the brokers of
// o with its TLS and SASL settings: what the source uses, and what a Kafka
// sink or an admin tool reading the same WITH options would use.
func (o Options) ClientOptions() ([]kgo.Opt, error) {
	return clientOptions(o.Brokers, o.Security)
}

// clientOptions returns the franz-go options that connect to brokers with
// the TLS and SASL settings of s.
func clientOptions(brokers []string, s Security) ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(brokers...)}
	tlsCfg, err := s.TLSConfig()
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		opts = append(opts, kgo.DialTLSConfig(tlsCfg))
	}
	if m := s.mechanism(); m != nil {
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

// mechanism returns the SASL mechanism of s, or nil without SASL.
func (s Security) mechanism() sasl.Mechanism {
	if s.Protocol != "SASL_SSL" && s.Protocol != "SASL_PLAINTEXT" {
		return nil
	}
	switch s.Mechanism {
	case "PLAIN":
		return plain.Auth{User: s.Username, Pass: s.Password}.AsMechanism()
	case "SCRAM-SHA-256":
		return scram.Auth{User: s.Username, Pass: s.Password}.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		return scram.Auth{User: s.Username, Pass: s.Password}.AsSha512Mechanism()
	}
	return nil
}

// String describes the connection for logs, without the password.
func (s Security) String() string {
	if s.Mechanism == "" {
		return s.Protocol
	}
	return fmt.Sprintf("%s/%s user=%s", s.Protocol, s.Mechanism, s.Username)
}
