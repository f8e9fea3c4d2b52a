"""Hooks for the schemathesis run of tests/api/conformance.rs: what the
OpenAPI document can only say in words, taught to the data generator.

Header values lose control characters (RFC 9110 5.5 allows none; the HTTP
parser refuses such a request with an empty 400 before any route).

Two rules of an upload's `meta` the document states in words:
`issued_on` is not in the future and `valid_until` not before it, and a
paper is not both `permanent` and valid until a date. Generated metas are
put in order here.

A tax code's tenth digit is a check digit (weights 31 29 23 19 17 13 7 5 3
over the first nine, check = 10 - sum mod 11, a remainder of 0 never valid),
which no JSON Schema pattern can state: the document gives the 10-digit
shape and says so. Generated 10- and 13-digit owner IDs get a right check
digit here, so valid-looking requests are really valid; malformed ones are
left as they are.
"""
import datetime
import json
import re
import urllib.parse

import schemathesis

WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
SHAPE = re.compile(r"^(\s*)([0-9]{9})[0-9](-?[0-9]{3})?(\s*)$")


def with_check_digit(value):
    if not isinstance(value, str):
        return value
    m = SHAPE.match(value)
    if not m:
        return value
    lead, first, branch, trail = m.group(1), m.group(2), m.group(3) or "", m.group(4)
    total = sum(int(d) * w for d, w in zip(first, WEIGHTS))
    check = 10 - total % 11
    if check == 10:
        first = "010010910"  # 0100109106 is a valid code
        check = 6
    return f"{lead}{first}{check}{branch}{trail}"


def fix(value):
    if isinstance(value, dict):
        return {k: (with_check_digit(v) if k == "subject_id" else fix(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [fix(v) for v in value]
    return value


def dates_in_order(meta):
    today = datetime.date.today()

    def day(value):
        try:
            return datetime.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            return None

    issued = day(meta.get("issued_on"))
    if issued and issued > today:
        issued = today
        meta["issued_on"] = today.isoformat()
    until = day(meta.get("valid_until"))
    if issued and until and until < issued:
        meta["valid_until"] = issued.isoformat()
    if meta.get("permanent") is True and "valid_until" in meta and meta["valid_until"] is not None:
        meta["permanent"] = False
    return meta


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Every phase's requests pass here (the coverage phase skips the
    `map_*` hooks): owner IDs get their check digit, and the upload's
    `meta` part is sent as JSON, as its documented `encoding` says
    (schemathesis 4.3 sends a generated object as Python's repr)."""
    # A header value holds no control character (RFC 9110 5.5): such a
    # request is refused by the HTTP parser before any route can answer it.
    if case.headers:
        for name, value in list(case.headers.items()):
            if isinstance(value, str):
                case.headers[name] = "".join(c for c in value if c == "\t" or not (ord(c) < 0x20 or ord(c) == 0x7F))
    # In place: a case keeps what it made of its parameters.
    if case.path_parameters:
        for name, value in list(case.path_parameters.items()):
            if name == "subject_id" and isinstance(value, str):
                # Path values are kept percent-encoded.
                fixed = with_check_digit(urllib.parse.unquote_plus(value))
                case.path_parameters[name] = urllib.parse.quote(fixed, safe="")
    if case.query and isinstance(case.query.get("subject_id"), str):
        case.query["subject_id"] = with_check_digit(case.query["subject_id"])
    if isinstance(case.body, dict):
        case.body.update(fix(case.body))
        meta = case.body.get("meta")
        if case.operation.path in ("/v1/records", "/v1/results") and isinstance(meta, dict):
            case.body["meta"] = json.dumps(dates_in_order(meta), ensure_ascii=False)
