"""Unit tests of the deploy rehearsal's own checks (run by `make test` before the rehearsal):
they must refuse a role lacking an action a function issues, and code without a bootstrap.

Usage: .venv/bin/python -m unittest discover -s scripts -p 'test_*.py'
"""

import io
import stat
import unittest
import zipfile

import aws_calls
import deploy_rehearsal
import iam_policy

WHERE = aws_calls.Resources(
    partition="aws",
    region="us-east-1",
    account="123456789012",
    table="stack-ActivityTable-ABC",
    table_stream_arn="arn:aws:dynamodb:us-east-1:123456789012:table/stack-ActivityTable-ABC/stream/2026-12-04T00:00:00.000",
    bucket="stack-reportsbucket-abc",
    queue_arn="arn:aws:sqs:us-east-1:123456789012:stack-ExportFailuresQueue-ABC",
    secret_name="planroom-activity/signing-keys",
)
TABLE = WHERE.table_arn()
CAPTURE_ROLE = [
    {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
        "Resource": TABLE,
    }]},
    {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
        "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:planroom-activity/signing-keys-??????",
    }]},
]


def decide(documents, action, resource, context=None):
    return iam_policy.decide(documents, action, resource, context)


class PolicyEvaluation(unittest.TestCase):
    def test_actions_match_case_insensitively_and_resources_exactly(self):
        self.assertEqual(decide(CAPTURE_ROLE, "DynamoDB:getitem", TABLE), iam_policy.ALLOWED)
        self.assertEqual(decide(CAPTURE_ROLE, "dynamodb:GetItem", TABLE.lower()), iam_policy.NOT_ALLOWED)
        self.assertEqual(decide(CAPTURE_ROLE, "dynamodb:Query", TABLE), iam_policy.NOT_ALLOWED)
        self.assertEqual(decide(CAPTURE_ROLE, "dynamodb:GetItem", TABLE + "/index/gsi1"), iam_policy.NOT_ALLOWED)

    def test_question_marks_match_one_character(self):
        self.assertEqual(decide(CAPTURE_ROLE, "secretsmanager:GetSecretValue", WHERE.secret_arn()), iam_policy.ALLOWED)
        other = WHERE.secret_arn().replace("-AbCdEf", "-AbCdE")
        self.assertEqual(decide(CAPTURE_ROLE, "secretsmanager:GetSecretValue", other), iam_policy.NOT_ALLOWED)

    def test_an_explicit_deny_wins_and_wildcards_grant(self):
        documents = [
            {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]},
            {"Statement": {"Effect": "Deny", "Action": "dynamodb:Scan", "Resource": "*"}},
        ]
        self.assertEqual(decide(documents, "dynamodb:Query", TABLE), iam_policy.ALLOWED)
        self.assertEqual(decide(documents, "dynamodb:Scan", TABLE), iam_policy.DENIED)

    def test_conditions_must_hold_and_unknown_operators_grant_nothing(self):
        kms = [{"Statement": [{
            "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"},
                          "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/aws/sqs"}},
        }]}]
        via_sqs = {"kms:ViaService": ["sqs.us-east-1.amazonaws.com"], "kms:ResourceAliases": ["alias/aws/sqs"]}
        self.assertEqual(decide(kms, "kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k", via_sqs), iam_policy.ALLOWED)
        direct = {"kms:ResourceAliases": ["alias/aws/sqs"]}
        self.assertEqual(decide(kms, "kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k", direct), iam_policy.NOT_ALLOWED)
        odd = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                               "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "60"}}}]}]
        self.assertEqual(decide(odd, "s3:GetObject", "*", {"aws:MultiFactorAuthAge": ["1"]}), iam_policy.NOT_ALLOWED)

    def test_removing_an_action_removes_the_wildcards_that_grant_it(self):
        documents = [{"Statement": [{"Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:Query"], "Resource": "*"}]}]
        trimmed = iam_policy.without_action(documents, "dynamodb:GetItem")
        self.assertEqual(decide(trimmed, "dynamodb:GetItem", TABLE), iam_policy.NOT_ALLOWED)
        self.assertEqual(decide(trimmed, "dynamodb:Query", TABLE), iam_policy.ALLOWED)


