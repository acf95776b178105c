# The two set-up commands of a fresh machine: `make dev` and `make test`.
.PHONY: dev test test-unit test-e2e check-infra aws-up aws-down fmt lint bench sam-validate sam-build

dev: ## run the whole service locally on 127.0.0.1:3000
	scripts/dev.sh

test: ## every test: fmt, clippy, template checks, unit and end-to-end tests
	scripts/test.sh

test-unit: ## pure-logic unit tests only (no AWS stand-in needed)
	cargo test --workspace --lib --bins

test-e2e: aws-up ## end-to-end tests against an already started (or new) stand-in
	. scripts/env.sh && TABLE_NAME=planroom-activity-test cargo test -p e2e

check-infra: ## template lint and template-vs-code checks
	scripts/check-infra.sh

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

sam-validate: ## sam validate --lint (own venv .venv-sam)
	scripts/sam.sh validate

sam-build: ## sam build: one arm64 bootstrap per function in .aws-sam/build
	scripts/sam.sh build
