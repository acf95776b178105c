"""Checks that the code and infra/template.yaml describe the same service.

Usage: check_infra.py TABLE_DEFINITION_JSON ROUTES_JSON CORS_JSON PRINCIPALS_JSON LAKE_COLUMNS_JSON
  TABLE_DEFINITION_JSON: output of `devserver table-definition` (the table the code creates locally)
  ROUTES_JSON:           output of `devserver routes` (the routes the dev server serves)
  CORS_JSON:             output of `devserver cors` (the dev server's CORS methods, headers, max age)
  PRINCIPALS_JSON:       output of `devserver principals` (who the dev server signs each function's calls as)
  LAKE_COLUMNS_JSON:     output of `devserver lake-columns` (the columns the lake's writer writes)
"""
import json
import re
import sys
import tomllib

from cfnlint.decode import decode


def canonical(value):
    """Order-insensitive form of lists of dicts, so only content is compared."""
    if isinstance(value, list):
        return sorted((canonical(v) for v in value), key=json.dumps)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def check_table(template, local):
    table = template["Resources"]["ActivityTable"]["Properties"]
    failures = []
    for key, want in local.items():
        got = json.loads(json.dumps(table.get(key)))
        if canonical(got) != canonical(want):
            failures.append(f"table {key}: template has {json.dumps(got)}, local table has {json.dumps(want)}")
    if not table.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
        failures.append("table: point-in-time recovery must be enabled")
    return failures


def template_routes(template):
    routes = {}
    for resource in template["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "HttpApi":
                continue
            props = event["Properties"]
            authorizer = props.get("Auth", {}).get("Authorizer")
            # Without Method and Path, SAM makes API Gateway's catch-all route.
            key = f"{props['Method'].upper()} {props['Path']}" if "Path" in props else "$default"
            routes[key] = authorizer != "NONE"
    return routes


def check_routes(template, served):
    failures = []
    declared = template_routes(template)
    served = {r["key"]: r["auth"] for r in served}
    for key in sorted(set(declared) | set(served)):
        if key not in served:
            failures.append(f"route {key} is in the template but the dev server does not serve it")
        elif key not in declared:
            failures.append(f"route {key} is served by the dev server but not in the template")
        elif declared[key] != served[key]:
            failures.append(f"route {key}: JWT authorizer {declared[key]} in the template, {served[key]} in the code")
    return failures, len(declared)


BUDGETS = {"REQUEST_BUDGET_MS": None, "REDIRECT_BUDGET_MS": 3000}


def check_budgets(template):
    """Every function answers within its time budget, which must end a second before its timeout
    (and, for tracked links, leave the recipient's redirect under 3 s)."""
    failures = []
    globals_ = template.get("Globals", {}).get("Function", {})
    default_timeout = globals_.get("Timeout", 3)
    default_env = globals_.get("Environment", {}).get("Variables", {})
    for name, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        if not any(e.get("Type") == "HttpApi" for e in props.get("Events", {}).values()):
            continue
        timeout_ms = 1000 * props.get("Timeout", default_timeout)
        env = {**default_env, **props.get("Environment", {}).get("Variables", {})}
        budget = env.get("REDIRECT_BUDGET_MS") if name == "RedirectFunction" else env.get("REQUEST_BUDGET_MS")
        ceiling = BUDGETS["REDIRECT_BUDGET_MS"] if name == "RedirectFunction" else None
        if budget is None:
            failures.append(f"{name}: no time budget set")
            continue
        if int(budget) + 1000 > timeout_ms:
            failures.append(f"{name}: budget {budget} ms is not a second below its timeout of {timeout_ms} ms")
        if ceiling is not None and int(budget) + 500 > ceiling:
            failures.append(f"{name}: budget {budget} ms leaves no room to redirect within {ceiling} ms")
    return failures


def check_signing_keys(template):
    """Keys never sit in a function's configuration; who reads the secret may, and only they may."""
    failures = []
    globals_env = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    for name, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        env = {**globals_env, **props.get("Environment", {}).get("Variables", {})}
        if "SIGNING_KEYS" in env:
            failures.append(f"{name}: SIGNING_KEYS in its environment (keys belong in the secret)")
        reads = "SIGNING_KEYS_SECRET_ID" in env
        allowed = {"Ref": "SigningKeysReadPolicy"} in props.get("Policies", [])
        if reads != allowed:
            failures.append(f"{name}: reads the signing keys secret {reads}, allowed to {allowed}")
    return failures


def check_cors(template, local):
    """The dev server answers CORS with the template's methods, headers, exposed headers and max age."""
    cors = template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]
    failures = []
    for key in ("AllowMethods", "AllowHeaders", "ExposeHeaders"):
        if sorted(cors.get(key, [])) != sorted(local[key]):
            failures.append(f"CORS {key}: template {cors.get(key)}, dev server {local[key]}")
    if cors.get("MaxAge") != local["MaxAge"]:
        failures.append(f"CORS MaxAge: template {cors.get('MaxAge')}, dev server {local['MaxAge']}")
    return failures


