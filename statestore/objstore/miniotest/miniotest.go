// Package miniotest starts a MinIO server for tests of S3 object storage:
// the objstore package's and the engine's checkpoint tests.
package miniotest

import (
	"context"
	"errors"
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

// The MinIO server's root credentials, and the bucket Start creates.
const (
	User     = "minioadmin"
	Password = "minioadmin"
	Bucket   = "weir-test"
)

// Server is a MinIO server process serving a temporary directory.
type Server struct {
	// Endpoint is the server's URL ("http://127.0.0.1:port").
	Endpoint string
	t        testing.TB
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
	bin := findMinIO()
	if bin == "" {
		const msg = "minio not found (set WEIR_MINIO, or put minio on PATH or in $(go env GOPATH)/bin); install it with .ci/install-minio"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	srv := &Server{t: t, bin: bin, dataDir: t.TempDir(), addr: freeAddr(t), console: freeAddr(t),
		logPath: filepath.Join(t.TempDir(), "minio.log")}
	srv.Endpoint = "http://" + srv.addr
	srv.start()
	t.Cleanup(srv.Stop)
	if _, err := Client(srv.Endpoint).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(Bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v\n%s", Bucket, err, srv.log())
	}
	return srv
}

// start starts the process and waits until it is ready.
func (srv *Server) start() {
	t := srv.t
	t.Helper()
	logFile, err := os.OpenFile(srv.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(srv.bin, "server", srv.dataDir, "--address", srv.addr, "--console-address", srv.console)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+User, "MINIO_ROOT_PASSWORD="+Password)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", srv.bin, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	srv.cmd, srv.exited = cmd, exited
	deadline := time.Now().Add(20 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(srv.Endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("minio exited before it was ready:\n%s", srv.log())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("minio was not ready within 20s:\n%s", srv.log())
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

// Restart starts the stopped server again on the same directory and port.
func (srv *Server) Restart() {
	srv.t.Helper()
	srv.Stop()
	srv.start()
}

func (srv *Server) log() string {
	b, _ := os.ReadFile(srv.logPath)
	return string(b)
}

// findMinIO returns the path of the minio binary: $WEIR_MINIO, else minio
// on PATH, else $(go env GOPATH)/bin/minio; "" when there is none.
func findMinIO() string {
	if p := os.Getenv("WEIR_MINIO"); p != "" {
		return p
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return ""
	}
	for _, gopath := range filepath.SplitList(strings.TrimSpace(string(out))) {
		p := filepath.Join(gopath, "bin", "minio")
		if _, err := os.Stat(p); err == nil {
			return p
		} else if !errors.Is(err, os.ErrNotExist) {
			return ""
		}
	}
	return ""
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
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
