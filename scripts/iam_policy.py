"""Evaluates identity-based IAM policies as AWS does for one request: an explicit Deny wins, else
an Allow whose Action, Resource and Condition all match, else the implicit deny.

Used by the deploy rehearsal (`scripts/deploy_rehearsal.py`), where moto's own IAM checks no
resource of DynamoDB, SQS or Secrets Manager. What it implements, from the IAM policy evaluation
logic and element reference: `Action`/`NotAction` (case-insensitive, `*` and `?` wildcards),
`Resource`/`NotResource` (case-sensitive, `*` and `?`), and the condition operators the template
uses (`StringEquals`, `StringLike`, `StringNotEquals`, `ArnLike`, `ArnEquals`, `Bool`, with the
`ForAnyValue:`/`ForAllValues:` qualifiers and `IfExists`). An operator it does not know makes the
statement not apply (fail closed), so an unknown condition never grants anything.
"""

import re
from typing import Any, Iterable, Optional

ALLOWED, DENIED, NOT_ALLOWED = "allowed", "explicitly denied", "not allowed"


def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE if ignore_case else 0)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches_any(globs: Any, value: str, ignore_case: bool) -> bool:
    return any(_pattern(str(g), ignore_case).match(value) for g in _listed(globs))


def _compare(operator: str, wanted: list[Any], actual: str) -> Optional[bool]:
    """Whether one actual value satisfies `operator` against the policy's values; `None` when the
    operator is unknown."""
    if operator in ("StringEquals", "ArnEquals"):
        return actual in [str(w) for w in wanted]
    if operator == "StringEqualsIgnoreCase":
        return actual.lower() in [str(w).lower() for w in wanted]
    if operator in ("StringLike", "ArnLike"):
        return _matches_any(wanted, actual, ignore_case=False)
    if operator == "StringNotEquals":
        return actual not in [str(w) for w in wanted]
    if operator == "Bool":
        return actual.lower() in [str(w).lower() for w in wanted]
    return None


def _condition_holds(condition: dict[str, Any], context: dict[str, list[str]]) -> bool:
    for full_operator, keys in condition.items():
        qualifier, _, operator = full_operator.rpartition(":")
        if_exists = operator.endswith("IfExists")
        operator = operator.removesuffix("IfExists")
        for key, wanted in keys.items():
            actual = context.get(key)
            if actual is None:
                if if_exists or qualifier == "ForAllValues":
                    continue
                return False
            results = [_compare(operator, _listed(wanted), value) for value in actual]
            if any(r is None for r in results):
                return False
            if qualifier == "ForAllValues":
                ok = all(results)
            else:
                # A single-valued key, or ForAnyValue: one value satisfying it is enough.
                ok = any(results)
            if not ok:
                return False
    return True


def _statement_applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, list[str]]) -> bool:
    if "Action" in statement and not _matches_any(statement["Action"], action, ignore_case=True):
        return False
    if "NotAction" in statement and _matches_any(statement["NotAction"], action, ignore_case=True):
        return False
    if "Resource" in statement and not _matches_any(statement["Resource"], resource, ignore_case=False):
        return False
    if "NotResource" in statement and _matches_any(statement["NotResource"], resource, ignore_case=False):
        return False
    return _condition_holds(statement.get("Condition", {}), context)


def decide(
    documents: Iterable[dict[str, Any]], action: str, resource: str, context: Optional[dict[str, list[str]]] = None
) -> str:
    """`ALLOWED`, `DENIED` or `NOT_ALLOWED` for `action` on `resource` under the policy documents."""
    allowed = False
    for document in documents:
        for statement in _listed(document.get("Statement", [])):
            if not _statement_applies(statement, action, resource, context or {}):
                continue
            if statement.get("Effect") == "Deny":
                return DENIED
            if statement.get("Effect") == "Allow":
                allowed = True
    return ALLOWED if allowed else NOT_ALLOWED


def without_action(documents: Iterable[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """The documents with `action` (and any wildcard granting it) removed from every Allow: what
    the rehearsal's own check must then refuse."""
    trimmed = []
    for document in documents:
        statements = []
        for statement in _listed(document.get("Statement", [])):
            if statement.get("Effect") == "Allow" and "Action" in statement:
                kept = [a for a in _listed(statement["Action"]) if not _pattern(str(a), True).match(action)]
                if not kept:
                    continue
                statement = {**statement, "Action": kept}
            statements.append(statement)
        trimmed.append({**document, "Statement": statements})
    return trimmed
