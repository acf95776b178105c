"""Patches that give moto's DynamoDB the cost shape of the real service.

Stock moto 5.1 is the de-facto local AWS of SDK test suites, but three of its choices make a
planroom-sized table unusable and hide one of DynamoDB's guarantees:

* ``journal_transactions``: ``TransactWriteItems`` deep-copies every table it touches before it
  starts, so a transaction costs the size of the table. The patch keeps a journal of the items the
  transaction touches (and of each table's stream length) and, when it is cancelled, restores only
  those: the cost is the transaction's own.
* ``partition_index``: every ``Query`` (on the table or an index) walks and sorts the whole table.
  The patch keeps each table partition and each index partition as a sorted list, maintained on
  every put, update, delete and transaction, and hands moto's own Query loop only the items a page
  can reach. Ordering, ``ExclusiveStartKey``, ``Limit``, ``ScanIndexForward``, filters and
  projections stay moto's: the loop that decides them is unchanged.
  The loop's defensive deep copy of the page is skipped as well: the projection that follows
  builds new items, and the page is only read (the answer is written before the next request).
* ``item_size_checked_once``: an item checks its 400 KB limit by recomputing the size of all its
  attributes each time one is added, so building (or copying) an item of n attributes costs n²
  size computations — about 2 ms for a 20-attribute item, on every put and every item a page
  returns. The patch checks the finished item's size once; the limit and its error are unchanged.
* ``stream_records_as_stored``: ``GetRecords`` of DynamoDB Streams passes records that are kept
  in their wire form already through moto's generic, model-driven serializer, which takes about
  a millisecond per record: a reader following a busy table's stream held the (serialised)
  stand-in for most of its time. The patch writes them out as JSON directly, with
  ``ApproximateCreationDateTime`` in epoch seconds as the serializer writes it.
* ``request_ids_only_in_xml``: every answer's body is searched with a regular expression for an
  XML ``<RequestId>`` to fill in, JSON answers of a megabyte included; the patch searches only
  bodies that contain the tag.
* ``transaction_client_tokens``: DynamoDB makes ``TransactWriteItems`` idempotent by
  ``ClientRequestToken`` for 10 minutes (a retried call answers success and changes nothing; the
  same token with other parameters is ``IdempotentParameterMismatchException``). Stock moto applies
  a retried transaction twice, which is exactly the double count a client's SDK retry must never
  cause.

* ``serverless_transform``: CloudFormation expands SAM templates (``AWS::Serverless-2016-10-31``)
  on AWS's side of ``sam deploy``; stock moto skips every ``AWS::Serverless::*`` resource. The patch
  expands them with AWS's own translator, so the deploy rehearsal creates the stack as deployed.
* ``change_set_outputs``: a stack created or updated by executing a change set (``sam deploy``)
  answers the outputs of its new template; stock moto keeps the old (empty) ones.
* ``cloudformation_roles``: a role CloudFormation creates has its managed policies attached and its
  inline policies stored as JSON; stock moto drops the first and stores the second as a Python repr.
* ``lambda_function_urls``: CloudFormation creates ``AWS::Lambda::Url`` (a function's URL) with
  Lambda's ``CreateFunctionUrlConfig``; stock moto skips the type, so ``!GetAtt …Url.FunctionUrl``
  cannot resolve and the stack cannot be created.

Each patch is one function, independent of the others, written so it could be offered upstream.
``scripts/moto_conformance.py`` runs the same calls against stock and patched moto and asserts
identical answers and table contents.
"""

import bisect
import copy
import hashlib
import json
import time
from typing import Any, Optional

from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    ItemSizeTooLarge,
    DynamodbException,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.table import RESULT_SIZE_LIMIT, Table
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.responses import DynamoHandler


def apply_all() -> None:
    """Applies every patch of this module."""
    journal_transactions()
    partition_index()
    item_size_checked_once()
    stream_records_as_stored()
    request_ids_only_in_xml()
    transaction_client_tokens()
    serverless_transform()
    change_set_outputs()
    cloudformation_roles()
    lambda_function_urls()


