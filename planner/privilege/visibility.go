package privilege

import (
	"net/url"
	"strings"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// MayObserve reports whether s may see what the system tables say about
// the object called name: superusers see every object, other roles those
// they may SELECT, and sinks (which have no privileges) they own. An
// object that no longer exists is for superusers only.
func (s Subject) MayObserve(name string) bool {
	if s.Superuser() {
		return true
	}
	o, ok := s.Catalog.Get(name)
	if !ok {
		return false
	}
	if s.Owns(o) {
		return true
	}
	if o.Kind == catalog.Sink {
		return false
	}
	return s.Catalog.HasPrivilege(o.Name, s.User, string(sql.PrivSelect))
}

// maskedSecret is what SHOW CREATE prints for a secret option's value.
const maskedSecret = "********"

// CreateStatement returns the definition SHOW CREATE prints of o for s:
// only its owner and superusers may see it (others get 42501, pos being
// where the statement names o), and only superusers see the values of
// secret options (secretOption) and the passwords in URLs, which others
// see as ********.
func (s Subject) CreateStatement(o *catalog.Object, pos sql.Pos) (string, error) {
	if s.Superuser() {
		return o.Definition, nil
	}
	if !s.Owns(o) {
		return "", MustBeOwner(o, pos)
	}
	st, err := sql.ParseOne(o.Definition)
	if err != nil {
		return "", sqlstate.Errorf(sqlstate.Internal, "definition of %s %s: %v", o.Kind, o.Name, err)
	}
	var opts []sql.Option
	switch st := st.(type) {
	case *sql.CreateStream:
		opts = st.Options
	case *sql.CreateTable:
		opts = st.Options
	case *sql.CreateView:
		opts = st.Options
	case *sql.CreateSink:
		opts = st.Options
	}
	for i, opt := range opts {
		opts[i].Value = maskOption(opt.Key, opt.Value)
	}
	return sql.String(st), nil
}

// maskOption returns value, the value of the option key, with its secret
// masked: the whole value of a secret option, the password of a URL
// ("http://user:********@registry:8081").
func maskOption(key, value string) string {
	if secretOption(key) {
		return maskedSecret
	}
	if !strings.Contains(value, "://") || !strings.Contains(value, "@") {
		return value
	}
	u, err := url.Parse(value)
	if err != nil || u.User == nil {
		return value
	}
	if _, hasPassword := u.User.Password(); !hasPassword {
		return value
	}
	// Built by hand: url.URL would percent-encode the asterisks.
	rest := *u
	rest.User = nil
	text := rest.String()
	i := strings.Index(text, "://")
	if i < 0 {
		return maskedSecret
	}
	return text[:i+3] + url.User(u.User.Username()).String() + ":" + maskedSecret + "@" + text[i+3:]
}

// secretOption reports whether the option key holds a secret: a password
// (properties.sasl.password, properties.ssl.key.password), a secret, a
// token or credentials, a SASL JAAS or OAUTHBEARER configuration, or a
// private key itself (properties.ssl.key.pem; a key's .location is a path).
func secretOption(key string) bool {
	k := strings.ToLower(key)
	for _, w := range []string{"password", "secret", "token", "credential", "sasl.jaas", "sasl.oauthbearer"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return strings.Contains(k, "ssl.key") && !strings.HasSuffix(k, ".location")
}
