"""Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole and
GetServiceLinkedRoleDeletionStatus.

A service-linked role is named by its service (``ecs.amazonaws.com`` →
``AWSServiceRoleForECS``), lives under ``/aws-service-role/<service>/``, trusts that
service's principal, and only the service may change it (`roles.check_modifiable`).
AWS deletes one asynchronously; iamd deletes at once, so every deletion task it
hands out has already succeeded.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from iamd.errors import EntityAlreadyExists, InvalidInput, NoSuchEntity
from iamd.iam.roles import TAG_KIND, new_role, store_new_role
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import roles, tags
from iamd.store.roles import Role

SERVICE_ROLE_PATH = "/aws-service-role/"
ROLE_PREFIX = "AWSServiceRoleFor"
MAX_ROLE_NAME = 64
_SERVICE_SUFFIX = ".amazonaws.com"
_TASK_ID = re.compile(r"task/aws-service-role/([\w+=,.@-]+)/([\w+=,.@-]+)/[0-9a-f-]{36}")


@dataclass(frozen=True)
class LinkedService:
    role_name: str
    allows_custom_suffix: bool = False


# The role each service names for itself, as AWS creates them (recorded answers);
# AWS lets only a few services take a custom suffix.
SERVICES: dict[str, LinkedService] = {
    "accountdiscovery.ssm.amazonaws.com": LinkedService("AmazonSSM_AccountDiscovery"),
    "acm.amazonaws.com": LinkedService("CertificateManager"),
    "appmesh.amazonaws.com": LinkedService("AppMesh"),
    "autoscaling-plans.amazonaws.com": LinkedService("AutoScalingPlans_EC2AutoScaling"),
    "autoscaling.amazonaws.com": LinkedService("AutoScaling", allows_custom_suffix=True),
    "backup.amazonaws.com": LinkedService("Backup"),
    "batch.amazonaws.com": LinkedService("Batch"),
    "cassandra.application-autoscaling.amazonaws.com": LinkedService(
        "ApplicationAutoScaling_CassandraTable"
    ),
    "cks.kms.amazonaws.com": LinkedService("KeyManagementServiceCustomKeyStores"),
    "cloudtrail.amazonaws.com": LinkedService("CloudTrail"),
    "codestar-notifications.amazonaws.com": LinkedService("CodeStarNotifications"),
    "config.amazonaws.com": LinkedService("Config"),
    "connect.amazonaws.com": LinkedService("AmazonConnect", allows_custom_suffix=True),
    "dms-fleet-advisor.amazonaws.com": LinkedService("DMSFleetAdvisor"),
    "dms.amazonaws.com": LinkedService("DMSServerless"),
    "docdb-elastic.amazonaws.com": LinkedService("DocDB-Elastic"),
    "dynamodb.application-autoscaling.amazonaws.com": LinkedService(
        "ApplicationAutoScaling_DynamoDBTable"
    ),
    "ec2-instance-connect.amazonaws.com": LinkedService("Ec2InstanceConnect"),
    "ec2.application-autoscaling.amazonaws.com": LinkedService(
        "ApplicationAutoScaling_EC2SpotFleetRequest"
    ),
    "ecr.amazonaws.com": LinkedService("ECRTemplate"),
    "ecs.application-autoscaling.amazonaws.com": LinkedService("ApplicationAutoScaling_ECSService"),
    "ecs.amazonaws.com": LinkedService("ECS"),
    "eks-connector.amazonaws.com": LinkedService("AmazonEKSConnector"),
    "eks-fargate.amazonaws.com": LinkedService("AmazonEKSForFargate"),
    "eks-nodegroup.amazonaws.com": LinkedService("AmazonEKSNodegroup"),
    "eks.amazonaws.com": LinkedService("AmazonEKS"),
    "elasticache.amazonaws.com": LinkedService("ElastiCache"),
    "elasticbeanstalk.amazonaws.com": LinkedService("ElasticBeanstalk"),
    "elasticfilesystem.amazonaws.com": LinkedService("AmazonElasticFileSystem"),
    "elasticloadbalancing.amazonaws.com": LinkedService("ElasticLoadBalancing"),
    "elasticmapreduce.amazonaws.com": LinkedService("EMRCleanup"),
    "email.cognito-idp.amazonaws.com": LinkedService("AmazonCognitoIdpEmailService"),
    "emr-containers.amazonaws.com": LinkedService("AmazonEMRContainers"),
    "emrwal.amazonaws.com": LinkedService("EMRWAL"),
    "es.amazonaws.com": LinkedService("AmazonElasticsearchService"),
    "fis.amazonaws.com": LinkedService("FIS"),
    "grafana.amazonaws.com": LinkedService("AmazonGrafana"),
    "guardduty.amazonaws.com": LinkedService("AmazonGuardDuty"),
    "imagebuilder.amazonaws.com": LinkedService("ImageBuilder"),
    "iotmanagedintegrations.amazonaws.com": LinkedService("IoTManagedIntegrations"),
    "kafka.amazonaws.com": LinkedService("Kafka"),
    "kafkaconnect.amazonaws.com": LinkedService("KafkaConnect"),
    "lakeformation.amazonaws.com": LinkedService("LakeFormationDataAccess"),
    "lex.amazonaws.com": LinkedService("LexBots"),
    "lexv2.amazonaws.com": LinkedService("LexV2Bots", allows_custom_suffix=True),
    "lightsail.amazonaws.com": LinkedService("Lightsail"),
    "m2.amazonaws.com": LinkedService("AWSM2"),
    "memorydb.amazonaws.com": LinkedService("MemoryDB"),
    "mq.amazonaws.com": LinkedService("AmazonMQ"),
    "mrk.kms.amazonaws.com": LinkedService("KeyManagementServiceMultiRegionKeys"),
    "notifications.amazonaws.com": LinkedService("AwsUserNotifications"),
    "observability.aoss.amazonaws.com": LinkedService("AmazonOpenSearchServerless"),
    "opensearchservice.amazonaws.com": LinkedService("AmazonOpenSearchService"),
    "ops.apigateway.amazonaws.com": LinkedService("APIGateway"),
    "ops.emr-serverless.amazonaws.com": LinkedService("AmazonEMRServerless"),
    "opsdatasync.ssm.amazonaws.com": LinkedService("SystemsManagerOpsDataSync"),
    "opsinsights.ssm.amazonaws.com": LinkedService("AmazonSSM_OpsInsights"),
    "organizations.amazonaws.com": LinkedService("Organizations"),
    "pullthroughcache.ecr.amazonaws.com": LinkedService("ECRPullThroughCache"),
    "ram.amazonaws.com": LinkedService("ResourceAccessManager"),
    "rds.amazonaws.com": LinkedService("RDS"),
    "redshift.amazonaws.com": LinkedService("Redshift"),
    "replication.cassandra.amazonaws.com": LinkedService("KeyspacesReplication"),
    "replication.ecr.amazonaws.com": LinkedService("ECRReplication"),
    "repository.sync.codeconnections.amazonaws.com": LinkedService("GitSync"),
    "resource-explorer-2.amazonaws.com": LinkedService("ResourceExplorer"),
    "rolesanywhere.amazonaws.com": LinkedService("RolesAnywhere"),
    "s3-outposts.amazonaws.com": LinkedService("S3OnOutposts"),
    "ses.amazonaws.com": LinkedService("AmazonSES"),
    "shield.amazonaws.com": LinkedService("AWSShield"),
    "spot.amazonaws.com": LinkedService("EC2Spot"),
    "spotfleet.amazonaws.com": LinkedService("EC2SpotFleet"),
    "ssm-incidents.amazonaws.com": LinkedService("IncidentManager"),
    "ssm-quicksetup.amazonaws.com": LinkedService("SSMQuickSetup"),
    "ssm.amazonaws.com": LinkedService("AmazonSSM"),
    "sso.amazonaws.com": LinkedService("SSO"),
    "support.amazonaws.com": LinkedService("Support"),
    "trustedadvisor.amazonaws.com": LinkedService("TrustedAdvisor"),
    "vpcorigin.cloudfront.amazonaws.com": LinkedService("CloudFrontVPCOrigin"),
    "waf.amazonaws.com": LinkedService("WAFLogging"),
    "wafv2.amazonaws.com": LinkedService("WAFV2Logging"),
}


def linked_service(service_name: str) -> LinkedService:
    """The service's own role name; for a service not listed, one made from its name."""
    known = SERVICES.get(service_name)
    if known is not None:
        return known
    if not service_name.endswith(_SERVICE_SUFFIX):
        raise InvalidInput(f"Invalid service principal {service_name}.")
    labels = re.split(r"[.-]", service_name.removesuffix(_SERVICE_SUFFIX))
    return LinkedService("".join(label[:1].upper() + label[1:] for label in labels))


