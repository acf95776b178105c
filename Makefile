# The two set-up commands of a fresh machine: `make dev` and `make test`.
.PHONY: dev test test-unit test-e2e test-browser web check-infra checkov schemathesis conformance aws-up aws-down fmt lint bench bench-dev bench-activity sam-validate sam-build rehearsal

dev: ## run the whole service locally on 127.0.0.1:3000
	scripts/dev.sh

test: ## every test: fmt, clippy, template checks, unit and end-to-end tests
	scripts/test.sh

test-unit: ## pure-logic unit tests only (no AWS stand-in needed)
	cargo test --workspace --lib --bins

test-e2e: aws-up ## end-to-end tests against an already started (or new) stand-in
	cargo build --workspace --bins --quiet
	. scripts/env.sh && BUCKET_NAME=planroom-activity-test-exports cargo test -p e2e

web: ## the reference web client: npm ci (pinned), unit tests, typed build into web/dist (served at /ui/)
	scripts/web.sh

test-browser: aws-up ## browser tests in headless Debian Chromium (Playwright for Python); screenshots in target/browser-artifacts
	cargo build --quiet -p devserver
	scripts/web.sh build
	scripts/browser-test.sh

check-infra: ## template lint (cfn-lint, checkov) and template-vs-code checks
	scripts/check-infra.sh

checkov: ## checkov on the SAM template (own venv .venv-checkov)
	scripts/checkov.sh

schemathesis: aws-up ## the API against infra/openapi.yaml, every check, one seed (SCHEMATHESIS_SEED)
	cargo build --quiet -p devserver
	scripts/schemathesis.sh

conformance: ## the patched stand-in against stock moto: same answers, contents and streams
	scripts/aws-local.sh install
	.venv/bin/python scripts/moto_conformance.py

aws-up: ## start the local AWS stand-in in the background
	scripts/aws-local.sh start

aws-down: ## stop it
	scripts/aws-local.sh stop

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings

bench: ## benchmarks; figures in BENCHMARKS.md (about 15 minutes)
	scripts/bench.sh

bench-dev: ## the HTTP benchmarks through a dev server of their own (about 10 minutes)
	scripts/bench-dev.sh

bench-activity: ## the User Activity dataset at 1,000,000 rows (about 45 minutes; ROWS=... for fewer)
	scripts/bench-activity.sh

sam-validate: ## sam validate --lint (own venv .venv-sam)
	scripts/sam.sh validate

sam-build: ## sam build: one arm64 bootstrap per function in .aws-sam/build
	scripts/sam.sh build

rehearsal: ## the deploy rehearsal: sam build, the README's sam deploy against the stand-in, calls recorded by the tests checked against each role
	scripts/sam.sh build
	scripts/deploy-rehearsal.sh
