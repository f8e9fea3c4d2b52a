#!/usr/bin/env bash
# Fetches what sohoa reads pages with, at setup and never at run time, into
# models/ (or $SOHOA_MODELS_DIR). Safe to run again: what is there and right
# is kept.
#   ppocr-v4-det.onnx  PaddleOCR's PP-OCRv4 text-line detector (Apache-2.0),
#                      from the PyPI wheel rapidocr-onnxruntime 1.4.4, both
#                      pinned by SHA-256; its licence notice goes beside it.
#   vie-words.txt      the Vietnamese word list of Tesseract's own vie data
#                      (tesseract-ocr-vie, Apache-2.0), for the word check.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${SOHOA_MODELS_DIR:-models}"
mkdir -p "$dir"

wheel_version="1.4.4"
wheel_sha256="971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf"
model_sha256="d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9"
model="$dir/ppocr-v4-det.onnx"

have() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]; }

if ! have "$model" "$model_sha256"; then
  python=python3
  if ! "$python" -m pip --version >/dev/null 2>&1; then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "rapidocr-onnxruntime==$wheel_version --hash=sha256:$wheel_sha256" > "$tmp/pinned.txt"
  echo "Fetching the text-line detector (rapidocr-onnxruntime $wheel_version from PyPI)"
  "$python" -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    --no-cache-dir -d "$tmp" -r "$tmp/pinned.txt"
  "$python" - "$tmp"/rapidocr_onnxruntime-*.whl "$model.part" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, open(sys.argv[2], "wb") as out:
    out.write(wheel.read("rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx"))
PY
  if ! have "$model.part" "$model_sha256"; then
    rm -f "$model.part"
    echo "error: the detector in the wheel is not the pinned model ($model_sha256)" >&2
    exit 1
  fi
  mv "$model.part" "$model"
fi
cat > "$dir/NOTICE" <<'TXT'
ppocr-v4-det.onnx is PaddleOCR's PP-OCRv4 text detection model
(ch_PP-OCRv4_det_infer), Copyright (c) PaddlePaddle Authors, licensed under the
Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0), as
converted to ONNX and shipped in the rapidocr-onnxruntime 1.4.4 wheel
(RapidAI, Apache-2.0). SHA-256:
d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9

vie-words.txt is the word list of Tesseract's Vietnamese data (vie.traineddata
of tesseract-ocr-vie), Apache License, Version 2.0, extracted with
combine_tessdata and dawg2wordlist.
TXT

words="$dir/vie-words.txt"
if [[ ! -s "$words" ]]; then
  tessdata=$(tesseract --list-langs 2>&1 | sed -n 's/.*"\(.*\)".*/\1/p' | head -1)
  tmp=$(mktemp -d)
  cp "$tessdata/vie.traineddata" "$tmp/"
  (cd "$tmp" && combine_tessdata -u vie.traineddata vie. >/dev/null 2>&1)
  dawg2wordlist "$tmp/vie.lstm-unicharset" "$tmp/vie.lstm-word-dawg" "$words.part" >/dev/null 2>&1
  rm -rf "$tmp"
  mv "$words.part" "$words"
fi
echo "Models ready in $dir"