def service_role_name(service_name: str, custom_suffix: str | None) -> str:
    service = linked_service(service_name)
    name = ROLE_PREFIX + service.role_name
    if custom_suffix is None:
        return name
    if not service.allows_custom_suffix:
        raise InvalidInput(f"Custom suffix is not allowed for {service_name}")
    name = f"{name}_{custom_suffix}"
    if len(name) > MAX_ROLE_NAME:
        raise InvalidInput(f"Role name {name} is longer than {MAX_ROLE_NAME} characters.")
    return name


def trust_policy(service_name: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service_name},
        "Action": "sts:AssumeRole",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def name_taken(name: str) -> InvalidInput:
    return InvalidInput(
        f"Service role name {name} has been taken in this account, please try a different suffix."
    )


def create_service_linked_role(ctx: OperationContext, params: Params) -> Output:
    service_name = params["AWSServiceName"]
    name = service_role_name(service_name, params.get("CustomSuffix"))
    if roles.find_role(ctx.conn, ctx.account_id, name) is not None:
        raise name_taken(name)
    path = f"{SERVICE_ROLE_PATH}{service_name}/"
    description = params.get("Description")
    role = new_role(ctx, name, path, trust_policy(service_name), description=description)
    try:
        output = store_new_role(ctx, role, [])
    except EntityAlreadyExists:  # a concurrent create took the name after we looked
        raise name_taken(name) from None
    if role.description:
        output["Description"] = role.description
    return {"Role": output}