# --- journal_transactions -------------------------------------------------------------------


def _item_key(table: Table, attrs: dict[str, Any]) -> tuple[DynamoType, Optional[DynamoType]]:
    hash_value = DynamoType(attrs[table.hash_key_attr])
    range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _store(table: Table, hash_value: DynamoType, range_value: Optional[DynamoType], item: Optional[Item]) -> None:
    """Puts `item` (or nothing) at a key without a stream record: the journal's restore."""
    current = table.get_item(hash_value, range_value)
    if current is not None:
        _unindex(table, current)
        if range_value is not None:
            table.items[hash_value].pop(range_value, None)
        else:
            table.items.pop(hash_value, None)
    if item is not None:
        if range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item
        _index(table, item)


def journal_transactions() -> None:
    """A cancelled transaction restores the items it touched, not a copy of whole tables."""

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        # (table, hash, range, the item as it was) for every item touched, and each table's stream length.
        journal: list[tuple[Table, DynamoType, Optional[DynamoType], Optional[Item]]] = []
        streams: dict[str, tuple[Table, int]] = {}
        target_items: set[tuple[str, str]] = set()

        def rollback() -> None:
            for table, hash_value, range_value, original in reversed(journal):
                _store(table, hash_value, range_value, original)
            for table, length in streams.values():
                if table.stream_shard is not None:
                    del table.stream_shard.items[length:]

        def check_unicity(table_name: str, key: dict[str, Any]) -> None:
            item = (str(table_name), str(key))
            if item in target_items:
                raise MultipleTransactionsException()
            target_items.add(item)

        errors: list[Any] = []  # [(Code, Message, Item), ..] as moto reports them
        for item in transact_items:
            original_item: Optional[dict[str, Any]] = None
            if len(list(item.keys())) > 1:
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                condition_expression = op.get("ConditionExpression")
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                return_values_on_failure = op.get("ReturnValuesOnConditionCheckFailure")
                table = self.get_table(table_name)
                if op_type == "Put":
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                check_unicity(table_name, key)
                current = self.get_item(table_name, key)
                if condition_expression is not None:
                    condition_op = get_filter_expression(condition_expression, names, values)
                    if not condition_op.expr(current):
                        if return_values_on_failure == "ALL_OLD" and current:
                            original_item = current.to_json()["Attributes"]
                        raise ConditionalCheckFailed(item=original_item)
                if op_type != "ConditionCheck":
                    if table.name not in streams:
                        length = len(table.stream_shard.items) if table.stream_shard is not None else 0
                        streams[table.name] = (table, length)
                    hash_value, range_value = _item_key(table, key)
                    journal.append((table, hash_value, range_value, copy.deepcopy(current)))
                conditions = dict(
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], **conditions)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, **conditions)
                elif op_type == "Update":
                    self.update_item(table_name, key, update_expression=op["UpdateExpression"], **conditions)
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                rollback()
                raise
            except ConditionalCheckFailed as e:
                errors.append(("ConditionalCheckFailed", str(e.message), original_item))
            except Exception as e:  # noqa: BLE001 - moto reports any other failure as a reason
                errors.append((type(e).__name__, str(e), original_item))
        if any(code is not None for code, _, _ in errors):
            rollback()
            raise TransactionCanceledException(errors)

    DynamoDBBackend.transact_write_items = transact_write_items


# --- partition_index ------------------------------------------------------------------------

_MEMBERSHIP = "_partition_index_entries"


class _Partition:
    """The items of one table or index partition, sorted as moto sorts a Query's results."""

    __slots__ = ("keys", "items")

    def __init__(self) -> None:
        self.keys: list[tuple[Any, ...]] = []
        self.items: list[Item] = []

    def add(self, key: tuple[Any, ...], item: Item) -> None:
        at = bisect.bisect_left(self.keys, key)
        self.keys.insert(at, key)
        self.items.insert(at, item)

    def remove(self, key: tuple[Any, ...], item: Item) -> None:
        at = bisect.bisect_left(self.keys, key)
        while at < len(self.keys) and self.keys[at] == key:
            if self.items[at] is item:
                del self.keys[at]
                del self.items[at]
                return
            at += 1