class CallMapping(unittest.TestCase):
    def test_transactions_need_each_parts_action_and_queries_name_their_index(self):
        transact = {"principal": "CaptureFunction", "service": "dynamodb", "operation": "TransactWriteItems",
                    "TransactItems": [["ConditionCheck", "t"], ["Put", "t"], ["Update", "t"]]}
        self.assertEqual(
            aws_calls.iam_requests(transact, WHERE),
            [("dynamodb:ConditionCheckItem", TABLE), ("dynamodb:PutItem", TABLE), ("dynamodb:UpdateItem", TABLE)],
        )
        query = {"principal": "QueryFunction", "service": "dynamodb", "operation": "Query", "TableName": "local",
                 "IndexName": "gsi2"}
        self.assertEqual(aws_calls.iam_requests(query, WHERE), [("dynamodb:Query", TABLE + "/index/gsi2")])
        records = {"principal": "ExportWorkerFunction", "service": "dynamodb", "operation": "GetRecords"}
        self.assertEqual(aws_calls.iam_requests(records, WHERE), [("dynamodb:GetRecords", WHERE.table_stream_arn)])

    def test_s3_multipart_calls_are_put_object_and_an_abort_its_own_action(self):
        key = "/local-bucket/exports/p/e.csv"
        bucket = "arn:aws:s3:::stack-reportsbucket-abc"
        cases = [
            ("POST", ["uploads"], "s3:PutObject"),
            ("PUT", ["partNumber", "uploadId"], "s3:PutObject"),
            ("POST", ["uploadId"], "s3:PutObject"),
            ("DELETE", ["uploadId"], "s3:AbortMultipartUpload"),
            ("GET", [], "s3:GetObject"),
        ]
        for method, query, action in cases:
            call = {"principal": "ExportWorkerFunction", "service": "s3", "method": method, "path": key, "query": query}
            self.assertEqual(aws_calls.iam_requests(call, WHERE), [(action, bucket + "/exports/p/e.csv")], method)

    def test_the_recorder_reads_the_signer_from_a_header_or_a_presigned_url(self):
        header = {"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=CaptureFunction/20261204/us-east-1/dynamodb/"
                  "aws4_request, SignedHeaders=host, Signature=abc", "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.GetItem"}
        call = aws_calls.reduce_call(header, b'{"TableName": "t", "Key": {}}')
        self.assertEqual((call["principal"], call["operation"], call["TableName"]), ("CaptureFunction", "GetItem", "t"))
        presigned = {"REQUEST_METHOD": "GET", "PATH_INFO": "/b/exports/x.csv",
                     "QUERY_STRING": "X-Amz-Credential=ExportFunction%2F20261204%2Fus-east-1%2Fs3%2Faws4_request&"
                                     "response-content-disposition=attachment"}
        call = aws_calls.reduce_call(presigned, b"")
        self.assertEqual((call["principal"], call["service"], call["query"]), ("ExportFunction", "s3", []))
        self.assertIsNone(aws_calls.reduce_call({"PATH_INFO": "/moto-api/"}, b""))


def package(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


ARM = b"\x7fELF" + b"\x02\x01\x01" + bytes(9) + b"\x02\x00" + (183).to_bytes(2, "little") + bytes(40)
X86 = ARM[:18] + (62).to_bytes(2, "little") + ARM[20:]
EXECUTABLE = stat.S_IFREG | 0o755


class Artifacts(unittest.TestCase):
    def failures(self, entries):
        found = deploy_rehearsal.Failures()
        deploy_rehearsal.check_package("CaptureFunction", package(entries), found)
        return found

    def test_an_aarch64_bootstrap_at_the_root_passes(self):
        self.assertEqual(self.failures([("bootstrap", ARM, EXECUTABLE)]), [])

    def test_code_without_a_bootstrap_at_its_root_fails(self):
        for entries in ([("README.md", b"x", 0o644)], [("target/bootstrap", ARM, EXECUTABLE)]):
            found = self.failures(entries)
            self.assertEqual(len(found), 1, found)
            self.assertIn("no bootstrap at the root", found[0])

    def test_a_bootstrap_that_cannot_run_on_lambda_fails(self):
        self.assertIn("not executable", " ".join(self.failures([("bootstrap", ARM, stat.S_IFREG | 0o644)])))
        self.assertIn("not aarch64", " ".join(self.failures([("bootstrap", X86, EXECUTABLE)])))
        self.assertIn("not an ELF", " ".join(self.failures([("bootstrap", b"#!/bin/sh\n", EXECUTABLE)])))


class Permissions(unittest.TestCase):
    CALLS = [
        {"principal": "CaptureFunction", "service": "dynamodb", "operation": "BatchGetItem", "Tables": ["local"]},
        {"principal": "CaptureFunction", "service": "dynamodb", "operation": "TransactWriteItems",
         "TransactItems": [["Put", "local"], ["Update", "local"]]},
        {"principal": "CaptureFunction", "service": "secretsmanager", "operation": "GetSecretValue", "SecretId": "x"},
    ]

    def needed(self):
        return [(a, r, {}) for call in self.CALLS for a, r in aws_calls.iam_requests(call, WHERE)]

    def test_the_role_as_granted_allows_every_call(self):
        self.assertEqual(deploy_rehearsal.refusals("CaptureFunction", CAPTURE_ROLE, self.needed()), [])
        self.assertEqual(deploy_rehearsal.vacuous("CaptureFunction", CAPTURE_ROLE, self.needed()), [])

    def test_a_role_lacking_an_operation_the_function_issues_fails(self):
        lacking = iam_policy.without_action(CAPTURE_ROLE, "dynamodb:BatchGetItem")
        found = deploy_rehearsal.refusals("CaptureFunction", lacking, self.needed())
        self.assertEqual(found, [f"CaptureFunction: dynamodb:BatchGetItem on {TABLE} is not allowed by its role"])

    def test_a_grant_on_another_resource_does_not_count(self):
        elsewhere = [{"Statement": [{"Effect": "Allow", "Action": "dynamodb:*",
                                     "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/other"}]}]
        self.assertEqual(len(deploy_rehearsal.refusals("CaptureFunction", elsewhere, self.needed())), 4)


if __name__ == "__main__":
    unittest.main()
