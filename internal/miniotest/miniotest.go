// Package miniotest starts MinIO servers: for tests of S3 object storage
// (the objstore package's and the engine's checkpoint tests, with Start)
// and for the benchmarks (Find and Launch).
package miniotest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The MinIO server's root credentials, and the bucket Start and Launch
// create.
const (
	User     = "minioadmin"
	Password = "minioadmin"
	Bucket   = "weir-test"
)

// readyTimeout bounds the wait for a starting server.
const readyTimeout = 30 * time.Second

// Server is a MinIO server process serving a directory on loopback ports.
// It is used by one goroutine.
type Server struct {
	// Endpoint is the server's URL ("http://127.0.0.1:port").
	Endpoint string
	t        testing.TB // Start's, for Restart; nil for Launch's
	bin      string
	dataDir  string
	addr     string
	console  string
	logPath  string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// Start starts a MinIO server on a fresh temporary directory, waits until
// it is ready and creates Bucket. The server is killed when t ends. Without
// a minio binary the test is skipped, or fails under CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	srv, err := Launch(context.Background(), bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv.t = t
	t.Cleanup(srv.Stop)
	return srv
}

// Launch starts bin serving dir (which it creates) on free loopback ports,
// waits until the server is ready and creates Bucket. The caller stops it.
func Launch(ctx context.Context, bin, dir string) (*Server, error) {
	srv := &Server{bin: bin, dataDir: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "minio.log")}
	if err := os.MkdirAll(srv.dataDir, 0o755); err != nil {
		return nil, err
	}
	var err error
	if srv.addr, err = freeAddr(); err != nil {
		return nil, err
	}
	if srv.console, err = freeAddr(); err != nil {
		return nil, err
	}
	srv.Endpoint = "http://" + srv.addr
	if err := srv.start(ctx); err != nil {
		return nil, err
	}
	if _, err := Client(srv.Endpoint).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(Bucket)}); err != nil {
		srv.Stop()
		return nil, fmt.Errorf("minio: create bucket %s: %w\n%s", Bucket, err, srv.log())
	}
	return srv, nil
}

// start starts the process and waits until it is ready.
func (srv *Server) start(ctx context.Context) error {
	logFile, err := os.OpenFile(srv.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(srv.bin, "server", srv.dataDir, "--address", srv.addr, "--console-address", srv.console)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+User, "MINIO_ROOT_PASSWORD="+Password)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", srv.bin, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	srv.cmd, srv.exited = cmd, exited
	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.Endpoint+"/minio/health/ready", nil)
		if err != nil {
			srv.Stop()
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			srv.cmd = nil
			return fmt.Errorf("minio exited before it was ready:\n%s", srv.log())
		case <-ctx.Done():
			srv.Stop()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			srv.Stop()
			return fmt.Errorf("minio was not ready within %s:\n%s", readyTimeout, srv.log())
		}
	}
}

// Stop kills the server (its data stays, for Restart). Stopping a stopped
// server does nothing.
func (srv *Server) Stop() {
	if srv.cmd == nil {
		return
	}
	srv.cmd.Process.Kill()
	<-srv.exited
	srv.cmd = nil
}

// Restart starts the stopped server of Start again on the same directory
// and port; a failure fails the test.
func (srv *Server) Restart() {
	srv.t.Helper()
	srv.Stop()
	if err := srv.start(context.Background()); err != nil {
		srv.t.Fatal(err)
	}
}

func (srv *Server) log() string {
	b, _ := os.ReadFile(srv.logPath)
	return string(b)
}

// Find returns the path of the minio binary: $WEIR_MINIO, else minio on
// PATH, else $(go env GOPATH)/bin/minio. Without one it returns an error
// saying where it looked and how to install it.
func Find() (string, error) {
	if p := os.Getenv("WEIR_MINIO"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("WEIR_MINIO: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, gopath := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(gopath, "bin", "minio")
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", errors.New("minio not found (set WEIR_MINIO, or put minio on PATH or in $(go env GOPATH)/bin); install it with .ci/install-minio")
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close()
	return addr, nil
}

// Client returns an SDK client of the MinIO server at endpoint, for test
// setup beside the store under test.
func Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(User, Password, ""),
	})
}