def _index_shapes(table: Table) -> dict[Optional[str], tuple[str, Optional[str]]]:
    """(hash attribute, range attribute) of the table (`None`) and of each single-key index."""
    shapes: dict[Optional[str], tuple[str, Optional[str]]] = {None: (table.hash_key_attr, table.range_key_attr)}
    for index in table.all_indexes():
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if len(hashes) == 1 and len(ranges) == 1:
            shapes[index.name] = (hashes[0], ranges[0])
    return shapes


def _entries(table: Table, item: Item) -> list[tuple[Optional[str], DynamoType, tuple[Any, ...]]]:
    """Where `item` sits: (index, partition value, sort key) for the table and each index holding it."""
    entries: list[tuple[Optional[str], DynamoType, tuple[Any, ...]]] = []
    table_range = item.range_key.cast_value if item.range_key is not None else None
    for name, (hash_attr, range_attr) in _index_shapes(table).items():
        if name is None:
            entries.append((None, item.hash_key, (table_range,)))
            continue
        hash_value = item.attrs.get(hash_attr)
        range_value = item.attrs.get(range_attr)  # type: ignore[arg-type]
        if hash_value is None or range_value is None:
            continue  # a sparse index leaves the item out, as DynamoDB (and moto's Query) do
        entries.append((name, hash_value, (range_value.cast_value, item.hash_key.cast_value, table_range)))
    return entries


def _partitions(table: Table) -> dict[Optional[str], dict[DynamoType, _Partition]]:
    """The table's partition index, built on first use (tables restored from backups start without)."""
    index = table.__dict__.get("_partition_index")
    if index is None or index[0] != sorted(_index_shapes(table).items(), key=str):
        partitions: dict[Optional[str], dict[DynamoType, _Partition]] = {}
        table.__dict__["_partition_index"] = (sorted(_index_shapes(table).items(), key=str), partitions)
        for hash_set in list(table.items.values()):
            for item in hash_set.values() if table.range_key_attr else [hash_set]:
                _index(table, item)
        return partitions
    return index[1]


def _index(table: Table, item: Item) -> None:
    partitions = _partitions(table)
    _unindex(table, item)  # never twice: a first use has just indexed every stored item
    entries = _entries(table, item)
    for name, hash_value, key in entries:
        partitions.setdefault(name, {}).setdefault(hash_value, _Partition()).add(key, item)
    item.__dict__[_MEMBERSHIP] = (id(table), entries)


def _unindex(table: Table, item: Item) -> None:
    membership = item.__dict__.pop(_MEMBERSHIP, None)
    if membership is None or membership[0] != id(table):
        return
    partitions = _partitions(table)
    for name, hash_value, key in membership[1]:
        partition = partitions.get(name, {}).get(hash_value)
        if partition is not None:
            partition.remove(key, item)
            if not partition.items:
                del partitions[name][hash_value]


def _lower_bound(comparison: Optional[str], values: list[DynamoType]) -> Optional[Any]:
    """The smallest range value a condition admits, if it has one."""
    if comparison in ("=", "EQ", ">=", "GE", ">", "GT", "BETWEEN", "BEGINS_WITH"):
        return values[0].cast_value
    return None


def _upper_bound(comparison: Optional[str], values: list[DynamoType]) -> Optional[tuple[Any, bool]]:
    """The largest range value a condition admits, and whether it is admitted itself."""
    if comparison in ("<", "LT"):
        return values[0].cast_value, False
    if comparison in ("<=", "LE", "=", "EQ"):
        return values[0].cast_value, True
    if comparison == "BETWEEN":
        return values[1].cast_value, True
    return None


