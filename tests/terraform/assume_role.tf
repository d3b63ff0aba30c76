# The provider signs in as an IAM user, assumes a deployment role with STS AssumeRole
# and manages IAM with the role's temporary credentials. The test creates the role
# (trusting the account, with AdministratorAccess), the user allowed to assume it, and
# sets the variables via TF_VAR_*.

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
variable "role_arn" { type = string }

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  assume_role {
    role_arn     = var.role_arn
    session_name = "terraform"
  }

  endpoints {
    iam = var.endpoint
    sts = var.endpoint
  }
}

resource "aws_iam_user" "deployer" {
  name = "deployer"
}

resource "aws_iam_policy" "deploy" {
  name = "deploy"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "lambda:UpdateFunctionCode"
      Resource = "*"
    }]
  })
}

resource "aws_iam_user_policy_attachment" "deployer" {
  user       = aws_iam_user.deployer.name
  policy_arn = aws_iam_policy.deploy.arn
}
