"""Checks that the table the code creates locally is the table infra/template.yaml deploys.

Usage: check_infra.py TABLE_DEFINITION_JSON   (the output of `devserver table-definition`)
"""
import json
import sys

from cfnlint.decode import decode


def canonical(value):
    """Order-insensitive form of lists of dicts, so only content is compared."""
    if isinstance(value, list):
        return sorted((canonical(v) for v in value), key=json.dumps)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def main():
    template, matches = decode("infra/template.yaml")
    if matches:
        sys.exit(f"cannot read the template: {matches}")
    table = template["Resources"]["ActivityTable"]["Properties"]
    local = json.load(open(sys.argv[1]))
    failures = []
    for key, want in local.items():
        got = table.get(key)
        if canonical(json.loads(json.dumps(got))) != canonical(want):
            failures.append(f"{key}: template has {json.dumps(got)}, local table has {json.dumps(want)}")
    if not table.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
        failures.append("point-in-time recovery must be enabled")
    if failures:
        sys.exit("template and local table differ:\n  " + "\n  ".join(failures))
    print(f"table definition matches the template ({len(local)} properties)")


if __name__ == "__main__":
    main()
