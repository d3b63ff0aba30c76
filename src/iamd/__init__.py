"""iamd: the IAM and STS control plane of AWS, as a program you run yourself."""

__version__ = "0.1.0"