def _candidates(
    partition: _Partition,
    range_of: Any,
    comparison: Optional[str],
    values: list[DynamoType],
    start_key: Optional[tuple[Any, ...]],
    forward: bool,
    limit: Optional[int],
) -> list[Item]:
    """The items moto's Query loop can reach for one page, in partition order.

    Items are walked from the page's start (the range condition's bound or the exclusive start
    key, whichever is later) until `limit + 1` admitted items or the size limit; when the admitted
    run ends first, the next item is included too, since moto's loop looks at it before it stops.
    """
    keys = partition.keys
    first = lambda key: key[0]  # noqa: E731 - the range part of a sort key
    if forward:
        at = 0
        lower = _lower_bound(comparison, values)
        if lower is not None:
            at = bisect.bisect_left(keys, lower, key=first)
        if start_key is not None:
            at = max(at, bisect.bisect_right(keys, start_key))
        step, stop = 1, len(keys)
    else:
        at = len(keys) - 1
        upper = _upper_bound(comparison, values)
        if upper is not None:
            value, inclusive = upper
            bound = bisect.bisect_right if inclusive else bisect.bisect_left
            at = bound(keys, value, key=first) - 1
        if start_key is not None:
            at = min(at, bisect.bisect_left(keys, start_key) - 1)
        step, stop = -1, -1
    out: list[Item] = []
    admitted = 0
    size = 0
    while at != stop:
        item = partition.items[at]
        at += step
        if comparison is None or range_of(item).compare(comparison, values):
            out.append(item)
            admitted += 1
            if limit is not None:
                # moto's loop stops at the count or, before it, at the size limit: both lie within.
                if admitted > limit:
                    return out
            else:
                size += item.size()
                if size > RESULT_SIZE_LIMIT:
                    return out
        elif admitted:
            out.append(item)  # the run of admitted items ended here
            return out
    return out


class _PageNotCopied:
    """`copy` as moto's Query loop sees it: the page's list is copied, its items are not."""

    @staticmethod
    def deepcopy(value: Any, memo: Optional[dict[int, Any]] = None) -> Any:
        return list(value) if isinstance(value, list) else copy.deepcopy(value, memo)


