package privilege

import "testing"

func TestMaskOption(t *testing.T) {
	for _, c := range []struct{ key, value, want string }{
		{"properties.sasl.password", "kafka-pw", "********"},
		{"properties.ssl.key.password", "k", "********"},
		{"properties.ssl.key.pem", "-----BEGIN PRIVATE KEY-----", "********"},
		{"properties.sasl.oauthbearer.client.secret", "s", "********"},
		{"Properties.SASL.Password", "x", "********"},
		{"properties.ssl.key.location", "/etc/weir/client.key", "/etc/weir/client.key"},
		{"properties.sasl.username", "kuser", "kuser"},
		{"schema.registry", "http://reg:s3cret@registry:8081", "http://reg:********@registry:8081"},
		{"schema.registry", "https://registry:8081/api", "https://registry:8081/api"},
		{"schema.registry", "http://user@registry:8081", "http://user@registry:8081"},
		{"path", "data/a@b.csv", "data/a@b.csv"},
	} {
		if got := maskOption(c.key, c.value); got != c.want {
			t.Errorf("maskOption(%q, %q) = %q, want %q", c.key, c.value, got, c.want)
		}
	}
}
