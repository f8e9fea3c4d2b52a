#!/usr/bin/env python3
"""Particulars read off real captures (a benchmark, not a test): every
capture of `fixtures/make_captures.py --bench` (colour scans, office JPEGs,
phone photos and fax of four Decree 30 papers, an ID card on a desk, a
hand-filled form, two tables, a folded A5 slip, a dim photo) is uploaded to
a release server and read; each suggested field is compared with the truth
the generator drew.

- right: the value is the truth's;
- wrong: a value that is not the truth's, or a field the paper does not
  carry (counted double in the score: a wrong suggestion costs the officer
  more than a missing one);
- absent: a field the paper carries that was not suggested.

Also the time extraction adds per page: the `extract_us` of each record
against the `page_ms` its pages took to read (both from the server's log).

    make bench-particulars
    python3 bench/particulars.py

Results go to stdout and bench/out/particulars.json.
"""
import json
import os
import re
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
from bench import OUT, Server, multipart  # noqa: E402
import make_captures  # noqa: E402

KINDS = {
    "marriage": "marriage_status_certificate",
    "residence": "residence_confirmation",
    "criminal": "criminal_record_certificate",
    "business": "business_registration",
    "cccd": "cccd",
    "dim": "marriage_status_certificate",
}
LABELS = {
    "Họ và tên": "full_name",
    "Họ, chữ đệm và tên": "full_name",
    "Họ, chữ đệm, tên": "full_name",
    "Ngày, tháng, năm sinh": "date_of_birth",
    "Số định danh cá nhân": "personal_id",
    "Tên công ty": "company_name",
    "Mã số doanh nghiệp": "tax_code",
}
FIELDS = {"document_number", "issued_on", "issuing_agency", "signer", "personal_id", "full_name",
          "date_of_birth", "company_name", "tax_code"}


def iso(value):
    m = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", value)
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else value


def expected(truth):
    out = {}
    # A card's QR code holds its issue date too (…|ddmmyyyy at the end).
    qr = truth.get("qr", "").split("|")
    if len(qr) == 7 and len(qr[6]) == 8:
        out["issued_on"] = f"{qr[6][4:]}-{qr[6][2:4]}-{qr[6][:2]}"
    for source in (truth.get("fields", {}), truth.get("handwritten", {})):
        for key, value in source.items():
            field = key if key in FIELDS else LABELS.get(key)
            if field:
                out[field] = iso(value) if field == "date_of_birth" else value
    return out


def kind_of(name):
    return KINDS.get(name.split("_")[0], "other")


def main():
    work = tempfile.mkdtemp(prefix="sohoa-particulars-")
    make_captures.make_bench(work)
    with open(os.path.join(work, "truth.json")) as f:
        truth = json.load(f)
    server = Server(workers=True, log="info")
    per_capture, ids = {}, {}
    try:
        for i, (name, t) in enumerate(sorted(truth.items())):
            want = expected(t)
            subject = want.get("tax_code") or want.get("personal_id") or "001090012345"
            meta = {"subject_id": subject, "kind": kind_of(name)}
            if t.get("paper"):
                meta["paper"] = t["paper"]
            with open(os.path.join(work, name), "rb") as f:
                body, ctype = multipart(meta, [(name, f.read())])
            req = urllib.request.Request(server.url + "/v1/records", data=body, method="POST",
                                         headers={"Content-Type": ctype, "Authorization": f"Bearer {server.key}"})
            with urllib.request.urlopen(req) as res:
                ids[name] = json.load(res)["id"]
        server.wait(list(ids.values()), poll=0.5)
        totals = {"right": 0, "wrong": 0, "absent": 0}
        for name, rid in ids.items():
            record = server.record(rid)
            want = expected(truth[name])
            got = {k: v["value"] for k, v in record.get("suggestions", {}).items()}
            right = sorted(f for f in want if got.get(f) == want[f])
            wrong = sorted(f for f in got if want.get(f) != got[f])
            absent = sorted(f for f in want if f not in got)
            totals["right"] += len(right)
            totals["wrong"] += len(wrong)
            totals["absent"] += len(absent)
            per_capture[name] = {
                "capture": truth[name].get("capture"),
                "right": right,
                "wrong": {f: {"got": got[f], "truth": want.get(f)} for f in wrong},
                "absent": absent,
                "warnings": record.get("warnings"),
                "text": [p.get("ocr_text") for p in record.get("pages", [])],
            }
        time.sleep(0.5)
    finally:
        server.stop()
    with open(os.path.join(server.dir, "server.log")) as f:
        log = f.read()
    extract_us = sum(int(x) for x in re.findall(r"extract_us=(\d+)", log))
    # A page's reading: decoding and flattening (page_ms), then the stages.
    page_ms = sum(int(x) for key in ("page_ms", "prepare_ms", "detect_ms", "read_ms")
                  for x in re.findall(key + r"=(\d+)", log))
    fields = totals["right"] + totals["absent"] + totals["wrong"]
    carried = totals["right"] + totals["absent"]
    result = {
        "captures": len(ids),
        "fields_on_papers": carried,
        "right": totals["right"],
        "wrong": totals["wrong"],
        "absent": totals["absent"],
        "right_share": round(totals["right"] / max(carried, 1), 4),
        "wrong_share": round(totals["wrong"] / max(fields, 1), 4),
        "extract_ms_total": round(extract_us / 1000, 1),
        "read_ms_total": page_ms,
        "extract_share_of_reading": round(extract_us / 1000 / max(page_ms, 1), 5),
        "per_capture": per_capture,
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "particulars.json"), "w") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    for name, c in sorted(per_capture.items()):
        wrong = ", ".join(f"{k}={v['got']!r} (truth {v['truth']!r})" for k, v in c["wrong"].items())
        print(f"{name:28} right {len(c['right']):2}  absent {','.join(c['absent']) or '-':40} wrong {wrong or '-'}")
    print(f"\n{result['right']} of {carried} fields right ({result['right_share']:.1%}), "
          f"{result['wrong']} wrong ({result['wrong_share']:.1%} of suggestions and misses), "
          f"{result['absent']} absent")
    print(f"extraction: {result['extract_ms_total']} ms for {len(ids)} records, "
          f"{result['extract_share_of_reading']:.3%} of the {page_ms} ms their pages took to read")


if __name__ == "__main__":
    main()
