"""The push engine: journal, runner, limiter, retries, circuit breaker, rollback."""
