# The getting-started scenario as Terraform: a group with AdministratorAccess, an admin
# user in it with a console password and an access key, a reader with a local policy,
# a role Lambda may assume and a role another account may assume. The test copies this
# file into a working directory of its own and sets the variables through TF_VAR_*.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "endpoint" { type = string }
variable "access_key" { type = string }
variable "secret_key" {
  type      = string
  sensitive = true
}
variable "other_account" { type = string }

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    iam = var.endpoint
    sts = var.endpoint
  }
}

resource "aws_iam_group" "admins" {
  name = "admins"
}

resource "aws_iam_group_policy_attachment" "admins" {
  group      = aws_iam_group.admins.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_user" "admin" {
  name = "admin"
  tags = {
    team = "platform"
  }
}

resource "aws_iam_user" "reader" {
  name = "reader"
  path = "/readers/"
}

resource "aws_iam_group_membership" "admins" {
  name  = "admins-membership"
  group = aws_iam_group.admins.name
  users = [aws_iam_user.admin.name]
}

resource "aws_iam_user_login_profile" "admin" {
  user                    = aws_iam_user.admin.name
  password_length         = 24
  password_reset_required = true
}

resource "aws_iam_access_key" "admin" {
  user = aws_iam_user.admin.name
}

resource "aws_iam_policy" "reports_read" {
  name        = "reports-read"
  path        = "/app/"
  description = "Read the reports bucket"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:ListBucket"]
      Resource = ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]
    }]
  })
  tags = {
    owner = "data"
  }
}

resource "aws_iam_user_policy_attachment" "reader" {
  user       = aws_iam_user.reader.name
  policy_arn = aws_iam_policy.reports_read.arn
}

resource "aws_iam_role" "lambda" {
  name        = "lambda-basic-execution"
  description = "Lambda functions run as this role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "lambda_logs" {
  role       = aws_iam_role.lambda.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy_attachment" "lambda_reports" {
  role       = aws_iam_role.lambda.name
  policy_arn = aws_iam_policy.reports_read.arn
}

resource "aws_iam_role" "cross_account" {
  name                 = "cross-account-readonly"
  max_session_duration = 7200
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.other_account}:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "cross_account" {
  role       = aws_iam_role.cross_account.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

output "admin_access_key_id" {
  value = aws_iam_access_key.admin.id
}

output "admin_secret_access_key" {
  value     = aws_iam_access_key.admin.secret
  sensitive = true
}

output "admin_password" {
  value     = aws_iam_user_login_profile.admin.password
  sensitive = true
}
