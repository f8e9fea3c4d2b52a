#!/usr/bin/env python3
"""How well sohoa reads the papers counters really get, against the plain
`tesseract -l vie` command and OCRmyPDF (`--deskew --rotate-pages`), on the
same captures in the same run (a benchmark, not a test).

    make bench-ocr            # builds the release binary, then runs this
    python3 bench/ocr.py [--only NAME…]

The captures are drawn by fixtures/make_captures.py --bench (Decree 30/2020
papers as colour scans, office JPEGs, phone photos and faxes; an ID card on a
desk; a hand-filled form; ruled tables; a folded A5 notice on an A4 bed; a dim
photo with a hand's shadow), each with its truth: every printed word, the
fields, the table rows, the handwritten fields.

Per capture type, for each reader:
- words exact: truth words found exactly (as a multiset), of all truth words;
- wrong marks: found words whose letters are right but tone or vowel marks
  wrong, of all found words;
- fields: printed field values found verbatim in the text (the signer's name
  under the seal included);
- rows: table rows found in order, on one line each, cells left to right;
- handwritten: fields read verbatim, flagged for the officer (sohoa marks
  handwritten words; the peers cannot), or silently wrong;
- accepted: pages the reader took and read.
Then sohoa's time per page split into its stages (from its log), pages per
minute per engine against single-threaded `tesseract -l vie` on the same
pages, and sohoa's peak memory with two engines. Results go to stdout and
bench/out/ocr.json.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench import BIN, Server, multipart, subject  # noqa: E402

OUT = os.path.join(ROOT, "bench", "out")
PEER_ENV = dict(os.environ, OMP_THREAD_LIMIT="1")


# ---- scoring -------------------------------------------------------------

def nfc(s):
    return unicodedata.normalize("NFC", s)


def bare(word):
    """The word without tone or vowel marks (đ kept apart: it is a letter)."""
    d = unicodedata.normalize("NFD", word.replace("đ", "\0").replace("Đ", "\1"))
    d = "".join(c for c in d if unicodedata.category(c) != "Mn")
    return d.replace("\0", "đ").replace("\1", "Đ")


def tokens(text):
    return [nfc(t) for t in text.split()]


def words_score(truth_words, text):
    """(exact, found, wrong_marks, total): multiset matches of the read words."""
    want = collections.Counter(nfc(w) for w in truth_words)
    got = tokens(text)
    exact = 0
    rest = []
    for t in got:
        if want[t] > 0:
            want[t] -= 1
            exact += 1
        else:
            rest.append(t)
    bare_want = collections.Counter()
    for w, n in want.items():
        if n > 0:
            bare_want[bare(w)] += n
    wrong = 0
    for t in rest:
        if bare_want[bare(t)] > 0:
            bare_want[bare(t)] -= 1
            wrong += 1
    return exact, exact + wrong, wrong, len(truth_words)


def squash(text):
    return " ".join(tokens(text))


def printed_fields(truth):
    """The fields printed as they are (ISO dates and the like are derived)."""
    page = squash("\n".join(truth["lines"]))
    return {k: v for k, v in truth["fields"].items() if squash(v) in page}


def fields_score(truth, text):
    fields = printed_fields(truth)
    flat = squash(text)
    found = [k for k, v in fields.items() if squash(v) in flat]
    return len(found), len(fields), sorted(set(fields) - set(found))


def rows_score(truth, text):
    """Rows found in order: each on one line, its cells left to right, each
    row on a later line than the row before."""
    lines = [squash(l) for l in text.splitlines() if l.strip()]
    found, at = 0, 0
    for row in truth["rows"]:
        for i in range(at, len(lines)):
            pos, ok = 0, True
            for cell in row:
                j = lines[i].find(squash(cell), pos)
                if j < 0:
                    ok = False
                    break
                pos = j + len(squash(cell))
            if ok:
                found += 1
                at = i + 1
                break
    return found, len(truth["rows"])


def hand_score(truth, text, layout=None):
    """(verbatim, flagged, silently_wrong) over the handwritten fields. A
    field is flagged when a word sohoa marked handwritten sits on the line
    that carries the field's label."""
    verbatim = flagged = wrong = 0
    flat = squash(text)
    for label, value in truth["handwritten"].items():
        if squash(value) in flat:
            verbatim += 1
            continue
        marked = False
        if layout:
            for line in layout["lines"]:
                words = [w["text"] for w in line["words"]]
                if squash(label) in squash(" ".join(words)) and any(w.get("handwritten") for w in line["words"]):
                    marked = True
        if marked:
            flagged += 1
        else:
            wrong += 1
    return verbatim, flagged, wrong


# ---- readers -------------------------------------------------------------

def run_tesseract(path):
    started = time.perf_counter()
    res = subprocess.run(["tesseract", path, "stdout", "-l", "vie"], env=PEER_ENV, capture_output=True, text=True)
    took = time.perf_counter() - started
    ok = res.returncode == 0 and res.stdout.strip() != ""
    return ok, res.stdout if ok else "", took


