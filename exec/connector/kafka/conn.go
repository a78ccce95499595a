package kafka

import "strings"

// connOptions collects the WITH options the source and the sink share: the
// brokers and the TLS and SASL settings. It is used by one goroutine.
type connOptions struct {
	brokers  []string
	security Security
	// sslKeys and saslKeys are the TLS and SASL options given, in the
	// order seen, to name the first one the protocol does not allow.
	sslKeys, saslKeys []string
}

func newConnOptions() *connOptions {
	return &connOptions{security: Security{Protocol: "PLAINTEXT"}}
}

// parse takes the option key (lower case) = v when it is a connection
// option, reporting whether it was one. Errors are *sqlstate.Error 22023
// naming the option.
func (c *connOptions) parse(key, v string) (bool, error) {
	switch key {
	case "brokers", "properties.bootstrap.server", "properties.bootstrap.servers":
		if len(c.brokers) > 0 {
			return true, bad(key, "the brokers are given twice (brokers and properties.bootstrap.server are aliases)")
		}
		for b := range strings.SplitSeq(v, ",") {
			if b = strings.TrimSpace(b); b != "" {
				c.brokers = append(c.brokers, b)
			}
		}
		if len(c.brokers) == 0 {
			return true, bad(key, "%s must list at least one host:port", key)
		}
	case "properties.security.protocol":
		p := strings.ToUpper(v)
		switch p {
		case "PLAINTEXT", "SSL", "SASL_SSL", "SASL_PLAINTEXT":
			c.security.Protocol = p
		default:
			return true, bad(key, "%s must be 'PLAINTEXT', 'SSL', 'SASL_SSL' or 'SASL_PLAINTEXT', not %q", key, v)
		}
	case "properties.ssl.ca.location":
		c.security.CALocation = v
		c.sslKeys = append(c.sslKeys, key)
	case "properties.ssl.certificate.location":
		c.security.CertLocation = v
		c.sslKeys = append(c.sslKeys, key)
	case "properties.ssl.key.location":
		c.security.KeyLocation = v
		c.sslKeys = append(c.sslKeys, key)
	case "properties.sasl.mechanism":
		m := strings.ToUpper(v)
		switch m {
		case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
			c.security.Mechanism = m
		default:
			return true, bad(key, "%s must be 'PLAIN', 'SCRAM-SHA-256' or 'SCRAM-SHA-512', not %q", key, v)
		}
		c.saslKeys = append(c.saslKeys, key)
	case "properties.sasl.username":
		c.security.Username = v
		c.saslKeys = append(c.saslKeys, key)
	case "properties.sasl.password":
		c.security.Password = v
		c.saslKeys = append(c.saslKeys, key)
	default:
		return false, nil
	}
	return true, nil
}

// validate checks the TLS and SASL options agree with the protocol and
// that the certificate files load.
func (c *connOptions) validate() error {
	return c.security.validate(c.sslKeys, c.saslKeys)
}
