package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3Config configures an S3 store.
type S3Config struct {
	// Bucket holds the objects; it must exist. Required.
	Bucket string
	// Region is the bucket's region; empty means us-east-1.
	Region string
	// Prefix is prepended to every object name ("checkpoints/" stores object
	// a/b as key checkpoints/a/b). A missing trailing slash is added and a
	// leading one dropped; empty means the bucket's root.
	Prefix string
	// EndpointURL, when set, replaces the AWS endpoint (MinIO and other
	// S3-compatible services, e.g. "http://127.0.0.1:9000") and switches to
	// path-style addressing.
	EndpointURL string
	// AccessKeyID and SecretAccessKey, when both set, are static
	// credentials; when both are empty the SDK's default credential chain
	// (environment, shared config, instance role...) is used.
	AccessKeyID     string
	SecretAccessKey string
	// PartSize is the largest object written with a single PutObject and
	// the part size of larger, multipart, uploads. 0 means 16 MiB; the S3
	// minimum is 5 MiB.
	PartSize int64
	// Concurrency is the number of parts a multipart upload sends at once.
	// 0 means 4.
	Concurrency int
}

// Defaults of S3Config.
const (
	DefaultS3Region      = "us-east-1"
	DefaultS3PartSize    = 16 << 20
	DefaultS3Concurrency = 4
	// s3MaxAttempts bounds the attempts of each request under the SDK's
	// standard retryer (exponential backoff with jitter).
	s3MaxAttempts = 5
)

// S3 is a Store in an S3 bucket (or an S3-compatible service) under a key
// prefix. A PUT is atomic in S3, single or multipart: an object is whole or
// absent. S3 is safe for concurrent use; it holds no state besides the
// SDK's client.
type S3 struct {
	client      *s3.Client
	uploader    *manager.Uploader
	bucket      string
	prefix      string
	partSize    int64
	concurrency int
}

// NewS3 returns the store described by cfg after checking that its bucket
// is reachable (HeadBucket), so a misconfigured bucket or credentials fail
// at startup rather than at the first checkpoint.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	s, err := newS3(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		return nil, fmt.Errorf("objstore: s3 bucket %s: %w", s.bucket, err)
	}
	return s, nil
}

// newS3 builds the store without any request.
func newS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("objstore: s3: no bucket")
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, errors.New("objstore: s3: set both the access key id and the secret access key, or neither")
	}
	partSize := cfg.PartSize
	if partSize == 0 {
		partSize = DefaultS3PartSize
	}
	if partSize < manager.MinUploadPartSize {
		return nil, fmt.Errorf("objstore: s3: part size %d is below the S3 minimum of %d bytes", partSize, manager.MinUploadPartSize)
	}
	concurrency := cfg.Concurrency
	if concurrency == 0 {
		concurrency = DefaultS3Concurrency
	}
	if concurrency < 0 {
		return nil, fmt.Errorf("objstore: s3: bad concurrency %d", concurrency)
	}
	region := cfg.Region
	if region == "" {
		region = DefaultS3Region
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = s3MaxAttempts })
		}),
	}
	if cfg.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("objstore: s3: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		// A multipart object has a checksum of checksums the SDK cannot
		// check on Get; it would log a warning for every such Get.
		o.DisableLogOutputChecksumValidationSkipped = true
		if cfg.EndpointURL != "" {
			o.BaseEndpoint = aws.String(cfg.EndpointURL)
			o.UsePathStyle = true
		}
	})
	s := &S3{
		client:      client,
		bucket:      cfg.Bucket,
		prefix:      normPrefix(cfg.Prefix),
		partSize:    partSize,
		concurrency: concurrency,
	}
	s.uploader = manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = partSize
		u.Concurrency = concurrency
	})
	return s, nil
}

// normPrefix drops a leading slash and adds the trailing one.
func normPrefix(p string) string {
	p = strings.TrimLeft(p, "/")
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

func (s *S3) key(name string) (string, error) {
	if name == "" {
		return "", errors.New("objstore: s3: empty object name")
	}
	return s.prefix + name, nil
}

// Put stores the object with one PutObject when it fits in a part, from a
// buffer the SDK can re-send on retries, and with a multipart upload
// otherwise. A reader that yields more or fewer than size bytes fails the
// Put before the object is completed, so nothing is stored.
func (s *S3) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	key, err := s.key(name)
	if err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("objstore: s3 put %s: negative size %d", name, size)
	}
	body := &exactReader{r: r, left: size}
	if size <= s.partSize {
		var buf bytes.Buffer
		buf.Grow(int(size) + bytes.MinRead)
		if _, err := buf.ReadFrom(body); err != nil {
			return fmt.Errorf("objstore: s3 put %s: %w", name, err)
		}
		_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        aws.String(s.bucket),
			Key:           aws.String(key),
			Body:          bytes.NewReader(buf.Bytes()),
			ContentLength: aws.Int64(size),
		})
		if err != nil {
			return fmt.Errorf("objstore: s3 put %s: %w", name, err)
		}
		return nil
	}
	// The uploader cannot learn the size of a plain reader; grow the part
	// size so the object fits in S3's part count limit.
	partSize := max(s.partSize, (size+int64(manager.MaxUploadParts)-1)/int64(manager.MaxUploadParts))
	_, err = s.uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
		Body:   body,
	}, func(u *manager.Uploader) { u.PartSize = partSize })
	if err != nil {
		return fmt.Errorf("objstore: s3 put %s: %w", name, err)
	}
	return nil
}

// exactReader reads r, failing unless it holds exactly left more bytes: it
// returns io.EOF only at that point.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left == 0 {
		var one [1]byte
		n, err := e.r.Read(one[:])
		if n > 0 {
			return 0, errors.New("the reader holds more bytes than the object's size")
		}
		return 0, err
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF {
		if e.left > 0 {
			return n, fmt.Errorf("the reader ended %d bytes short of the object's size: %w", e.left, io.ErrUnexpectedEOF)
		}
		return n, io.EOF
	}
	return n, err
}

// Get opens the object; reading streams it from S3.
func (s *S3) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	key, err := s.key(name)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if isNoSuchKey(err) {
		return nil, fmt.Errorf("objstore: s3 get %s: %w", name, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("objstore: s3 get %s: %w", name, err)
	}
	return out.Body, nil
}

// isNoSuchKey reports whether err says the key is missing; a missing bucket
// (also a 404) is not.
func isNoSuchKey(err error) bool {
	if err == nil {
		return false
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return true
		case "NoSuchBucket":
			return false
		}
	}
	var respErr *awshttp.ResponseError
	return errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusNotFound
}

// List lists the keys under the store's prefix plus prefix, page by page,
// and returns them without the store's prefix.
func (s *S3) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(s.prefix + prefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("objstore: s3 list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			name, ok := strings.CutPrefix(aws.ToString(o.Key), s.prefix)
			if !ok || name == "" {
				continue
			}
			out = append(out, Object{Name: name, Size: aws.ToInt64(o.Size)})
		}
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Delete removes the object; S3 reports success for a missing key.
func (s *S3) Delete(ctx context.Context, name string) error {
	key, err := s.key(name)
	if err != nil {
		return err
	}
	_, err = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	})
	if err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("objstore: s3 delete %s: %w", name, err)
	}
	return nil
}

// String returns "s3://bucket/prefix" ("s3://bucket" without a prefix).
func (s *S3) String() string {
	if s.prefix == "" {
		return "s3://" + s.bucket
	}
	return "s3://" + s.bucket + "/" + strings.TrimSuffix(s.prefix, "/")
}