def check_principals(template, principals):
    """The dev server signs each function's AWS calls as the function's logical id, so the deploy
    rehearsal can check them against that function's role: every function of the template, no other."""
    functions = sorted(k for k, v in template["Resources"].items() if v.get("Type") == "AWS::Serverless::Function")
    if sorted(principals) != functions:
        return [f"dev server principals {sorted(principals)} are not the template's functions {functions}"]
    return []


def check_parameters(template):
    """Every parameter is used by something (a parameter nothing reads misleads whoever sets it)."""
    text = json.dumps(template["Resources"]) + json.dumps(template.get("Conditions", {})) + json.dumps(
        template.get("Globals", {})
    ) + json.dumps(template.get("Outputs", {}))
    failures = []
    for name in template.get("Parameters", {}):
        if f'"Ref": "{name}"' not in text and not re.search(r"\$\{" + re.escape(name) + r"[}.]", text):
            failures.append(f"parameter {name} is used by nothing")
    return failures


JUDGE_SETTINGS = [
    "SCANNER_BURST_LINKS",
    "SCANNER_BURST_WINDOW_SECONDS",
    "SCANNER_BLAST_RECIPIENTS",
    "SCANNER_BLAST_WINDOW_SECONDS",
    "SCANNER_BLAST_HORIZON_SECONDS",
    "SCANNER_SEND_WINDOW_SECONDS",
]


def check_stream_consumers(template):
    """Every stream-triggered function's filters are valid JSON patterns of inserts; the judge of
    tracked-link hits gets each of its windows from a parameter (functions/redirect/src/judge.rs
    reads them) and is handed the rows it judges (hits and landing pages)."""
    failures = []
    for name, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event_name, event in resource["Properties"].get("Events", {}).items():
            if event.get("Type") != "DynamoDB":
                continue
            for entry in event["Properties"].get("FilterCriteria", {}).get("Filters", []):
                try:
                    pattern = json.loads(entry["Pattern"])
                except (KeyError, ValueError) as err:
                    failures.append(f"{name}.{event_name}: filter pattern is not JSON: {err}")
                    continue
                if pattern.get("eventName") != ["INSERT"]:
                    failures.append(f"{name}.{event_name}: filter {entry['Pattern']} must keep inserts only")
            if "DestinationConfig" not in event["Properties"]:
                failures.append(f"{name}.{event_name}: a stream source without an on-failure destination loses batches")
    judge = template["Resources"].get("HitJudgeFunction", {}).get("Properties", {})
    variables = judge.get("Environment", {}).get("Variables", {})
    for setting in JUDGE_SETTINGS:
        if not isinstance(variables.get(setting), dict) or "Ref" not in variables[setting]:
            failures.append(f"HitJudgeFunction: {setting} must come from a template parameter")
    patterns = json.dumps(judge.get("Events", {}))
    for row in ("hit", "landing_of"):
        if f'\\"{row}\\"' not in patterns:
            failures.append(f"HitJudgeFunction: its stream filter must hand it rows with {row}")
    return failures


