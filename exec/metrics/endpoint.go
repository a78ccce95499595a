package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Path is where the endpoint serves the text exposition.
const Path = "/metrics"

// Start listens at the listen address and serves GET /metrics until Stop.
// The error is the listener's (an address that is not one, or is taken).
func (m *Metrics) Start() error {
	if m == nil {
		return nil
	}
	ln, err := net.Listen("tcp", m.opts.Listen)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, promhttp.HandlerFor(prometheus.GathererFunc(m.Gather), promhttp.HandlerOpts{
		ErrorLog:      promLogger{m.opts.Logger},
		ErrorHandling: promhttp.ContinueOnError,
	}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	m.addr = ln.Addr().String()
	m.served = make(chan struct{})
	go func() {
		defer close(m.served)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.opts.Logger.Error("metrics endpoint stopped", "addr", m.addr, "err", err)
		}
	}()
	m.opts.Logger.Info("serving metrics", "addr", m.addr, "path", Path)
	return nil
}

// Addr returns the address the endpoint listens at, with the port
// resolved (so ":0" shows the port the system chose); "" before Start.
func (m *Metrics) Addr() string {
	if m == nil {
		return ""
	}
	return m.addr
}

// Stop closes the listener and waits for the scrapes in progress (until
// ctx is done, then it drops them). Unstarted, it does nothing.
func (m *Metrics) Stop(ctx context.Context) error {
	if m == nil || m.srv == nil {
		return nil
	}
	err := m.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, m.srv.Close())
	}
	<-m.served
	return err
}

// promLogger passes promhttp's errors to the engine's log.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) { l.log.Warn("metrics: " + fmt.Sprint(v...)) }
