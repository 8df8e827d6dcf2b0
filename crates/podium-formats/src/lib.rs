//! podium-formats
