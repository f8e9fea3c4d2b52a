#!/usr/bin/env bash
# Installs what sohoa needs to build and run on Debian 12 (bookworm) and
# newer, skipping whatever is already there. Safe to run again and again.
#   scripts/install-deps.sh          build + run needs
#   scripts/install-deps.sh --test   also what the test suite uses
#   scripts/install-deps.sh --bench  also the peers the benchmark measures against (OCRmyPDF)
set -euo pipefail

packages=(
  # build
  build-essential pkg-config clang libclang-dev
  libtesseract-dev libleptonica-dev libsqlite3-dev
  # run: Tesseract 5 with Vietnamese and English data
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng
  ca-certificates curl
  # fetch the text-line detector (scripts/fetch-models.sh)
  python3
)
if [[ "${1:-}" == "--test" || "${1:-}" == "--bench" ]]; then
  # fixtures and benchmark pages are drawn with DejaVu; jq for scripts
  # pdftotext checks the searchable PDF's text layer
  # chromium renders the citizen page in the browser test; qpdf checks the PDF's structure
  # python3-venv holds schemathesis, the API fuzzer the suite runs against /openapi.json
  packages+=(fonts-dejavu-core fonts-liberation2 python3 python3-pil python3-numpy python3-qrcode python3-reportlab python3-venv jq poppler-utils chromium chromium-driver qpdf)
  # npm fetches axe-core, the accessibility checker the desk's browser test runs
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

if [[ "${1:-}" == "--bench" ]]; then
  packages+=(ocrmypdf)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: no Rust toolchain found. Install Rust 1.94 or newer (https://rustup.rs) and run again." >&2
  exit 1
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if ((rust_minor < 94)); then
  echo "error: $(rustc --version) is too old; sohoa needs Rust 1.94 or newer (rustup update)." >&2
  exit 1
fi
if [[ "${1:-}" == "--test" || "${1:-}" == "--bench" ]]; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
fi
tesseract --list-langs 2>/dev/null | grep -qx vie || { echo "error: Tesseract's Vietnamese data (tesseract-ocr-vie) is missing." >&2; exit 1; }
scripts/fetch-models.sh
if [[ "${1:-}" == "--test" || "${1:-}" == "--bench" ]]; then
  # schemathesis from PyPI, pinned, in a venv of its own (tests/api/conformance.rs);
  # hypothesis pinned too: hypothesis-jsonschema 0.23 breaks on 6.15x's internals
  venv="${SOHOA_VENV:-$HOME/.local/share/sohoa/venv}"
  if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q '4\.3\.2' \
    || ! "$venv/bin/python" -c 'import hypothesis, sys; sys.exit(hypothesis.__version__ != "6.140.4")' 2>/dev/null; then
    echo "Installing schemathesis 4.3.2 into $venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'schemathesis==4.3.2' 'hypothesis==6.140.4'
  fi
  # axe-core from npm, pinned, for the desk's accessibility check (tests/api/desk/browser.rs)
  axe="${SOHOA_AXE:-$HOME/.local/share/sohoa/axe}"
  if [[ ! -f "$axe/node_modules/axe-core/axe.min.js" ]] \
    || ! grep -q '"version": "4.10.3"' "$axe/node_modules/axe-core/package.json"; then
    echo "Installing axe-core 4.10.3 into $axe"
    npm install --silent --no-audit --no-fund --prefix "$axe" 'axe-core@4.10.3' >/dev/null
  fi
fi
