package objstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/weir-stream/weir/internal/miniotest"
)

func TestS3Config(t *testing.T) {
	ctx := context.Background()
	keys := S3Config{Bucket: "b", AccessKeyID: "id", SecretAccessKey: "secret"}
	for _, tc := range []struct {
		prefix, want string
	}{
		{"", "s3://b"},
		{"ckpt", "s3://b/ckpt"},
		{"ckpt/", "s3://b/ckpt"},
		{"/a/b", "s3://b/a/b"},
	} {
		cfg := keys
		cfg.Prefix = tc.prefix
		s, err := newS3(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.String(); got != tc.want {
			t.Errorf("prefix %q: String() = %q, want %q", tc.prefix, got, tc.want)
		}
		if s.partSize != DefaultS3PartSize || s.concurrency != DefaultS3Concurrency {
			t.Errorf("defaults: part size %d, concurrency %d", s.partSize, s.concurrency)
		}
	}
	for _, tc := range []struct {
		name   string
		edit   func(*S3Config)
		errHas string
	}{
		{"no bucket", func(c *S3Config) { c.Bucket = "" }, "no bucket"},
		{"one key", func(c *S3Config) { c.SecretAccessKey = "" }, "both"},
		{"small part", func(c *S3Config) { c.PartSize = 1 << 20 }, "part size"},
		{"bad concurrency", func(c *S3Config) { c.Concurrency = -1 }, "concurrency"},
	} {
		cfg := keys
		tc.edit(&cfg)
		if _, err := newS3(ctx, cfg); err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.errHas)
		}
	}
}

func TestExactReader(t *testing.T) {
	for _, tc := range []struct {
		data string
		size int64
		ok   bool
	}{
		{"abc", 3, true},
		{"", 0, true},
		{"ab", 3, false},
		{"abcd", 3, false},
	} {
		_, err := io.ReadAll(&exactReader{r: strings.NewReader(tc.data), left: tc.size})
		if (err == nil) != tc.ok {
			t.Errorf("%q with size %d: err = %v", tc.data, tc.size, err)
		}
	}
}

// TestS3 runs the store against a MinIO server.
func TestS3(t *testing.T) {
	endpoint := miniotest.Start(t).Endpoint
	ctx := context.Background()
	open := func(t *testing.T, cfg S3Config) *S3 {
		t.Helper()
		cfg.EndpointURL = endpoint
		cfg.AccessKeyID, cfg.SecretAccessKey = miniotest.User, miniotest.Password
		if cfg.Bucket == "" {
			cfg.Bucket = miniotest.Bucket
		}
		s, err := NewS3(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("contract", func(t *testing.T) {
		a := open(t, S3Config{Prefix: "a"})
		testContract(t, a)
		// A second prefix in the same bucket is a separate namespace.
		testContract(t, open(t, S3Config{Prefix: "b/"}))
		if got, want := a.String(), "s3://"+miniotest.Bucket+"/a"; got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
		root := open(t, S3Config{})
		objs, err := root.List(ctx, "a/")
		if err != nil {
			t.Fatal(err)
		}
		want := []Object{{"a/manifests/00000000000000000007.json", 2}, {"a/sst/run1/000001.sst", 3}}
		if len(objs) != 2 || objs[0] != want[0] || objs[1] != want[1] {
			t.Fatalf("root list a/ = %v, want %v", objs, want)
		}
	})

	t.Run("multipart", func(t *testing.T) {
		s := open(t, S3Config{Prefix: "mp", PartSize: 5 << 20, Concurrency: 2})
		data := make([]byte, 12<<20+3) // three parts
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		// A plain reader (no Seek, no Len) as a checkpoint writer streams.
		if err := s.Put(ctx, "big", struct{ io.Reader }{bytes.NewReader(data)}, int64(len(data))); err != nil {
			t.Fatal(err)
		}
		r, err := s.Get(ctx, "big")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("get big: %d bytes, equal %v, err %v", len(got), bytes.Equal(got, data), err)
		}
		// A multipart object's ETag ends with -<number of parts>.
		head, err := miniotest.Client(endpoint).HeadObject(ctx, &s3.HeadObjectInput{
			Bucket: aws.String(miniotest.Bucket), Key: aws.String("mp/big"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if etag := strings.Trim(aws.ToString(head.ETag), `"`); !strings.HasSuffix(etag, "-3") {
			t.Errorf("ETag %q: not a three-part upload", etag)
		}
		if objs, err := s.List(ctx, ""); err != nil || len(objs) != 1 || objs[0] != (Object{"big", int64(len(data))}) {
			t.Fatalf("list = %v, %v", objs, err)
		}

		// A reader shorter or longer than the size fails the upload after
		// some parts were sent, and leaves no object.
		for _, n := range []int{len(data) - 1<<20, len(data) + 1} {
			src := data
			if n > len(data) {
				src = append(bytes.Clone(data), 'x')
			}
			err := s.Put(ctx, "partial", struct{ io.Reader }{bytes.NewReader(src[:n])}, int64(len(data)))
			if err == nil {
				t.Fatalf("a put of %d bytes with size %d succeeded", n, len(data))
			}
			if !strings.Contains(err.Error(), "objstore: s3 put partial: ") {
				t.Errorf("error %q", err)
			}
			if _, err := s.Get(ctx, "partial"); !errors.Is(err, ErrNotExist) {
				t.Fatalf("a failed multipart put left an object: %v", err)
			}
		}
		// The failed uploads were aborted, their parts freed.
		ups, err := miniotest.Client(endpoint).ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{
			Bucket: aws.String(miniotest.Bucket), Prefix: aws.String("mp/partial"),
		})
		if err != nil || len(ups.Uploads) != 0 {
			t.Fatalf("multipart uploads left: %v, %v", ups, err)
		}
	})

	t.Run("bucket missing", func(t *testing.T) {
		_, err := NewS3(ctx, S3Config{
			Bucket: "no-such-bucket", EndpointURL: endpoint,
			AccessKeyID: miniotest.User, SecretAccessKey: miniotest.Password,
		})
		if err == nil || !strings.Contains(err.Error(), "objstore: s3 bucket no-such-bucket: ") {
			t.Fatalf("NewS3 of a missing bucket: %v", err)
		}

		// A bucket deleted under a running store: every operation fails,
		// and Get does not mistake the missing bucket for a missing object.
		admin := miniotest.Client(endpoint)
		if _, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("gone")}); err != nil {
			t.Fatal(err)
		}
		s := open(t, S3Config{Bucket: "gone"})
		if _, err := admin.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("gone")}); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, "x", strings.NewReader("x"), 1); err == nil || !strings.Contains(err.Error(), "objstore: s3 put x: ") {
			t.Errorf("put: %v", err)
		}
		if _, err := s.Get(ctx, "x"); err == nil || errors.Is(err, ErrNotExist) {
			t.Errorf("get: %v, want an error other than ErrNotExist", err)
		}
		if _, err := s.List(ctx, ""); err == nil {
			t.Error("list of a missing bucket succeeded")
		}
		if err := s.Delete(ctx, "x"); err == nil {
			t.Error("delete in a missing bucket succeeded")
		}
	})
}
