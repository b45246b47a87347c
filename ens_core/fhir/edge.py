"""The FHIR API's edge: what a request must look like before anything reads it further.

One place checks, cheaply and without touching the database, the rules of FHIR's own
datatypes that the parsers after it take for granted, so that hostile input is a 4xx
OperationOutcome naming the element, never a 500 nor a silently coerced value:

* **the request** (:func:`check_request`, once per /fhir request): ids in the URL match
  ``[A-Za-z0-9\\-.]{1,64}``; search parameters are bounded in number and length and free
  of NUL; ``_count`` and ``_offset`` are integers within 32 bits;
* **the body** (:func:`parse_json`): strict JSON (no ``NaN``), nesting depth and size
  bounded, every string (and key) free of NUL and of lone surrogates;
* **each resource** (:func:`check_types`, from the structure validation): FHIR's JSON
  types are strict — a ``dateTime`` is a JSON string, a ``decimal`` a JSON number, a
  repeating element an array, an element of a complex type an object;
* **moments** (:func:`to_utc`, :func:`shifted`): within the years 0001–9999 once in UTC;
* **what is stored** (:func:`check_columns`): a string no longer than its column.
"""

from __future__ import annotations

import importlib
import json
import math
import re
import types
import typing
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache

from ens_core.fhir.errors import FhirError, FhirErrors

ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
ID_ARGS = ("resource_id", "patient_id", "binary_id")
MAX_SEARCH_VALUES = 100  # every value of every search parameter, comma-separated ones too
MAX_PARAM_LENGTH = 1024
MAX_INT = 2**31 - 1
INTEGER_PARAMS = ("_count", "_offset")
MAX_DEPTH = 32
MAX_NODES = 200_000
MAX_PROBLEMS = 20
LATEST = datetime.max.replace(tzinfo=UTC)


# --- the request ---------------------------------------------------------------------------


def check_request(view_args: dict | None, args, form=None) -> None:
    """Ids of the URL and the search parameters (query string, and the form of a POST
    ``_search``)."""
    for name in ID_ARGS:
        value = (view_args or {}).get(name)
        if value is not None and not ID.fullmatch(value):
            raise FhirError(
                400,
                "A resource id is 1 to 64 letters, digits, '-' or '.'.",
                expression="id",
            )
    check_search(args)
    if form is not None:
        check_search(form)


def check_search(args) -> None:
    values = 0
    for name in args:
        if "\x00" in name or len(name) > 64:
            raise FhirError(400, "Invalid search parameter name.", expression="search")
        for value in args.getlist(name):
            values += value.count(",") + 1
            if len(value) > MAX_PARAM_LENGTH or "\x00" in value:
                raise FhirError(
                    400,
                    f"Search parameter {name}: at most {MAX_PARAM_LENGTH} characters, no NUL.",
                    expression=name,
                )
        if name in INTEGER_PARAMS:
            _check_integer(name, args.get(name))
    if values > MAX_SEARCH_VALUES:
        raise FhirError(
            400,
            f"At most {MAX_SEARCH_VALUES} search values per request.",
            expression="search",
            code="too-costly",
        )


def _check_integer(name: str, value: str) -> None:
    if not (value.isascii() and value.isdigit() and int(value) <= MAX_INT):
        raise FhirError(
            400,
            f"{name} must be an integer between 0 and {MAX_INT}.",
            expression=name,
        )


# --- the body ------------------------------------------------------------------------------


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> object:
    """The body as JSON (RFC 8259: no NaN or Infinity), depth and size bounded, strings
    free of NUL."""
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise FhirError(400, "The body is not valid JSON.", code="structure") from None
    check_tree(data)
    return data


