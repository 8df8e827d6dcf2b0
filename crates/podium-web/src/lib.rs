//! podium-web
