package format

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// RegistryClient fetches Avro writer schemas by id from a schema registry.
// Implementations are safe for concurrent use.
type RegistryClient interface {
	// SchemaByID returns the text of the schema registered under id.
	SchemaByID(ctx context.Context, id int32) (string, error)
}

// httpRegistry is a Confluent-compatible schema registry reached over HTTP.
// Schemas never change once registered, so it caches every schema it fetched.
type httpRegistry struct {
	base       string // URL without userinfo and trailing slash
	user, pass string
	hasAuth    bool
	client     *http.Client

	mu    sync.Mutex
	cache map[int32]string
}

// NewRegistryClient returns a client of the Confluent-compatible schema
// registry at rawURL (http or https). Userinfo in the URL
// ("http://user:secret@host:8081") is sent as basic auth. httpClient nil
// means a client with a 10 s timeout. The client caches the schemas it
// fetched and is safe for concurrent use.
func NewRegistryClient(rawURL string, httpClient *http.Client) (RegistryClient, error) {
	// Errors leave the URL out: its userinfo may hold a password.
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("schema registry URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("schema registry URL: want http(s)://host[:port]")
	}
	r := &httpRegistry{client: httpClient, cache: map[int32]string{}}
	if r.client == nil {
		r.client = &http.Client{Timeout: 10 * time.Second}
	}
	if u.User != nil {
		r.user = u.User.Username()
		r.pass, _ = u.User.Password()
		r.hasAuth = true
		u.User = nil
	}
	u.RawQuery, u.Fragment = "", ""
	r.base = strings.TrimSuffix(u.String(), "/")
	return r, nil
}

// SchemaByID implements RegistryClient with GET {url}/schemas/ids/{id}.
func (r *httpRegistry) SchemaByID(ctx context.Context, id int32) (string, error) {
	r.mu.Lock()
	s, ok := r.cache[id]
	r.mu.Unlock()
	if ok {
		return s, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/schemas/ids/%d", r.base, id), nil)
	if err != nil {
		return "", fmt.Errorf("schema %d: %w", id, err)
	}
	req.Header.Set("Accept", "application/vnd.schemaregistry.v1+json, application/json")
	if r.hasAuth {
		req.SetBasicAuth(r.user, r.pass)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("schema %d: %w", id, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return "", fmt.Errorf("schema %d: %w", id, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &e) == nil && e.Message != "" {
			return "", fmt.Errorf("schema %d: registry answered %s: %s", id, resp.Status, e.Message)
		}
		return "", fmt.Errorf("schema %d: registry answered %s", id, resp.Status)
	}
	var out struct {
		Schema     string `json:"schema"`
		SchemaType string `json:"schemaType"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "", fmt.Errorf("schema %d: registry answer: %w", id, err)
	}
	if out.SchemaType != "" && out.SchemaType != "AVRO" {
		return "", fmt.Errorf("schema %d is %s, not Avro", id, out.SchemaType)
	}
	r.mu.Lock()
	r.cache[id] = out.Schema
	r.mu.Unlock()
	return out.Schema, nil
}

// SchemaRegistrar registers Avro schemas in a schema registry (what a sink
// writing Avro needs). The client NewRegistryClient returns implements it.
type SchemaRegistrar interface {
	// Register registers schema under subject (or finds it registered) and
	// returns its id.
	Register(ctx context.Context, subject, schema string) (int32, error)
}

// Register implements SchemaRegistrar with POST
// {url}/subjects/{subject}/versions, which returns the id of an equal
// schema registered before.
func (r *httpRegistry) Register(ctx context.Context, subject, schema string) (int32, error) {
	body, err := json.Marshal(map[string]string{"schema": schema})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/subjects/%s/versions", r.base, url.PathEscape(subject)), strings.NewReader(string(body)))
	if err != nil {
		return 0, fmt.Errorf("registering %s: %w", subject, err)
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	req.Header.Set("Accept", "application/vnd.schemaregistry.v1+json, application/json")
	if r.hasAuth {
		req.SetBasicAuth(r.user, r.pass)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("registering %s: %w", subject, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, fmt.Errorf("registering %s: %w", subject, err)
	}
	var out struct {
		ID      int32  `json:"id"`
		Message string `json:"message"`
	}
	jerr := json.Unmarshal(answer, &out)
	if resp.StatusCode != http.StatusOK {
		if out.Message != "" {
			return 0, fmt.Errorf("registering %s: registry answered %s: %s", subject, resp.Status, out.Message)
		}
		return 0, fmt.Errorf("registering %s: registry answered %s", subject, resp.Status)
	}
	if jerr != nil {
		return 0, fmt.Errorf("registering %s: the registry's answer is not JSON: %w", subject, jerr)
	}
	r.mu.Lock()
	r.cache[out.ID] = schema
	r.mu.Unlock()
	return out.ID, nil
}
