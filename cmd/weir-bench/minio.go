package main

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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/weir-stream/weir/statestore/objstore"
)

// The MinIO server's root credentials and the bucket startMinIO creates.
const (
	minioUser     = "minioadmin"
	minioPassword = "minioadmin"
	minioBucket   = "weir-bench"
)

// minioServer is a MinIO server process serving a directory on a free
// loopback port, for the recovery benchmark. It is used by one goroutine.
type minioServer struct {
	// endpoint is the server's URL ("http://127.0.0.1:port").
	endpoint string
	logPath  string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// findMinIO returns the path of the minio binary: $WEIR_MINIO, else minio
// on PATH, else $(go env GOPATH)/bin/minio. Without one it returns an error
// saying where it looked and how to install it.
func findMinIO() (string, error) {
	if p := os.Getenv("WEIR_MINIO"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("WEIR_MINIO: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		for _, gopath := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(gopath, "bin", "minio")
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", errors.New("no minio binary ($WEIR_MINIO, PATH, $(go env GOPATH)/bin); install it with .ci/install-minio")
}

// startMinIO starts bin serving dir (which it creates), waits until the
// server is ready and creates minioBucket. The caller stops the server.
func startMinIO(ctx context.Context, bin, dir string) (*minioServer, error) {
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, err
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	console, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	srv := &minioServer{endpoint: "http://" + addr, logPath: filepath.Join(dir, "minio.log"), exited: make(chan struct{})}
	logFile, err := os.Create(srv.logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "server", filepath.Join(dir, "data"), "--address", addr, "--console-address", console, "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+minioUser, "MINIO_ROOT_PASSWORD="+minioPassword)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	srv.cmd = cmd
	go func() {
		cmd.Wait()
		logFile.Close()
		close(srv.exited)
	}()
	if err := srv.waitReady(ctx, 30*time.Second); err != nil {
		srv.stop()
		return nil, err
	}
	client := s3.New(s3.Options{
		Region:       objstore.DefaultS3Region,
		BaseEndpoint: aws.String(srv.endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(minioUser, minioPassword, ""),
	})
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(minioBucket)}); err != nil {
		srv.stop()
		return nil, fmt.Errorf("minio: create bucket %s: %w", minioBucket, err)
	}
	return srv, nil
}

// waitReady polls the server's readiness endpoint until it answers 200,
// the process exits or timeout passes.
func (srv *minioServer) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.endpoint+"/minio/health/ready", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-srv.exited:
			return fmt.Errorf("minio exited before it was ready:\n%s", srv.log())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("minio was not ready within %s:\n%s", timeout, srv.log())
		}
	}
}

// objects returns an S3 store over the server's bucket under prefix, as
// weir's s3 backend would open it (endpoint URL, path style).
func (srv *minioServer) objects(ctx context.Context, prefix string) (*objstore.S3, error) {
	return objstore.NewS3(ctx, objstore.S3Config{
		Bucket: minioBucket, Prefix: prefix, EndpointURL: srv.endpoint,
		AccessKeyID: minioUser, SecretAccessKey: minioPassword,
	})
}

// stop kills the server and waits for it to exit. Stopping twice does
// nothing.
func (srv *minioServer) stop() {
	if srv.cmd == nil {
		return
	}
	srv.cmd.Process.Kill()
	<-srv.exited
	srv.cmd = nil
}

// log returns the server's output so far.
func (srv *minioServer) log() string {
	b, _ := os.ReadFile(srv.logPath)
	return string(b)
}

// freeLoopbackAddr returns a 127.0.0.1 address whose port was free a moment
// ago.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}
