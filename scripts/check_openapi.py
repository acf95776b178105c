"""Checks that infra/openapi.yaml describes the routes the code serves and the template declares.

Usage: check_openapi.py ROUTES_JSON TIME_ZONES_JSON
  ROUTES_JSON:     output of `devserver routes` (a JSON list of {"key": "METHOD /path", "auth": bool},
                   auth true when the route is behind the JWT authorizer)
  TIME_ZONES_JSON: output of `devserver time-zones` (the IANA names the server accepts)

Asserts that the (method, path) pairs of the dev server, of infra/template.yaml and of
infra/openapi.yaml are the same sets, path templates spelled alike; that JWT routes declare the
`bearerAuth` security scheme and the other routes do not; that the document is valid OpenAPI 3.1
(when openapi-spec-validator is installed, as it is in .venv) that its examples validate against
their schemas, and that its TimeZone enum is exactly the server's list of time zones. Run from the repository root with .venv/bin/python.
"""
import json
import sys

import yaml
from cfnlint.decode import decode

from check_infra import template_routes

OPENAPI = "infra/openapi.yaml"
TEMPLATE = "infra/template.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def openapi_routes(doc):
    """{"METHOD /path": [scheme names of the operation's effective security requirements]}."""
    routes = {}
    default = doc.get("security", [])
    for path, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            security = operation.get("security", default)
            routes[f"{method.upper()} {path}"] = sorted({name for req in security for name in req})
    return routes


def check_routes(served, declared, documented):
    failures = []
    for key in sorted(set(served) | set(declared) | set(documented)):
        missing = [
            where
            for where, routes in (("the dev server", served), ("the template", declared), (OPENAPI, documented))
            if key not in routes
        ]
        if missing:
            present = [
                where
                for where, routes in (("dev server", served), ("template", declared), ("openapi", documented))
                if key in routes
            ]
            failures.append(f"route {key}: in {', '.join(present)} but not in {' nor '.join(missing)}")
            continue
        if served[key] != declared[key]:
            failures.append(f"route {key}: JWT {served[key]} in the code, {declared[key]} in the template")
        schemes = documented[key]
        if served[key] and "bearerAuth" not in schemes:
            failures.append(f"route {key}: JWT route without bearerAuth security in {OPENAPI} (has {schemes})")
        if not served[key] and "bearerAuth" in schemes:
            failures.append(f"route {key}: route without JWT declares bearerAuth security in {OPENAPI}")
    return failures


def check_operations(doc):
    """operationIds unique and present, security schemes defined, error answers documented."""
    failures = []
    schemes = set((doc.get("components") or {}).get("securitySchemes") or {})
    seen = {}
    for path, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            key = f"{method.upper()} {path}"
            op_id = operation.get("operationId")
            if not op_id:
                failures.append(f"route {key}: no operationId")
            elif op_id in seen:
                failures.append(f"route {key}: operationId {op_id} also used by {seen[op_id]}")
            else:
                seen[op_id] = key
            for requirement in operation.get("security", doc.get("security", [])):
                for name in requirement:
                    if name not in schemes:
                        failures.append(f"route {key}: security scheme {name} is not in components.securitySchemes")
            responses = {str(code) for code in operation.get("responses", {})}
            if "503" not in responses:
                failures.append(f"route {key}: 503 (unavailable) is not documented")
            if "bearerAuth" in {n for r in operation.get("security", doc.get("security", [])) for n in r}:
                if "401" not in responses:
                    failures.append(f"route {key}: JWT route without a documented 401")
            if "requestBody" in operation:
                for code in ("400", "413", "422"):
                    if code not in responses:
                        failures.append(f"route {key}: has a body but no documented {code}")
    return failures


