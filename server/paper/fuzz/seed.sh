#!/bin/sh
# Fills corpus/<target>/ (not in git) with the committed seeds and the crate's test fixtures.
# Run from server/paper/fuzz. pdf_layout seeds are also made from every fixture PDF with
# pdftotext -bbox-layout when poppler-utils is installed.
set -eu
cd "$(dirname "$0")"
fixtures=../tests/fixtures
for t in jats docx pdf_layout text; do mkdir -p "corpus/$t"; done
cp "$fixtures"/jats/* corpus/jats/
cp "$fixtures"/docx/*.docx corpus/docx/
cp seeds/text/* corpus/text/
cp seeds/pdf_layout/* corpus/pdf_layout/
if command -v pdftotext >/dev/null; then
    for f in "$fixtures"/pdf/*.pdf; do
        pdftotext -bbox-layout -enc UTF-8 -l 3 "$f" "corpus/pdf_layout/$(basename "$f" .pdf)-p1-3.html" 2>/dev/null || true
    done
fi
echo "corpus ready: $(ls corpus/* | wc -l) files"