def run_ocrmypdf(path, work):
    out = os.path.join(work, os.path.basename(path) + ".pdf")
    args = ["ocrmypdf", "-l", "vie", "--deskew", "--rotate-pages", "--jobs", "1", "--output-type", "pdf", "--quiet"]
    from PIL import Image
    with Image.open(path) as im:
        if not im.info.get("dpi"):
            args += ["--image-dpi", "300"]
    started = time.perf_counter()
    res = subprocess.run(args + [path, out], env=PEER_ENV, capture_output=True, text=True)
    took = time.perf_counter() - started
    if res.returncode != 0:
        return False, "", took, res.stderr.strip().splitlines()[-1:] or [""]
    text = subprocess.run(["pdftotext", "-layout", out, "-"], capture_output=True, text=True).stdout
    # -layout keeps a table's row on one line; squeeze its runs of spaces.
    text = "\n".join(re.sub(r" {2,}", " ", l) for l in text.splitlines())
    return True, text, took, None


class Sohoa(Server):
    def __init__(self, ocr_workers):
        super().__init__(True, ocr_workers, log="info")

    def try_upload(self, i, name, data):
        body, ctype = multipart({"subject_id": subject(i), "kind": "other"}, [(name, data)])
        req = urllib.request.Request(self.url + "/v1/records", data=body, method="POST",
                                     headers={"Content-Type": ctype, "Authorization": f"Bearer {self.key}"})
        try:
            with urllib.request.urlopen(req) as res:
                return json.load(res), None
        except urllib.error.HTTPError as e:
            return None, json.load(e)

    def settle(self, rid):
        while True:
            rec = self.record(rid)
            if rec["status"] != "processing":
                return rec
            time.sleep(0.2)

    def words(self, rid):
        req = urllib.request.Request(f"{self.url}/v1/records/{rid}/pages/1/words", headers={"Authorization": f"Bearer {self.key}"})
        with urllib.request.urlopen(req) as res:
            return json.load(res)

    def stages(self):
        """The 'page stages' lines of the log, in milliseconds."""
        keys = ["page_ms", "prepare_ms", "detect_ms", "read_ms"]
        out = []
        with open(os.path.join(self.dir, "server.log")) as f:
            for line in f:
                line = re.sub(r"\x1b\[[0-9;]*m", "", line)
                if "page stages" in line:
                    got = {k: int(m.group(1)) for k in keys for m in [re.search(rf"{k}[=:]\s*(\d+)", line)] if m}
                    if len(got) == len(keys):
                        out.append(got)
        return out


def read_all_with_sohoa(captures, ocr_workers):
    """Uploads every capture (one record each) and waits for all; returns
    per capture (accepted, text, layout, refusal), the wall time and the server."""
    server = Sohoa(ocr_workers)
    started = time.perf_counter()
    ids = {}
    refused = {}
    for i, (name, path) in enumerate(captures):
        with open(path, "rb") as f:
            answer, error = server.try_upload(i + 1, name, f.read())
        if answer:
            ids[name] = answer["id"]
        else:
            refused[name] = error
    out = {}
    for name, rid in ids.items():
        rec = server.settle(rid)
        if rec["status"] != "pending_review":
            out[name] = (False, "", None, rec.get("status_reason"))
            continue
        page = rec["pages"][0]
        out[name] = (True, page.get("ocr_text") or "", server.words(rid), None)
    wall = time.perf_counter() - started
    for name, error in refused.items():
        out[name] = (False, "", None, f"{error.get('code')}: {error.get('message')}")
    return out, wall, server


# ---- the run -------------------------------------------------------------

