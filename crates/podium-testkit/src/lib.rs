//! podium-testkit