def partition_index() -> None:
    """Queries read a sorted partition from the page's start instead of walking the whole table."""
    original_query = Table.query
    original_put = Table.put_item
    original_delete = Table.delete_item
    original_update = DynamoDBBackend.update_item

    def put_item(self: Table, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
        try:
            hash_value, range_value = _item_key(self, item_attrs)
            previous = self.get_item(hash_value, range_value)
        except Exception:  # noqa: BLE001 - moto's own put reports the bad key
            previous = None
        item = original_put(self, item_attrs, *args, **kwargs)
        if previous is not None:
            _unindex(self, previous)
        _index(self, item)
        return item

    def delete_item(self: Table, hash_key: DynamoType, range_key: Optional[DynamoType]) -> Optional[Item]:
        item = original_delete(self, hash_key, range_key)
        if item is not None:
            _unindex(self, item)
        return item

    def update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
        # Updates change the stored item in place: re-index it whatever happened.
        table = self.get_table(table_name)
        try:
            return original_update(self, table_name, key, *args, **kwargs)
        finally:
            try:
                hash_value, range_value = _item_key(table, key)
                item = table.get_item(hash_value, range_value)
            except Exception:  # noqa: BLE001 - a bad key was refused before anything changed
                item = None
            if item is not None:
                _unindex(table, item)
                _index(table, item)

    def query(
        self: Table,
        hash_key: Optional[DynamoType],
        range_comparison: Optional[str],
        range_objs: list[DynamoType],
        limit: int,
        exclusive_start_key: Optional[dict[str, Any]],
        scan_index_forward: bool,
        projection_expressions: Any,
        index_name: Optional[str] = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: Optional[list[tuple[str, DynamoType]]] = None,
        range_key_conditions: Optional[list[tuple[str, str, list[DynamoType]]]] = None,
        **filter_kwargs: Any,
    ) -> Any:
        args = (hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward)
        kwargs = dict(
            projection_expressions=projection_expressions,
            index_name=index_name,
            consistent_read=consistent_read,
            filter_expression=filter_expression,
            hash_key_conditions=hash_key_conditions,
            range_key_conditions=range_key_conditions,
            **filter_kwargs,
        )
        narrowed = _narrow(self, index_name, hash_key_conditions, range_key_conditions, filter_kwargs, *args)
        if narrowed is None:
            return original_query(self, *args, **kwargs)
        # moto's loop reads `all_items()`: hand it the page's candidates, decided by the code above.
        # It also sizes each candidate twice; items cannot change during the call, so the size of
        # each is computed once.
        self.__dict__["all_items"] = lambda: narrowed
        sizes: dict[int, int] = {}
        original_size = Item.size

        def size(item: Item) -> int:
            known = sizes.get(id(item))
            if known is None:
                known = sizes[id(item)] = original_size(item)
            return known

        Item.size = size
        table_module.copy = _PageNotCopied
        try:
            return original_query(self, *args, **kwargs)
        finally:
            table_module.copy = copy
            Item.size = original_size
            del self.__dict__["all_items"]

    Table.query = query
    Table.put_item = put_item
    Table.delete_item = delete_item
    DynamoDBBackend.update_item = update_item


def _narrow(
    table: Table,
    index_name: Optional[str],
    hash_key_conditions: Optional[list[tuple[str, DynamoType]]],
    range_key_conditions: Optional[list[tuple[str, str, list[DynamoType]]]],
    filter_kwargs: dict[str, Any],
    hash_key: Optional[DynamoType],
    range_comparison: Optional[str],
    range_objs: list[DynamoType],
    limit: Optional[int],
    exclusive_start_key: Optional[dict[str, Any]],
    scan_index_forward: bool,
) -> Optional[list[Item]]:
    """The candidates of one page, or `None` for shapes left to stock moto (legacy filters,
    multi-attribute keys, indexes without a range key)."""
    if filter_kwargs or len(range_key_conditions or []) > 1 or len(hash_key_conditions or []) != 1:
        return None
    shapes = _index_shapes(table)
    if index_name not in shapes or (index_name is None and hash_key is None):
        return None
    hash_attr, range_attr = shapes[index_name]
    condition_attr, hash_value = hash_key_conditions[0]  # type: ignore[index]
    if condition_attr != hash_attr:
        return None
    if range_key_conditions and range_key_conditions[0][0] != range_attr:
        return None
    partition = _partitions(table).get(index_name, {}).get(DynamoType(hash_value))
    if partition is None:
        return []
    start_key = None
    if exclusive_start_key is not None:
        try:
            table_range = (
                DynamoType(exclusive_start_key[table.range_key_attr]).cast_value if table.range_key_attr else None
            )
            if index_name is None:
                start_key = (table_range,)
            else:
                start_key = (
                    DynamoType(exclusive_start_key[range_attr]).cast_value,  # type: ignore[index]
                    DynamoType(exclusive_start_key[table.hash_key_attr]).cast_value,
                    table_range,
                )
        except (KeyError, TypeError):
            return None  # an incomplete start key: let moto's loop find its place
    if index_name is None:
        range_of = lambda item: item.range_key  # noqa: E731
    else:
        range_of = lambda item: item.attrs[range_attr]  # noqa: E731
    return _candidates(partition, range_of, range_comparison, range_objs, start_key, scan_index_forward, limit)


# --- item_size_checked_once ----------------------------------------------------------------------

#: moto's item size limit (DynamoDB's is 400 KB; moto measured the real one between 409 and 410 KB).
ITEM_SIZE_LIMIT = 405000


def item_size_checked_once() -> None:
    """Items are built and copied with one size check, not one per attribute."""

    def init(self: Item, hash_key: DynamoType, range_key: Optional[DynamoType], attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        converted = {key: DynamoType(value) for key, value in attrs.items()}
        # moto adds attributes one by one and refuses the first that takes the item past the
        # limit; sizes only grow, so the finished item is past it exactly when one step was.
        if sum(bytesize(key) + value.size() for key, value in converted.items()) > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, converted)

    def deepcopy(self: LimitedSizeDict, memo: dict[int, Any]) -> LimitedSizeDict:
        # A copy of an item within the limit is within the limit: no check per attribute.
        copied = LimitedSizeDict()
        memo[id(self)] = copied
        dict.update(copied, {key: copy.deepcopy(value, memo) for key, value in self.items()})
        return copied

    Item.__init__ = init
    LimitedSizeDict.__deepcopy__ = deepcopy


# --- stream_records_as_stored --------------------------------------------------------------------


def stream_records_as_stored() -> None:
    """GetRecords answers the stored records as JSON, without the model-driven serializer."""
    from datetime import datetime, timezone

    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    def epoch(text: str) -> float:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.timestamp()

    def get_records(self: DynamoDBStreamsHandler) -> str:
        limit = self._get_param("Limit")
        result = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
        records = []
        for record in result["Records"]:
            change = dict(record["dynamodb"])
            if isinstance(change.get("ApproximateCreationDateTime"), str):
                change["ApproximateCreationDateTime"] = epoch(change["ApproximateCreationDateTime"])
            records.append({**record, "dynamodb": change})
        return json.dumps({"NextShardIterator": result["NextShardIterator"], "Records": records})

    DynamoDBStreamsHandler.get_records = get_records


# --- request_ids_only_in_xml ---------------------------------------------------------------------


def request_ids_only_in_xml() -> None:
    """The request id is filled into bodies that have an XML `<RequestId>`, and only those."""
    from moto.core.responses import BaseResponse

    original = BaseResponse._enrich_response

    def enrich(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
        if isinstance(body, str) and "<RequestId>" not in body:
            # What moto does for a body without the tag: the status as text and a request id header.
            return original(headers, "")[0], body
        return original(headers, body)

    BaseResponse._enrich_response = staticmethod(enrich)


# --- transaction_client_tokens ------------------------------------------------------------------

TOKEN_LIFETIME_SECONDS = 600


class IdempotentParameterMismatchException(DynamodbException):
    """DynamoDB's answer to a reused ClientRequestToken with different parameters."""

    error_type = "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"

    def __init__(self) -> None:
        super().__init__(
            IdempotentParameterMismatchException.error_type,
            message="The request uses the same client token as a previous, but non-identical request.",
        )


def transaction_client_tokens() -> None:
    """A TransactWriteItems retried with its ClientRequestToken succeeds without applying twice."""
    original = DynamoHandler.transact_write_items

    def transact_write_items(self: DynamoHandler) -> str:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        seen: dict[str, tuple[str, float, str]] = self.dynamodb_backend.__dict__.setdefault("_client_tokens", {})
        now = time.monotonic()
        for old, (_, at, _) in list(seen.items()):
            if now - at > TOKEN_LIFETIME_SECONDS:
                del seen[old]
        fingerprint = hashlib.sha256(
            json.dumps({k: v for k, v in self.body.items() if k != "ClientRequestToken"}, sort_keys=True).encode()
        ).hexdigest()
        if token in seen:
            if seen[token][0] != fingerprint:
                raise IdempotentParameterMismatchException()
            return seen[token][2]
        answer = original(self)
        seen[token] = (fingerprint, now, answer)
        return answer

    DynamoHandler.transact_write_items = transact_write_items


# --- serverless_transform ------------------------------------------------------------------------


def serverless_transform() -> None:
    """CloudFormation expands `Transform: AWS::Serverless-2016-10-31` itself, as AWS does on its side
    of `sam deploy`, with the SAM translator AWS publishes (aws-sam-translator). Stock moto keeps the
    template as sent and skips every `AWS::Serverless::*` resource as an unknown type, so a
    deployed SAM stack would have no function, role or API at all."""
    import os

    from moto.cloudformation.models import ChangeSet, Stack
    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))

    class NoManagedPolicies:
        """The translator asks for AWS managed policy ARNs by name only for `Policies` given as
        names; the template gives statements and references."""

        def load(self) -> dict[str, str]:
            return {}

    def expanded(template: Any, parameters: Optional[dict[str, Any]] = None) -> Any:
        transforms = template.get("Transform") if isinstance(template, dict) else None
        names = transforms if isinstance(transforms, list) else [transforms]
        if "AWS::Serverless-2016-10-31" not in names:
            return template
        return transform(copy.deepcopy(template), dict(parameters or {}), NoManagedPolicies())

    original_parse = Stack.parse_template

    def parse_template(template: str) -> dict[str, Any]:
        return expanded(original_parse(template))

    Stack.parse_template = staticmethod(parse_template)

    original_change_set_parse = ChangeSet._parse_template

    def change_set_parse(self: ChangeSet) -> None:
        original_change_set_parse(self)
        self.template_dict = expanded(self.template_dict, self.parameters)

    ChangeSet._parse_template = change_set_parse


