# The two commands of the README: `make run` and `make test`.
# Both install what is missing first (.ci/setup), then build.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
# wasm-opt comes from npm's binaryen (end2end/node_modules), never Debian's.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run test setup build check e2e

## Run KYC Desk on http://127.0.0.1:3000 with demo data (embedded SQLite under data/).
run: setup build
	KYC_DESK_DEMO=$${KYC_DESK_DEMO:-true} \
	KYC_DESK_COOKIE_SECURE=$${KYC_DESK_COOKIE_SECURE:-false} \
	target/release/kyc-desk serve

## Every test: formatting, lints, Rust unit and integration tests, Playwright.
test: setup
	.ci/setup --browser
	leptosfmt --check src
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings
	cargo test
	$(MAKE) build
	$(MAKE) e2e

setup:
	.ci/setup

build:
	cargo leptos build --release

e2e:
	cd end2end && npx playwright test