def _clean(text: str) -> bool:
    """No NUL, and valid Unicode (a JSON escape may smuggle in a lone surrogate)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_tree(data: object) -> None:
    """Depth, size, NUL characters and finite numbers, iteratively (no recursion)."""
    stack, nodes = [(data, 1)], 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            raise FhirError(
                400,
                f"The body nests deeper than {MAX_DEPTH} levels or has too many elements.",
                code="too-costly",
            )
        if isinstance(value, dict):
            for key, item in value.items():
                if not _clean(key):
                    raise FhirError(400, "A property name is not clean text.", code="structure")
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            if not _clean(value):
                raise FhirError(
                    400, "A string contains NUL or a lone surrogate (\\u0000, \\ud800).",
                    code="value",
                )
        elif isinstance(value, float) and not math.isfinite(value):
            raise FhirError(400, "A number is out of range.", code="value")


# --- strict JSON types of FHIR elements ----------------------------------------------------

STRING, INTEGER, NUMBER, BOOLEAN, OBJECT, ANY = (
    "string",
    "integer",
    "number",
    "boolean",
    "object",
    "any",
)
_PRIMITIVES = {
    bool: BOOLEAN,
    int: INTEGER,
    float: NUMBER,
    Decimal: NUMBER,
    str: STRING,
    bytes: STRING,
    datetime: STRING,
    date: STRING,
    time: STRING,
}


def _model_of(cls):
    """The pydantic model an ``abc.XType`` of fhir.resources stands for."""
    path = getattr(cls, "_model_klass", None)
    if not path:
        return None
    module, _, name = path.rpartition(".")
    model = getattr(importlib.import_module(module), name, None)
    if model is None or name in ("Resource", "DomainResource"):
        return None  # any resource (contained, Bundle.entry.resource): checked on its own
    return model


def _kind(annotation) -> tuple[str, bool, object]:
    """(JSON kind, repeats, element model) of a model field's annotation."""
    many = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        elif origin in (list, typing.List):  # noqa: UP006 - fhir.resources uses typing.List
            many, annotation = True, typing.get_args(annotation)[0]
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            break
    if annotation in _PRIMITIVES:
        return _PRIMITIVES[annotation], many, None
    if isinstance(annotation, type) and hasattr(annotation, "_model_klass"):
        return OBJECT, many, _model_of(annotation)
    return ANY, many, None


@cache
def _elements(model) -> dict[str, tuple[str, bool, object]]:
    return {
        (field.alias or name): _kind(field.annotation) for name, field in model.model_fields.items()
    }


# The Python types ``json.loads`` gives for each JSON kind (exact types: a bool is no number).
_JSON_TYPES = {
    STRING: (str,),
    INTEGER: (int,),
    NUMBER: (int, float),
    BOOLEAN: (bool,),
    OBJECT: (dict,),
}


def check_types(payload, model, path: str) -> None:
    """Every element of ``payload`` has the JSON type its FHIR datatype requires; 400
    naming each element at fault. Paths are spelled out only for what is wrong or nested."""
    if not isinstance(payload, dict):
        raise FhirError(400, f"{path} must be a JSON object.", expression=path)
    problems: list[tuple[str, str]] = []
    stack = [(payload, model, path)]
    while stack and len(problems) < MAX_PROBLEMS:
        _check_node(*stack.pop(), problems, stack)
    if problems:
        raise FhirErrors(400, problems[:MAX_PROBLEMS], code="structure")


def _check_node(node: dict, model, where: str, problems: list, stack: list) -> None:
    """The elements of one object: wrong ones to ``problems``, objects inside to ``stack``."""
    elements = _elements(model)
    for key, value in node.items():
        spec = elements.get(key)
        if spec is None or value is None:
            continue  # unknown elements, ``_x`` extensions: the model refuses them
        kind, many, sub = spec
        allowed = _JSON_TYPES.get(kind)
        if not many:
            if allowed and type(value) not in allowed:
                problems.append(_wrong(f"{where}.{key}", kind))
            elif sub is not None:
                stack.append((value, sub, f"{where}.{key}"))
            continue
        if type(value) is not list:
            problems.append(_wrong(f"{where}.{key}", "array"))
            continue
        for i, item in enumerate(value):
            if allowed and type(item) not in allowed:
                problems.append(_wrong(f"{where}.{key}[{i}]", kind))
            elif sub is not None:
                stack.append((item, sub, f"{where}.{key}[{i}]"))


def _wrong(path: str, kind: str) -> tuple[str, str]:
    return path, f"{path} must be a JSON {kind}."


# --- moments -------------------------------------------------------------------------------


def to_utc(value: datetime, path: str) -> datetime:
    """``value`` in UTC, refused when that leaves the years 0001–9999."""
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise FhirError(
            422, f"{path} is out of range (years 0001 to 9999 in UTC).", expression=path
        ) from None


def shifted(moment: datetime, step) -> datetime:
    """``moment + step``, or the latest moment when that leaves year 9999."""
    try:
        return moment + step
    except OverflowError:
        return LATEST


# --- what is stored ------------------------------------------------------------------------


def check_columns(model, data: dict, elements: dict[str, str], prefix: str) -> None:
    """422 when a string of ``data`` is longer than the column of ``model`` it goes to
    (``elements``: the FHIR element each key comes from)."""
    columns = model.__table__.columns
    for key, value in data.items():
        column = columns.get(key)
        length = getattr(getattr(column, "type", None), "length", None)
        if isinstance(value, str) and length and len(value) > length:
            path = f"{prefix}.{elements.get(key, key)}"
            raise FhirError(
                422, f"{path} is longer than {length} characters.", expression=path
            )