def service_linked_role(ctx: OperationContext, name: str) -> Role:
    role = roles.get_role(ctx.conn, ctx.account_id, name)
    if not role.path.startswith(SERVICE_ROLE_PATH):
        raise NoSuchEntity(f"Role {role.name} is not a service-linked role.")
    return role


def delete_service_linked_role(ctx: OperationContext, params: Params) -> Output:
    role = service_linked_role(ctx, params["RoleName"])
    roles.delete_role_with_policies(ctx.conn, role)
    tags.drop_all_tags(ctx.conn, TAG_KIND, role.role_id)
    # The path is /aws-service-role/<service>/, so the task id names the service.
    task_id = f"task{role.path}{role.name}/{uuid.uuid4()}"
    return {"DeletionTaskId": task_id}


def get_service_linked_role_deletion_status(ctx: OperationContext, params: Params) -> Output:
    """Deletion is immediate: a task iamd could have handed out has succeeded."""
    task_id = params["DeletionTaskId"]
    if _TASK_ID.fullmatch(task_id) is None:
        raise InvalidInput(f"Invalid deletion task id: {task_id}")
    return {"Status": "SUCCEEDED"}


OPERATIONS: OperationTable = {
    "CreateServiceLinkedRole": create_service_linked_role,
    "DeleteServiceLinkedRole": delete_service_linked_role,
    "GetServiceLinkedRoleDeletionStatus": get_service_linked_role_deletion_status,
}
