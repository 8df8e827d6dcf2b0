//! podium-domain
