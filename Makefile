# Thin aliases for ./dev, which bootstraps uv itself on a machine that has only python3.
.PHONY: up test lint typecheck format sync
up:
	./dev up
test:
	./dev test
lint:
	./dev lint
typecheck:
	./dev typecheck
format:
	./dev format
sync:
	./dev sync
