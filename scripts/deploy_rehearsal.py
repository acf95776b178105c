"""The deploy rehearsal: what AWS would check of the built stack, checked against the local stand-in.

After `sam build`, `scripts/deploy-rehearsal.sh` runs the README's deploy command against the
stand-in (moto's CloudFormation, IAM, Lambda, S3, with the SAM transform expanded as AWS does,
`scripts/moto_patches.py`) and then this script checks:

1. artifacts: every function of the built template has an executable aarch64 `bootstrap` at the root
   of its code, within Lambda's limits (50 MB zipped, 250 MB unzipped), and the *deployed* stack's
   functions point at such code (the uploaded zips are read back);
2. resources: the stack is created, and every resource of the expanded template exists in the
   stand-in, except the types it cannot create (`NOT_EMULATED`, listed in the README);
3. permissions: every AWS call each function made during the tests (recorded by the stand-in, signed
   with the function's logical id by the dev server) is allowed by that function's role as deployed
   (inline and managed policies, ARNs resolved by CloudFormation), and so is what Lambda does with
   the role (logs, the stream and queue event sources, the on-failure destination, SQS's KMS key);
4. that check is not vacuous: removing any one action the calls need from a function's role makes
   it fail.

Usage: deploy_rehearsal.py STACK_NAME CALL_LOG [BUILD_DIR]
"""

import io
import json
import os
import stat
import sys
import zipfile
from typing import Any, Iterable, Optional

import boto3
from cfnlint.decode import cfn_yaml

import aws_calls
import iam_policy

# Lambda's deployment package limits (direct upload and S3: 50 MB zipped, 250 MB unzipped).
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024

# Resource types the stand-in's CloudFormation cannot create; the README says why each is not
# rehearsed and what else checks it (cfn-lint, checkov, sam validate).
NOT_EMULATED = {
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    # The stand-in accepts these but does not list them among the stack's resources; the Glue
    # table's columns are compared with the writer's by `make check-infra`.
    "AWS::Athena::WorkGroup",
    "AWS::Glue::Database",
    "AWS::Glue::Table",
    "AWS::CloudWatch::Alarm",
    "AWS::S3::BucketPolicy",
    "AWS::Scheduler::Schedule",
    "AWS::Scheduler::ScheduleGroup",
}

# Who signs as what: the harness's own calls (creating tables, reading what was stored) are signed
# with the local default key and belong to no function.
HARNESS = {"local", "dummy"}


