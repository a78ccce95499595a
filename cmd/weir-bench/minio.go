package main

import (
	"context"

	"github.com/weir-stream/weir/internal/miniotest"
	"github.com/weir-stream/weir/statestore/objstore"
)

// minioObjects returns an S3 store over the bucket of the MinIO server srv
// under prefix, as weir's s3 backend would open it (endpoint URL, path
// style).
func minioObjects(ctx context.Context, srv *miniotest.Server, prefix string) (*objstore.S3, error) {
	return objstore.NewS3(ctx, objstore.S3Config{
		Bucket: miniotest.Bucket, Prefix: prefix, EndpointURL: srv.Endpoint,
		AccessKeyID: miniotest.User, SecretAccessKey: miniotest.Password,
	})
}