def capture_type(name, truth):
    """The capture's type; the test captures carry none, so their name stands in."""
    return truth.get("capture", name.rsplit(".", 1)[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="capture file names to run (default: all)")
    parser.add_argument("--no-peers", action="store_true", help="sohoa alone (a quick look, not the benchmark)")
    parser.add_argument("--show", action="store_true", help="print what each reader read")
    parser.add_argument("--pages", help="read the captures from this folder (as made by make_captures.py) instead of drawing them")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    pages_dir = args.pages or os.path.join(OUT, "captures")
    if not args.pages:
        subprocess.run([sys.executable, os.path.join(ROOT, "fixtures", "make_captures.py"), "--bench", pages_dir], check=True)
    with open(os.path.join(pages_dir, "truth.json")) as f:
        truth = json.load(f)
    names = [n for n in truth if not args.only or n in args.only]
    captures = [(n, os.path.join(pages_dir, n)) for n in names]
    print(f"{len(captures)} captures, binary {BIN}")

    # sohoa, one engine: accuracy, stages and pages per minute per engine.
    sohoa, sohoa_wall, server = read_all_with_sohoa(captures, 1)
    stages = server.stages()
    server.stop()
    # sohoa, two engines: peak memory.
    peak_two = None
    if not args.no_peers:
        _, _, server2 = read_all_with_sohoa(captures, 2)
        peak_two = server2.peak_rss_mb()
        server2.stop()

    tess, ocrm = {}, {}
    tess_time = ocrm_time = 0.0
    if not args.no_peers:
        work = tempfile.mkdtemp(prefix="sohoa-ocrbench-")
        for name, path in captures:
            ok, text, took = run_tesseract(path)
            tess[name] = (ok, text)
            tess_time += took
            ok, text, took, why = run_ocrmypdf(path, work)
            ocrm[name] = (ok, text)
            ocrm_time += took

    readers = {"sohoa": {n: (v[0], v[1], v[2]) for n, v in sohoa.items()}}
    if not args.no_peers:
        readers["tesseract"] = {n: (ok, text, None) for n, (ok, text) in tess.items()}
        readers["ocrmypdf"] = {n: (ok, text, None) for n, (ok, text) in ocrm.items()}

    if args.show:
        for n in names:
            for reader, got in readers.items():
                print(f"==== {n} — {reader}")
                print(got[n][1])
                if reader == "sohoa" and got[n][2]:
                    marked = [(w["text"], "h" if w.get("handwritten") else "d") for l in got[n][2]["lines"]
                              for w in l["words"] if w.get("handwritten") or w.get("doubtful")]
                    print("to confirm:", marked)

    types = collections.OrderedDict()
    for n in names:
        types.setdefault(capture_type(n, truth[n]), []).append(n)

    results = {"per_type": {}, "per_capture": {}}
    for n in names:
        t = truth[n]
        row = {}
        for reader, got in readers.items():
            ok, text, layout = got[n]
            e, f, w, total = words_score(t["words"], text)
            fe, ft, missing = fields_score(t, text)
            re_, rt = rows_score(t, text)
            hv, hf, hw = hand_score(t, text, layout)
            row[reader] = dict(accepted=ok, exact=e, found=f, wrong=w, words=total, fields=fe, fields_total=ft,
                               fields_missing=missing, rows=re_, rows_total=rt, hand_verbatim=hv, hand_flagged=hf,
                               hand_wrong=hw)
        if sohoa[n][3]:
            row["sohoa"]["refused"] = sohoa[n][3]
        results["per_capture"][n] = row

    def pct(a, b):
        return f"{100 * a / b:5.1f}%" if b else "    – "

    header = f"{'capture type':34} {'reader':10} {'accepted':>9} {'words':>7} {'marks':>7} {'fields':>7} {'rows':>7} {'hand v/f/wrong':>15}"
    print()
    print(header)
    print("-" * len(header))
    for ty, members in types.items():
        for reader in readers:
            agg = collections.Counter()
            for n in members:
                r = results["per_capture"][n][reader]
                agg.update({k: int(v) for k, v in r.items() if isinstance(v, (int, bool))})
            results["per_type"].setdefault(ty, {})[reader] = dict(agg, pages=len(members))
            print(f"{ty:34} {reader:10} {agg['accepted']:>4}/{len(members):<4} {pct(agg['exact'], agg['words']):>7} "
                  f"{pct(agg['wrong'], agg['found']):>7} {pct(agg['fields'], agg['fields_total']):>7} "
                  f"{pct(agg['rows'], agg['rows_total']):>7} "
                  f"{agg['hand_verbatim']:>5}/{agg['hand_flagged']}/{agg['hand_wrong']:<5}")
    print()
    for n in names:
        r = results["per_capture"][n]["sohoa"]
        if r["fields_missing"] or not r["accepted"]:
            print(f"  {n}: sohoa missed fields {r['fields_missing']}{' refused: ' + r.get('refused', '') if not r['accepted'] else ''}")

    if stages:
        mean = {k: sum(s[k] for s in stages) / len(stages) for k in stages[0]}
        print("\nsohoa time per page (mean ms): "
              f"page found, flattened and encoded {mean['page_ms']:.0f}; lines found {mean['detect_ms']:.0f}; "
              f"prepared {mean['prepare_ms']:.0f}; read {mean['read_ms']:.0f}")
        results["stages_ms"] = mean
    ppm = 60 * len(sohoa) / sohoa_wall
    results["sohoa_pages_per_minute_one_engine"] = ppm
    print(f"sohoa, one engine: {ppm:.1f} pages/min (wall, upload to last page read)")
    if tess_time:
        tppm = 60 * len(tess) / tess_time
        results["tesseract_pages_per_minute"] = tppm
        results["ocrmypdf_pages_per_minute"] = 60 * len(ocrm) / ocrm_time
        print(f"tesseract -l vie, one thread: {tppm:.1f} pages/min; sohoa/tesseract = {ppm / tppm:.2f}")
        print(f"ocrmypdf --jobs 1: {results['ocrmypdf_pages_per_minute']:.1f} pages/min")
    results["peak_rss_mb_two_engines"] = peak_two
    if peak_two:
        print(f"sohoa peak memory with two engines: {peak_two:.0f} MB")
    with open(os.path.join(OUT, "ocr.json"), "w") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
