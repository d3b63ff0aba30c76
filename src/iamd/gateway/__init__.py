"""The data plane: SigV4 and IAM policies in front of S3-compatible storage and HTTP APIs."""
