# Sourced by the other scripts: puts the project's own tools first on PATH.
# wasm-opt must be npm's binaryen, never Debian's (which writes broken WASM).
_hh_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$_hh_root/scripts/site-tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The server's pages name the browser bundle by this at compile time (leptos reads it with
# `option_env!`). cargo-leptos sets it; it is set here too, so that a plain `cargo build` or
# `cargo test` makes the same server (scripts/test's browser tests run the binary the Rust tests built).
export LEPTOS_OUTPUT_NAME=hidden-hill