# --- change_set_outputs --------------------------------------------------------------------------


def change_set_outputs() -> None:
    """A stack made or changed by executing a change set (what `sam deploy` does) answers the
    outputs and description of its new template. Stock moto keeps the template it had before (none,
    for a stack a change set creates), so `sam deploy` finds its own bucket stack without the
    `SourceBucket` output and refuses to go on."""
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: Optional[str] = None) -> None:
        original(self, change_set_name, stack_name)
        change_set = self.change_sets.get(change_set_name) or next(
            cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name
        )
        stack = self.stacks[change_set.stack_id]
        stack.template_dict = change_set.template_dict
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()

    CloudFormationBackend.execute_change_set = execute_change_set


# --- cloudformation_roles ------------------------------------------------------------------------


def cloudformation_roles() -> None:
    """A role CloudFormation creates carries its `ManagedPolicyArns` (attached, AWS managed policies
    included when moto loads them: `MOTO_IAM_LOAD_MANAGED_POLICIES=true`) and its inline
    `Policies` as JSON documents. Stock moto drops the managed policies and stores each inline
    document as a Python repr, so the roles as deployed could not be read back and checked."""
    from moto.iam.models import Role, iam_backends
    from moto.utilities.utils import get_partition

    original = Role.create_from_cloudformation_json.__func__

    def create(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Role:
        properties = cloudformation_json["Properties"]
        as_json = [
            {**p, "PolicyDocument": p["PolicyDocument"] if isinstance(p["PolicyDocument"], str)
             else json.dumps(p["PolicyDocument"])}
            for p in properties.get("Policies", [])
        ]
        role = original(cls, resource_name, {**cloudformation_json, "Properties": {**properties, "Policies": as_json}},
                        account_id, region_name, **kwargs)
        backend = iam_backends[account_id][get_partition(region_name)]
        for arn in properties.get("ManagedPolicyArns", []):
            backend.attach_role_policy(arn, role.name)
        return role

    Role.create_from_cloudformation_json = classmethod(create)


# --- lambda_function_urls --------------------------------------------------------------------------


def lambda_function_urls() -> None:
    """CloudFormation creates `AWS::Lambda::Url` (what SAM makes of a function's `FunctionUrlConfig`)
    through Lambda's `CreateFunctionUrlConfig`, and `!GetAtt …Url.FunctionUrl` is its address. Stock
    moto's Lambda has function URL configs but its CloudFormation skips the type, so a template that
    hands the URL to another function cannot be deployed at all."""
    from moto.awslambda.models import lambda_backends
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    class FunctionUrl(CloudFormationModel):
        # moto's model registry files models by the service their module names.
        __module__ = "moto.awslambda.function_urls"

        def __init__(self, function_arn: str, url: str) -> None:
            self.function_arn = function_arn
            # As Lambda answers it: the address ends with a slash.
            self.url = url if url.endswith("/") else url + "/"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Url"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
        ) -> "FunctionUrl":
            properties = cloudformation_json["Properties"]
            target = properties["TargetFunctionArn"]
            config = {key: properties[key] for key in ("AuthType", "Cors", "InvokeMode") if key in properties}
            created = lambda_backends[account_id][region_name].create_function_url_config(target, config)
            return cls(created.function.function_arn, created.url)

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("FunctionUrl", "FunctionArn")

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            return self.url if attribute_name == "FunctionUrl" else self.function_arn

        @property
        def physical_resource_id(self) -> str:
            return self.function_arn

    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    assert parsing.get_model_map()["AWS::Lambda::Url"] is FunctionUrl