def check_lake(template, columns):
    """The Glue table Athena reads is the table the lake's writer writes: the same columns, in
    order, with the same types, partitioned by planroom and day, and projected (no crawler)."""
    failures = []
    table = template["Resources"].get("LakeTable", {}).get("Properties", {}).get("TableInput", {})
    declared = table.get("StorageDescriptor", {}).get("Columns", [])
    if [(c["Name"], c["Type"]) for c in declared] != [(c["Name"], c["Type"]) for c in columns]:
        failures.append(f"LakeTable columns {declared} are not the writer's {columns}")
    if [p["Name"] for p in table.get("PartitionKeys", [])] != ["planroom", "day"]:
        failures.append("LakeTable must be partitioned by planroom, then day")
    if table.get("Parameters", {}).get("projection.enabled") != "true":
        failures.append("LakeTable must use partition projection")
    workgroup = template["Resources"].get("LakeWorkGroup", {}).get("Properties", {}).get("WorkGroupConfiguration", {})
    if not workgroup.get("EnforceWorkGroupConfiguration") or "BytesScannedCutoffPerQuery" not in workgroup:
        failures.append("LakeWorkGroup must enforce its configuration and a bytes-scanned limit")
    return failures


def check_samconfig(path="samconfig.toml"):
    """`sam deploy` deploys the built template (a global template_file would make it package the
    source template, zipping the repository root), and no environment sets an OIDC issuer (a
    placeholder one cannot resolve; the operator gives theirs)."""
    with open(path, "rb") as handle:
        config = tomllib.load(handle)
    failures = []
    for env, commands in config.items():
        if not isinstance(commands, dict):
            continue
        if "template_file" in commands.get("global", {}).get("parameters", {}):
            failures.append(f"samconfig [{env}.global]: template_file there makes sam deploy package the source template")
        deploy = commands.get("deploy", {}).get("parameters", {})
        if deploy and deploy.get("template_file") != ".aws-sam/build/template.yaml":
            failures.append(f"samconfig [{env}.deploy]: template_file must be the built .aws-sam/build/template.yaml")
        if "JwtIssuer" in str(deploy.get("parameter_overrides", "")):
            failures.append(f"samconfig [{env}.deploy]: sets JwtIssuer; the operator gives their own issuer")
        for command in ("build", "validate"):
            wanted = commands.get(command, {}).get("parameters", {}).get("template_file")
            if wanted != "infra/template.yaml":
                failures.append(f"samconfig [{env}.{command}]: template_file must be infra/template.yaml, not {wanted}")
    return failures


def main():
    template, matches = decode("infra/template.yaml")
    if matches:
        sys.exit(f"cannot read the template: {matches}")
    failures = check_table(template, json.load(open(sys.argv[1])))
    route_failures, count = check_routes(template, json.load(open(sys.argv[2])))
    failures += route_failures
    failures += check_budgets(template)
    failures += check_cors(template, json.load(open(sys.argv[3])))
    failures += check_signing_keys(template)
    failures += check_principals(template, json.load(open(sys.argv[4])))
    failures += check_parameters(template)
    failures += check_stream_consumers(template)
    failures += check_samconfig()
    failures += check_lake(template, json.load(open(sys.argv[5])))
    if failures:
        sys.exit("code and template differ:\n  " + "\n  ".join(failures))
    print(
        f"table definition, {count} routes, the functions' time budgets, CORS and principals match the "
        "template; every parameter is used; stream consumers filter inserts and keep what fails; the "
        "judge's windows are parameters; samconfig deploys the built template; the lake's Glue table has the writer's columns"
    )


if __name__ == "__main__":
    main()
