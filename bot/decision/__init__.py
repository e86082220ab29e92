"""Decision: findings become one ADR model that every renderer reads."""