def check_document(doc):
    """The document is valid OpenAPI 3.1 and its examples validate against their schemas."""
    failures = []
    if not str(doc.get("openapi", "")).startswith("3.1"):
        failures.append(f"{OPENAPI}: openapi must be 3.1.x, not {doc.get('openapi')!r}")
    try:
        from openapi_spec_validator import validate
    except ImportError:
        print(f"note: openapi-spec-validator is not installed; {OPENAPI} was not validated as OpenAPI 3.1")
    else:
        try:
            validate(doc)
        except Exception as err:  # the validator's own error types vary between versions
            failures.append(f"{OPENAPI} is not valid OpenAPI: {str(err).splitlines()[0]}")
    failures += check_examples(doc)
    return failures


def check_examples(doc):
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    root = "urn:openapi"
    registry = Registry().with_resource(root, Resource.from_contents(doc, default_specification=DRAFT202012))
    failures = []

    def deref(node):
        while isinstance(node, dict) and "$ref" in node and len(node) == 1:
            node = registry.resolver(root).lookup(root + node["$ref"]).contents
        return node

    def validate(where, schema, value):
        # The schema's `$ref`s (made absolute by fix_refs) resolve against the document in the registry.
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
        for error in validator.iter_errors(value):
            failures.append(f"{where}: example does not match its schema: {error.message}")
            break

    def examples_of(holder):
        if "example" in holder:
            yield "example", holder["example"]
        for name, example in (holder.get("examples") or {}).items():
            example = deref(example)
            if isinstance(example, dict) and "value" in example:
                yield name, example["value"]

    for path, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            key = f"{method.upper()} {path}"
            for param in list(item.get("parameters", [])) + list(operation.get("parameters", [])):
                param = deref(param)
                for name, value in examples_of(param):
                    validate(f"{key} parameter {param['name']} example {name}", fix_refs(param["schema"]), value)
            body = deref(operation.get("requestBody") or {})
            for media, content in (body.get("content") or {}).items():
                for name, value in examples_of(content):
                    validate(f"{key} request {media} example {name}", fix_refs(content["schema"]), value)
            for code, response in (operation.get("responses") or {}).items():
                response = deref(response)
                for media, content in (response.get("content") or {}).items():
                    if "schema" not in content:
                        continue
                    for name, value in examples_of(content):
                        validate(f"{key} {code} {media} example {name}", fix_refs(content["schema"]), value)
    return failures


def fix_refs(node):
    """Local `#/components/...` references made absolute against the document's root resource."""
    if isinstance(node, dict):
        return {
            k: ("urn:openapi" + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else fix_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [fix_refs(v) for v in node]
    return node


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    template, matches = decode(TEMPLATE)
    if matches:
        sys.exit(f"cannot read the template: {matches}")
    with open(OPENAPI, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    with open(sys.argv[1], encoding="utf-8") as f:
        served = {r["key"]: r["auth"] for r in json.load(f)}
    # API Gateway's catch-all route answers 405/404 for what no operation matches: not an operation.
    served.pop("$default", None)
    declared = template_routes(template)
    declared.pop("$default", None)
    documented = openapi_routes(doc)
    failures = check_routes(served, declared, documented)
    failures += check_operations(doc)
    failures += check_document(doc)
    with open(sys.argv[2], encoding="utf-8") as f:
        zones = json.load(f)
    enum = doc["components"]["schemas"]["TimeZone"]["enum"]
    if enum != zones:
        extra, missing = sorted(set(enum) - set(zones)), sorted(set(zones) - set(enum))
        failures.append(f"TimeZone enum differs from the server's time zones: extra {extra[:5]}, missing {missing[:5]}"
                        " (rewrite it from `devserver time-zones`)")
    if failures:
        sys.exit(f"{OPENAPI}, the template and the code differ:\n  " + "\n  ".join(failures))
    jwt = sum(1 for auth in served.values() if auth)
    print(
        f"{OPENAPI} documents the {len(served)} routes of the code and the template "
        f"({jwt} with bearerAuth, {len(served) - jwt} without); it is valid OpenAPI 3.1 and its examples match"
    )


if __name__ == "__main__":
    main()
