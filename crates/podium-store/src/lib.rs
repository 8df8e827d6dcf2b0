//! podium-store