class Failures(list):
    """What the rehearsal found wrong, as sentences, each once."""

    def append(self, message: str) -> None:
        if message not in self:
            super().append(message)

    def extend(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.append(message)

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.append(message)


def aarch64_executable(data: bytes) -> Optional[str]:
    """Why `data` is not a Linux aarch64 executable, or `None`."""
    if data[:4] != b"\x7fELF":
        return "is not an ELF executable"
    machine = int.from_bytes(data[18:20], "little")
    return None if machine == 183 else f"is built for ELF machine {machine}, not aarch64 (183)"


def check_package(name: str, package: bytes, failures: Failures) -> None:
    """A function's zip as Lambda gets it: `bootstrap` at its root, executable, aarch64, in limits."""
    failures.check(len(package) <= MAX_ZIPPED, f"{name}: its zip is {len(package)} bytes, over Lambda's {MAX_ZIPPED}")
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        entries = {info.filename: info for info in archive.infolist()}
        unzipped = sum(info.file_size for info in entries.values())
        failures.check(unzipped <= MAX_UNZIPPED, f"{name}: unzipped {unzipped} bytes, over Lambda's {MAX_UNZIPPED}")
        info = entries.get("bootstrap")
        if info is None:
            failures.append(f"{name}: no bootstrap at the root of its code (found {sorted(entries)[:5]})")
            return
        mode = info.external_attr >> 16
        failures.check(bool(mode & stat.S_IXUSR), f"{name}: bootstrap is not executable (mode {oct(mode)})")
        why = aarch64_executable(archive.read(info))
        failures.check(why is None, f"{name}: bootstrap {why}")


def zip_directory(path: str) -> bytes:
    """The directory zipped as `sam package` zips a CodeUri (permissions kept)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, _, files in os.walk(path):
            for file in sorted(files):
                full = os.path.join(root, file)
                info = zipfile.ZipInfo(os.path.relpath(full, path))
                info.external_attr = (os.stat(full).st_mode & 0xFFFF) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(full, "rb") as handle:
                    archive.writestr(info, handle.read())
    return buffer.getvalue()


def functions_of(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") == "AWS::Serverless::Function"}


def check_build(build_dir: str, failures: Failures) -> list[str]:
    """Every function of the built template, zipped from its build directory; their logical ids."""
    template = load_template(os.path.join(build_dir, "template.yaml"))
    names = []
    for name, function in functions_of(template).items():
        names.append(name)
        code = function["Properties"].get("CodeUri")
        directory = os.path.join(build_dir, str(code))
        if not isinstance(code, str) or not os.path.isdir(directory) or os.path.abspath(directory) == os.path.abspath("."):
            failures.append(f"{name}: built CodeUri {code!r} is not its own build directory")
            continue
        check_package(name, zip_directory(directory), failures)
    failures.check(bool(names), "the built template has no function")
    return names


def load_template(path: str) -> dict[str, Any]:
    """A template file, CloudFormation's short forms (`!Ref`, `!GetAtt`, ...) in their long form."""
    with open(path, encoding="utf-8") as handle:
        return _plain(cfn_yaml.loads(handle.read()))


def _plain(value: Any) -> Any:
    """cfn-lint's node types as plain dicts, lists and strings."""
    return json.loads(json.dumps(value))


class Stack:
    """The deployed stack in the stand-in."""

    def __init__(self, name: str):
        self.name = name
        self.cfn = boto3.client("cloudformation")
        self.iam = boto3.client("iam")
        self.lam = boto3.client("lambda")
        self.s3 = boto3.client("s3")
        self.sqs = boto3.client("sqs")
        self.dynamodb = boto3.client("dynamodb")
        described = self.cfn.describe_stacks(StackName=name)["Stacks"][0]
        self.status = described["StackStatus"]
        self.parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in described.get("Parameters", [])}
        summaries = self.cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
        self.physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in summaries if r["LogicalResourceId"]}
        self.created = {
            r["LogicalResourceId"] for r in summaries if r.get("ResourceStatus") in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
        }
        body = self.cfn.get_template(StackName=name)["TemplateBody"]
        self.template = _plain(cfn_yaml.loads(body) if isinstance(body, str) else body)

    def expanded(self) -> dict[str, Any]:
        """The template as CloudFormation expands it (the SAM transform applied)."""
        from samtranslator.translator.transform import transform

        class NoManagedPolicies:
            def load(self) -> dict[str, str]:
                return {}

        return transform(json.loads(json.dumps(self.template)), {}, NoManagedPolicies())

    def resources(self) -> "aws_calls.Resources":
        table = self.physical["ActivityTable"]
        described = self.dynamodb.describe_table(TableName=table)["Table"]
        queue_url = self.physical["ExportFailuresQueue"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        _, partition, _, region, account, _ = described["TableArn"].split(":", 5)
        return aws_calls.Resources(
            partition=partition,
            region=region,
            account=account,
            table=table,
            table_stream_arn=described["LatestStreamArn"],
            bucket=self.physical["ReportsBucket"],
            queue_arn=queue_arn,
            secret_name=self.parameters.get("SigningKeysSecretName") or "planroom-activity/signing-keys",
            queue_by_principal={"WebhookFunction": self.queue_arn("WebhookQueue")},
            bus_arn=f"arn:{partition}:events:{region}:{account}:event-bus/{self.name}-activity",
            schedule_group=f"{self.name}-deadlines",
            scheduler_role_arn=self.role_arn("WebhookSchedulerRole"),
        )

    def role_arn(self, logical: str) -> str:
        """The ARN of the role the template calls `logical`."""
        return self.iam.get_role(RoleName=self.physical[logical])["Role"]["Arn"]

    def queue_arn(self, logical: str) -> str:
        """The ARN of the queue the template calls `logical`."""
        url = self.physical[logical]
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def role_documents(self, function: str) -> list[dict[str, Any]]:
        """Every policy document of the function's role: inline and attached (AWS managed included)."""
        role_arn = self.lam.get_function(FunctionName=self.physical[function])["Configuration"]["Role"]
        role = role_arn.rsplit("/", 1)[-1]
        documents = []
        for policy in self.iam.list_role_policies(RoleName=role)["PolicyNames"]:
            documents.append(_document(self.iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]))
        for attached in self.iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
            policy = self.iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            version = self.iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
            documents.append(_document(version["PolicyVersion"]["Document"]))
        return documents

    def code(self, function: str) -> bytes:
        """The zip the deployed template points the function at, read back from S3."""
        uri = self.template["Resources"][function]["Properties"]["CodeUri"]
        if isinstance(uri, dict):
            bucket, key = uri["Bucket"], uri["Key"]
        else:
            bucket, _, key = str(uri).removeprefix("s3://").partition("/")
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _document(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else value


def check_resources(stack: Stack, failures: Failures) -> dict[str, Any]:
    failures.check(stack.status == "CREATE_COMPLETE" or stack.status == "UPDATE_COMPLETE", f"stack status {stack.status}")
    expanded = stack.expanded()
    for logical, resource in expanded["Resources"].items():
        if resource["Type"] in NOT_EMULATED or resource.get("Condition"):
            continue
        failures.check(logical in stack.created, f"{logical} ({resource['Type']}) was not created")
    return expanded


def service_requests(expanded: dict[str, Any], function: str, stack: Stack, where: "aws_calls.Resources") -> list[tuple[str, str, dict[str, list[str]]]]:
    """What Lambda itself does with the function's role: write its logs, poll its event sources,
    send to its on-failure destination (through SQS's KMS key when the queue is encrypted)."""
    name = stack.physical[function]
    log_group = f"arn:{where.partition}:logs:{where.region}:{where.account}:log-group:/aws/lambda/{name}:*"
    requests = [("logs:CreateLogStream", log_group, {}), ("logs:PutLogEvents", log_group, {})]
    kms = {"kms:ViaService": [f"sqs.{where.region}.amazonaws.com"], "kms:ResourceAliases": ["alias/aws/sqs"]}
    key = f"arn:{where.partition}:kms:{where.region}:{where.account}:key/00000000-0000-0000-0000-000000000000"
    for resource in expanded["Resources"].values():
        if resource["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        props = resource["Properties"]
        if props.get("FunctionName") != {"Ref": function}:
            continue
        source = json.dumps(props.get("EventSourceArn"))
        if "StreamArn" in source:
            for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"):
                requests.append((action, where.table_stream_arn, {}))
            requests.append(("dynamodb:ListStreams", "*", {}))
        elif "Queue" in source:
            # `{"Fn::GetAtt": [queue, "Arn"]}`: the queue this function polls, as deployed.
            arn = props.get("EventSourceArn")
            logical = arn.get("Fn::GetAtt", [None])[0] if isinstance(arn, dict) else None
            polled = stack.queue_arn(logical) if logical in stack.physical else where.queue_arn
            for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
                requests.append((action, polled, {}))
            requests.append(("kms:Decrypt", key, kms))
        destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if destination is not None:
            # `{"Fn::GetAtt": [queue, "Arn"]}`: the queue of this event source, as deployed.
            logical = destination.get("Fn::GetAtt", [None])[0] if isinstance(destination, dict) else None
            queue = stack.queue_arn(logical) if logical in stack.physical else where.queue_arn
            requests.append(("sqs:SendMessage", queue, {}))
            requests.append(("kms:GenerateDataKey", key, kms))
    return requests


def check_permissions(
    stack: Stack, expanded: dict[str, Any], calls: list[dict[str, Any]], functions: Iterable[str], failures: Failures
) -> dict[str, int]:
    """Every recorded call and every Lambda service action, against the function's role; and the
    same check with each needed action removed, which must fail. Answers the calls checked per function."""
    where = stack.resources()
    checked: dict[str, int] = {}
    known = set(functions)
    for principal in sorted(aws_calls.principals(calls) - HARNESS - known):
        failures.append(f"calls signed as {principal!r}, which is no function of the template")
    for function in sorted(known):
        documents = stack.role_documents(function)
        needed: list[tuple[str, str, dict[str, list[str]]]] = []
        for call in (c for c in calls if c["principal"] == function):
            context = aws_calls.condition_context(call)
            needed.extend((action, resource, context) for action, resource in aws_calls.iam_requests(call, where))
        checked[function] = len(needed)
        needed.extend(service_requests(expanded, function, stack, where))
        failures.extend(refusals(function, documents, needed))
        failures.extend(vacuous(function, documents, needed))
    return checked


Request = tuple[str, str, dict[str, list[str]]]


def refusals(function: str, documents: list[dict[str, Any]], needed: Iterable[Request]) -> list[str]:
    """Each (action, resource, condition context) the role does not allow, as a sentence."""
    found = []
    for action, resource, context in needed:
        verdict = iam_policy.decide(documents, action, resource, context)
        if verdict != iam_policy.ALLOWED:
            found.append(f"{function}: {action} on {resource} is {verdict} by its role")
    return found


def vacuous(function: str, documents: list[dict[str, Any]], needed: list[Request]) -> list[str]:
    """The actions whose removal from the role the check would not notice (none, if it works)."""
    found = []
    for action in sorted({a for a, _, _ in needed}):
        trimmed = iam_policy.without_action(documents, action)
        if not refusals(function, trimmed, [r for r in needed if r[0] == action]):
            found.append(f"{function}: the check still passes with {action} removed from its role")
    return found


def main() -> None:
    stack_name, call_log = sys.argv[1], sys.argv[2]
    build_dir = sys.argv[3] if len(sys.argv) > 3 else ".aws-sam/build"
    failures = Failures()
    functions = check_build(build_dir, failures)
    stack = Stack(stack_name)
    expanded = check_resources(stack, failures)
    for function in functions:
        check_package(f"{function} (deployed)", stack.code(function), failures)
    calls = aws_calls.read_log(call_log)
    failures.check(bool(calls), f"no AWS call was recorded in {call_log}: run the tests with STAND_IN_CALL_LOG set")
    checked = check_permissions(stack, expanded, calls, functions, failures)
    for function in functions:
        failures.check(checked.get(function, 0) > 0, f"{function}: the tests recorded no call of it")
    if failures:
        sys.exit("the deploy rehearsal failed:\n  " + "\n  ".join(failures))
    summary = ", ".join(f"{f} {n}" for f, n in sorted(checked.items()))
    print(f"deploy rehearsal: {len(functions)} functions built and deployed with bootstrap at their root; "
          f"{len(stack.created)} resources created; recorded calls allowed by each role ({summary} "
          f"action-resource pairs); removing any needed action is caught")


if __name__ == "__main__":
    main()
